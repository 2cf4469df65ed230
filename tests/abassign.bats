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
