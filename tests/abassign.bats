#!/usr/bin/env bats
# tests/abassign.bats - deterministic arm assignment by SHA-256 of (campaign, user)

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

# users u0..u(N-1) as topk-like lines with an extra field to carry through
mkusers() {
	local i
	for ((i = 0; i < $1; i++)); do
		printf '{"user":"u%d","recs":[{"item":"sku%d","score":1.5,"rank":1}],"segment":"2"}\n' "$i" "$i"
	done
}

# the arm python computes from the documented rule: first 8 bytes of
# SHA-256(campaign NUL user), top 53 bits / 2^53, first cumulative weight above it
py_arms() {
	"$PY3" -c '
import hashlib, json, sys
campaign, spec = sys.argv[1], sys.argv[2]
arms = [(a.split("=")[0], float(a.split("=")[1])) for a in spec.split(",")]
for line in sys.stdin:
    u = json.loads(line)["user"]
    h = hashlib.sha256(campaign.encode() + b"\0" + u.encode()).digest()
    x = (int.from_bytes(h[:8], "big") >> 11) * 2.0**-53
    cum = 0.0
    for i, (name, w) in enumerate(arms):
        cum += w
        if x < cum or i == len(arms) - 1:
            print(u, name)
            break
' "$@"
}

@test "abassign: --help prints usage with an example and exits 0" {
	run abassign --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--arms"* ]]
	[[ "$output" == *"example:"* ]]
}

@test "abassign: --version names the program" {
	run abassign --version
	[ "$status" -eq 0 ]
	[[ "$output" == "abassign (recmail) "* ]]
}

@test "abassign: each user gets the arm python derives from SHA-256 of campaign and user" {
	mkusers 300 >users.ndjson
	run --separate-stderr abassign --campaign 2026-11-w48 --arms llm=0.5,template=0.5 users.ndjson
	[ "$status" -eq 0 ]
	echo "$output" | jq -r '"\(.user) \(.variant)"' >got
	py_arms 2026-11-w48 llm=0.5,template=0.5 <users.ndjson >want
	diff want got
}

@test "abassign: the same customer lands in the same arm on every run and in any order" {
	mkusers 200 >users.ndjson
	abassign -c spring -a a=0.2,b=0.3,c=0.5 users.ndjson | jq -r '"\(.user) \(.variant)"' | sort >one
	tac users.ndjson | abassign -c spring -a a=0.2,b=0.3,c=0.5 | jq -r '"\(.user) \(.variant)"' | sort >two
	diff one two
	[ "$(wc -l <one)" -eq 200 ]
}

@test "abassign: a different campaign reshuffles the arms" {
	mkusers 400 >users.ndjson
	abassign -c spring -a a=0.5,b=0.5 users.ndjson | jq -r .variant >one
	abassign -c autumn -a a=0.5,b=0.5 users.ndjson | jq -r .variant >two
	moved=$(paste one two | awk '$1 != $2' | wc -l)
	# about half move (binomial 400, 0.5: 200 +- 10); far from 0 and from 400
	[ "$moved" -gt 140 ] && [ "$moved" -lt 260 ]
}

@test "abassign: every other field of the line is carried through unchanged" {
	mkusers 5 >users.ndjson
	abassign -c x -a llm=0.5,template=0.5 users.ndjson >out
	jq -c 'del(.variant)' out >stripped
	diff users.ndjson stripped
	[ "$(jq -r 'keys_unsorted[-1]' out | sort -u)" = variant ]
}

@test "abassign: the split follows the weights" {
	mkusers 5000 >users.ndjson
	abassign -c w -a big=0.8,small=0.2 users.ndjson | jq -r .variant | sort | uniq -c >counts
	small=$(awk '$2 == "small" {print $1}' counts)
	# binomial(5000, 0.2): 1000 +- 28.3; 5 sd either side
	[ "$small" -gt 858 ] && [ "$small" -lt 1142 ]
}

@test "abassign: holdout lines keep their variant on stdout, like every arm's" {
	mkusers 500 >users.ndjson
	run --separate-stderr abassign -c h -a llm=0.45,template=0.45,holdout=0.1 users.ndjson
	[ "$status" -eq 0 ]
	py_arms h llm=0.45,template=0.45,holdout=0.1 <users.ndjson >want
	echo "$output" | jq -r '"\(.user) \(.variant)"' >got
	diff want got
	[ "$(grep -c ' holdout$' want)" -gt 20 ]
}

@test "abassign: --drop-holdout leaves holdout lines out of stdout and in the assignment log" {
	mkusers 500 >users.ndjson
	run --separate-stderr abassign -c h -a llm=0.45,template=0.45,holdout=0.1 --drop-holdout \
		-o log.ndjson users.ndjson
	[ "$status" -eq 0 ]
	py_arms h llm=0.45,template=0.45,holdout=0.1 <users.ndjson >want
	jq -r '"\(.user) \(.variant)"' log.ndjson >got
	diff want got
	[ "$(jq -r .campaign log.ndjson | sort -u)" = h ]
	grep -v ' holdout$' want >mailed
	echo "$output" | jq -r '"\(.user) \(.variant)"' >out
	diff mailed out
}

@test "abassign: --drop-holdout without --assignments is a usage error" {
	mkusers 3 >users.ndjson
	run --separate-stderr abassign -c h -a llm=0.45,template=0.45,holdout=0.1 --drop-holdout users.ndjson
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--drop-holdout needs --assignments"* ]]
	[ -z "$output" ]
}

@test "abassign: weights that do not sum to 1 are refused with the sum" {
	run --separate-stderr abassign -c h -a llm=0.5,template=0.5,holdout=0.1 -o log </dev/null
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"sum to 1.1, not 1"* ]]
	run --separate-stderr abassign -c h -a llm=0,template=1 </dev/null
	[ "$status" -eq 64 ]
	run --separate-stderr abassign -c h -a llm=0.5,llm=0.5 </dev/null
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"named twice"* ]]
}

@test "abassign: --campaign and --arms are required" {
	run --separate-stderr abassign -a a=1 </dev/null
	[ "$status" -eq 64 ]
	run --separate-stderr abassign -c x </dev/null
	[ "$status" -eq 64 ]
}

@test "abassign: bad lines are reported with file and line, the rest assigned, exit 1" {
	printf '{"user":"a"}\nnot json\n{"name":"x"}\n{"user":"b","variant":"old"}\n{"user":"c"}\n' >in.ndjson
	run --separate-stderr abassign -c x -a a=0.5,b=0.5 in.ndjson
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .user | tr '\n' ' ')" = "a c " ]
	[[ "$stderr" == *"in.ndjson:2: invalid JSON"* ]]
	[[ "$stderr" == *'in.ndjson:3: missing "user" string'* ]]
	[[ "$stderr" == *'in.ndjson:4: already has a "variant"'* ]]
}

@test "abassign: a missing input file exits 66" {
	run --separate-stderr abassign -c x -a a=1 nosuch.ndjson
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"nosuch.ndjson"* ]]
}

@test "abassign: a write error on stdout is reported and fails" {
	[ -w /dev/full ] || skip "no /dev/full"
	mkusers 3000 >users.ndjson
	run bash -c 'abassign -c x -a a=1 users.ndjson >/dev/full'
	[ "$status" -eq 74 ]
	[[ "$output" == *"write error"* ]]
}

# --- adaptive weights (--adapt): Thompson sampling over earlier campaigns' abreport output ---

# report CAMPAIGN UNTIL ARM=N:CLICKS ...: an abreport-shaped report (arm lines, then the summary)
report() {
	local camp=$1 until=$2 spec n x
	shift 2
	for spec in "$@"; do
		n=${spec#*=}; x=${n#*:}; n=${n%:*}
		printf '{"kind":"arm","campaign":"%s","arm":"%s","weight":null,"recipients":%d,"open":{"count":%d},"click":{"count":%d},"conversion":{"count":0}}\n' \
			"$camp" "${spec%%=*}" "$n" "$x" "$x"
	done
	printf '{"kind":"summary","campaign":"%s","events_until":"%s"}\n' "$camp" "$until"
}

now_utc() { date -u -d "${1:-now}" +%Y-%m-%dT%H:%M:%SZ; }

@test "abassign: --adapt gives the clearly better arm most of the mail, the worse its floor, the holdout its weight" {
	mkusers 4000 >users.ndjson
	report w47 "$(now_utc)" llm=2000:200 template=2000:40 holdout=500:0 >w47.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.45,template=0.45,holdout=0.1 --adapt w47.ndjson users.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >out.ndjson
	# P(llm best) is 1 to four decimals: llm = 0.1 + 0.7 * 1, template = the floor, holdout fixed
	[ "$(jq -r 'select(.variant == "llm") | .variant_weight' out.ndjson | sort -u)" = 0.8 ]
	[ "$(jq -r 'select(.variant == "template") | .variant_weight' out.ndjson | sort -u)" = 0.1 ]
	[ "$(jq -r 'select(.variant == "holdout") | .variant_weight' out.ndjson | sort -u)" = 0.1 ]
	n=$(jq -r 'select(.variant == "llm") | .user' out.ndjson | wc -l)
	[ "$n" -gt 3050 ] && [ "$n" -lt 3350 ]
	# the weights are in the log (stderr) too
	[[ "$stderr" == *"adaptive weights (Thompson sampling on click, 1 campaigns in 1 reports"* ]]
	[[ "$stderr" == *"llm=0.800000"* && "$stderr" == *"holdout=0.100000  (fixed)"* ]]
}

@test "abassign: adaptive assignment is deterministic for the same reports and seed, and by default per campaign" {
	mkusers 500 >users.ndjson
	report w47 "$(now_utc)" llm=300:12 template=300:9 >w47.ndjson
	abassign -c w48 -a llm=0.5,template=0.5 --adapt w47.ndjson --seed 7 users.ndjson >a 2>/dev/null
	abassign -c w48 -a llm=0.5,template=0.5 --adapt w47.ndjson --seed 7 users.ndjson >b 2>/dev/null
	cmp a b
	abassign -c w48 -a llm=0.5,template=0.5 --adapt w47.ndjson users.ndjson >c 2>/dev/null
	abassign -c w48 -a llm=0.5,template=0.5 --adapt w47.ndjson users.ndjson >d 2>/dev/null
	cmp c d
	# the close race gives both arms more than the floor; the weights add up to 1
	w=$(jq -s '[.[] | {(.variant): .variant_weight}] | add | [.llm, .template] | add' a)
	[ "$(echo "$w" | awk '{ printf "%.9f", $1 }')" = 1.000000000 ]
	[ "$(jq -r 'select(.variant == "template") | .variant_weight > 0.1' a | sort -u)" = true ]
	# each user is in the arm the hash and the written weights give
	jq -c 'del(.variant_weight) | del(.variant)' a | py_arms w48 "$(jq -rs '[.[] | {(.variant): .variant_weight}] | add | "llm=\(.llm),template=\(.template)"' a)" >want
	jq -r '"\(.user) \(.variant)"' a >got
	diff want got
}

@test "abassign: an arm that is in no report keeps the prior and still gets mail" {
	mkusers 200 >users.ndjson
	report w47 "$(now_utc)" llm=1000:30 template=1000:20 >w47.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.3,template=0.3,newcopy=0.3,holdout=0.1 --adapt w47.ndjson users.ndjson
	[ "$status" -eq 0 ]
	w=$(echo "$output" | jq -r 'select(.variant == "newcopy") | .variant_weight' | sort -u)
	awk -v w="$w" 'BEGIN { exit !(w > 0.3) }'
}

@test "abassign: reads abreport's own output as its input" {
	mkusers 400 >users.ndjson
	abassign -c w47 -a llm=0.5,template=0.5 users.ndjson >assigned.ndjson
	jq -c '{event: "sent", user, campaign: "w47", variant, ts: 1764000000}' assigned.ndjson >events.ndjson
	jq -c 'select(.variant == "llm" and (.user | ltrimstr("u") | tonumber) % 4 == 0) |
		{event: "click", user, campaign: "w47", variant, ts: 1764000100}' assigned.ndjson >>events.ndjson
	abreport -c w47 -a llm=0.5,template=0.5 events.ndjson >report.ndjson 2>/dev/null
	[ "$(jq -r 'select(.kind == "summary") | .events_until' report.ndjson)" = 2025-11-24T16:01:40Z ]
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --max-age 0 --adapt report.ndjson users.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.variant == "llm") | .variant_weight' | sort -u)" = 0.9 ]
}

@test "abassign: a malformed report is refused with its file and line, exit 65, and nothing is written" {
	mkusers 10 >users.ndjson
	report w47 "$(now_utc)" llm=100:5 template=100:4 >good.ndjson
	head -2 good.ndjson >cut.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt cut.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	[[ "$stderr" == *"cut.ndjson:2: ends without the summary line of campaign 'w47'"* ]]
	sed '2s/"count":4}/"count":400}/' good.ndjson >over.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt over.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"over.ndjson:2: arm 'template': \"open.count\" is missing or not within 0..recipients"* ]]
	{ sed -n 1p good.ndjson; echo 'not json'; sed -n '2,$p' good.ndjson; } >bad.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt bad.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"bad.ndjson:2: invalid JSON"* ]]
	cat good.ndjson good.ndjson >twice.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt twice.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"twice.ndjson:4: campaign 'w47' is reported twice"* ]]
}

@test "abassign: a stale report, or the campaign's own, is refused" {
	mkusers 10 >users.ndjson
	report w30 "$(now_utc '200 days ago')" llm=100:5 template=100:4 >old.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt old.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"the report of campaign 'w30' is stale: its last event is 200."*" days old, over --max-age 90.0"* ]]
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --max-age 365 --adapt old.ndjson users.ndjson
	[ "$status" -eq 0 ]
	report w48 "$(now_utc)" llm=100:5 template=100:4 >self.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt self.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"a campaign cannot steer itself"* ]]
	grep -v summary old.ndjson >nodate.ndjson
	echo '{"kind":"summary","campaign":"w30"}' >>nodate.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --adapt nodate.ndjson users.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"has no \"events_until\", so its age is unknown"* ]]
}

@test "abassign: floors that do not fit, one adapting arm, or a bad metric are usage errors" {
	report w47 "$(now_utc)" llm=100:5 template=100:4 >r.ndjson
	run --separate-stderr abassign -c w48 -a llm=0.3,template=0.3,holdout=0.4 --floor 0.35 --adapt r.ndjson </dev/null
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--floor 0.35 for 2 arms is more than the 0.6 the holdout leaves"* ]]
	run --separate-stderr abassign -c w48 -a llm=0.9,holdout=0.1 --adapt r.ndjson </dev/null
	[ "$status" -eq 64 ]
	run --separate-stderr abassign -c w48 -a llm=0.5,template=0.5 --metric revenue --adapt r.ndjson </dev/null
	[ "$status" -eq 64 ]
}
