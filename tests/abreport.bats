#!/usr/bin/env bats
# tests/abreport.bats - every figure of the A/B report against independent hand computation

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

ev() { # event user variant [extra json]
	printf '{"event":"%s","user":"%s","campaign":"c1","variant":"%s"%s}\n' "$1" "$2" "$3" "${4:-}"
}

# template (control): t0..t9 sent and delivered; opens t0..t3 (t0 twice); clicks t0, t1;
#   purchases t0 10 (the same line twice), t1 30.
# llm: l0..l19 sent, l0..l18 delivered; opens l0..l9; clicks l0..l5; purchases l0..l4 20
#   each, and l0 another item for 5.
# ghost: never sent, two events.
mkevents() {
	local i
	for i in 0 1 2 3 4 5 6 7 8 9; do ev sent "t$i" template; ev delivered "t$i" template; done
	for ((i = 0; i < 20; i++)); do ev sent "l$i" llm; done
	for ((i = 0; i < 19; i++)); do ev delivered "l$i" llm; done
	for i in 0 0 1 2 3; do ev open "t$i" template; done
	for ((i = 0; i < 10; i++)); do ev open "l$i" llm; done
	for i in 0 1; do ev click "t$i" template; done
	for ((i = 0; i < 6; i++)); do ev click "l$i" llm; done
	ev purchase t0 template ',"item":"x","revenue":10,"ts":100'
	ev purchase t0 template ',"item":"x","revenue":10,"ts":100'
	ev purchase t1 template ',"item":"x","revenue":30,"ts":100'
	for ((i = 0; i < 5; i++)); do ev purchase "l$i" llm ',"item":"x","revenue":20,"ts":100'; done
	ev purchase l0 llm ',"item":"y","revenue":5,"ts":101'
	ev click ghost llm
	ev open ghost llm
}

# check.py ACTUAL ARM N OPENS CLICKS CONV REVENUES... [-- CONTROL_N C_OPENS C_CLICKS C_CONV C_REVENUES...]
# Recomputes every figure with the math module only and compares within 1e-9 (1e-5 for the
# integrated posterior probability); prints each mismatch.
write_checker() {
	cat >check.py <<'EOF'
import json, math, sys
Z = 1.959963984540054
def wilson(x, n):
    p = x / n
    c = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    h = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return [max(0.0, c - h), min(1.0, c + h)]
def phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))
def lbeta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
def prob_greater(xa, na, xb, nb):  # P(pB > pA), Beta(1+x, 1+n-x), midpoint rule
    aA, bA, aB, bB = 1 + xa, 1 + na - xa, 1 + xb, 1 + nb - xb
    steps, FA, p = 20000, 0.0, 0.0
    h = 1.0 / steps
    for i in range(steps):
        y = (i + 0.5) * h
        fA = math.exp((aA - 1) * math.log(y) + (bA - 1) * math.log1p(-y) - lbeta(aA, bA))
        fB = math.exp((aB - 1) * math.log(y) + (bB - 1) * math.log1p(-y) - lbeta(aB, bB))
        FA += fA * h / 2
        p += fB * FA * h
        FA += fA * h / 2
    return p
def mean_var(v):
    m = sum(v) / len(v)
    return m, sum((x - m) ** 2 for x in v) / (len(v) - 1)
bad = []
def near(what, got, want, tol=1e-9):
    if want is None or got is None:
        if want != got:
            bad.append("%s: got %r, want %r" % (what, got, want))
    elif abs(got - want) > tol * max(1, abs(want)):
        bad.append("%s: got %r, want %r" % (what, got, want))
args = sys.argv[1:]
rows = [json.loads(l) for l in open(args[0])]
arm = args[1]
if "--" in args:
    mine, ctl = args[2:args.index("--")], args[args.index("--") + 1:]
else:
    mine, ctl = args[2:], None
def parse(a):
    return int(a[0]), [int(x) for x in a[1:4]], [float(x) for x in a[4:]]
n, xs, rev = parse(mine)
rev = rev + [0.0] * (n - len(rev))
r = [o for o in rows if o.get("arm") == arm][0]
near("recipients", r["recipients"], n)
for k, name in enumerate(["open", "click", "conversion"]):
    near(name + ".count", r[name]["count"], xs[k])
    near(name + ".rate", r[name]["rate"], xs[k] / n)
    lo, hi = wilson(xs[k], n)
    near(name + ".ci.lo", r[name]["ci"][0], lo)
    near(name + ".ci.hi", r[name]["ci"][1], hi)
m, var = mean_var(rev)
near("revenue.total", r["revenue"]["total"], sum(rev))
near("revenue.per_recipient", r["revenue"]["per_recipient"], m)
near("revenue.ci.lo", r["revenue"]["ci"][0], m - Z * math.sqrt(var / n))
near("revenue.ci.hi", r["revenue"]["ci"][1], m + Z * math.sqrt(var / n))
if ctl is not None:
    nc, xc, revc = parse(ctl)
    revc = revc + [0.0] * (nc - len(revc))
    for k, name in enumerate(["open", "click", "conversion"]):
        u = r[name]["uplift"]
        p1, p2 = xs[k] / n, xc[k] / nc
        pool = (xs[k] + xc[k]) / (n + nc)
        se = math.sqrt(pool * (1 - pool) * (1 / n + 1 / nc))
        z = (p1 - p2) / se if se > 0 else 0.0
        near(name + ".diff", u["diff"], p1 - p2)
        near(name + ".relative", u["relative"], (p1 - p2) / p2 if p2 > 0 else None)
        near(name + ".z", u["z"], z)
        near(name + ".p_value", u["p_value"], 2 * phi(-abs(z)) if se > 0 else 1.0)
        near(name + ".prob_beats_control", u["prob_beats_control"],
             prob_greater(xc[k], nc, xs[k], n), 1e-5)
    mc, varc = mean_var(revc)
    se = math.sqrt(var / n + varc / nc)
    ru = r["revenue"]["uplift"]
    near("revenue.diff", ru["diff"], m - mc)
    near("revenue.diff.lo", ru["ci"][0], m - mc - Z * se)
    near("revenue.diff.hi", ru["ci"][1], m - mc + Z * se)
    near("revenue.p_value", ru["p_value"],
         2 * phi(-abs((m - mc) / se)) if se > 0 else (1.0 if m == mc else 0.0))
else:
    for name in ["open", "click", "conversion"]:
        if "uplift" in r[name]:
            bad.append(name + ": uplift without a control")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

@test "abreport: --help prints usage with an example and exits 0" {
	run abreport --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--assignments"* ]]
	[[ "$output" == *"example:"* ]]
}

@test "abreport: every figure of each arm matches the hand computation" {
	mkevents >events.ndjson
	write_checker
	run --separate-stderr abreport events.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >out.ndjson
	# control: 10 recipients, 4 opens, 2 clicks, 2 buyers; revenue 10 and 30
	run "$PY3" check.py out.ndjson template 10 4 2 2 10 30
	echo "$output"
	[ "$status" -eq 0 ]
	# llm: 20 recipients, 10 opens, 6 clicks, 5 buyers; revenue 25, 20, 20, 20, 20
	run "$PY3" check.py out.ndjson llm 20 10 6 5 25 20 20 20 20 -- 10 4 2 2 10 30
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "abreport: duplicate opens and repeated purchase lines count once per recipient" {
	mkevents >events.ndjson
	abreport events.ndjson 2>/dev/null >out.ndjson
	# t0 opened twice and its purchase line appears twice: 4 openers, revenue 10 + 30
	[ "$(jq -r 'select(.arm == "template") | "\(.open.count) \(.revenue.total)"' out.ndjson)" = "4 40" ]
	# l0 bought two different items: one buyer, both amounts: 5 * 20 + 5
	[ "$(jq -r 'select(.arm == "llm") | "\(.conversion.count) \(.revenue.total)"' out.ndjson)" = "5 105" ]
	[ "$(jq -r 'select(.arm == "llm") | .delivered' out.ndjson)" = 19 ]
}

@test "abreport: events of users never sent are ignored and counted as orphans on stderr" {
	mkevents >events.ndjson
	run --separate-stderr abreport events.ndjson
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 events of 1 users who were never sent (ignored), e.g. 'ghost' at events.ndjson:"* ]]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | "\(.orphan_events) \(.orphan_users) \(.recipients)"')" = "2 1 30" ]
}

@test "abreport: the order of events does not matter" {
	mkevents >events.ndjson
	abreport events.ndjson 2>/dev/null >one
	tac events.ndjson | abreport 2>/dev/null >two
	diff one two
}

@test "abreport: an arm with zero opens, clicks and sales has rate 0 and interval [0, z^2/(n+z^2)]" {
	for i in 0 1 2 3 4; do ev sent "t$i" template; ev sent "l$i" llm; done >events.ndjson
	ev open t0 template >>events.ndjson
	abreport events.ndjson 2>/dev/null >out.ndjson
	write_checker
	run "$PY3" check.py out.ndjson llm 5 0 0 0 -- 5 1 0 0
	echo "$output"
	[ "$status" -eq 0 ]
	# 0/5: upper bound 1.959964^2 / (5 + 1.959964^2) = 3.841459 / 8.841459 = 0.434482
	[ "$(jq -r 'select(.arm == "llm") | .conversion.ci | map(. * 1e6 | round) | @csv' out.ndjson)" = "0,434482" ]
	# a control rate of 0 has no relative change; equal rates 0 vs 0: p = 1, P(beats) = 0.5
	[ "$(jq -r 'select(.arm == "llm") | .click.uplift | "\(.relative) \(.p_value) \(.prob_beats_control)"' out.ndjson)" = "null 1 0.5" ]
}

@test "abreport: a single arm gets its rates and no uplift" {
	for i in 0 1 2 3; do ev sent "t$i" template; done >events.ndjson
	ev click t2 template ',"item":"x"' >>events.ndjson
	run --separate-stderr abreport --arms template=1 events.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >out.ndjson
	write_checker
	run "$PY3" check.py out.ndjson template 4 0 1 0
	echo "$output"
	[ "$status" -eq 0 ]
	# one arm: no sample-ratio test (it needs two)
	[ "$(jq -r 'select(.kind == "summary") | .srm' out.ndjson)" = null ]
	[ "$(jq -r 'select(.kind == "arm") | .control' out.ndjson)" = true ]
	[ "$(jq -r 'select(.kind == "arm") | .revenue.uplift' out.ndjson)" = null ]
}

@test "abreport: an absent control arm is said on stderr and no uplift is computed" {
	for i in 0 1 2 3; do ev sent "l$i" llm; done >events.ndjson
	run --separate-stderr abreport --control template events.ndjson
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no recipients in control arm 'template'"* ]]
	[ "$(echo "$output" | jq -r 'select(.kind == "arm") | .open.uplift')" = null ]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | .control_found')" = false ]
}

@test "abreport: the sample-ratio test is chi-square against the --arms weights" {
	mkevents >events.ndjson
	run --separate-stderr abreport --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 0 ]
	# observed 20, 10; expected 15, 15: chi2 = 2 * 25/15 = 3.3333, 1 df: p = erfc(sqrt(chi2/2))
	want=$("$PY3" -c 'import math; c = 2 * 25 / 15; print("%.9f %.9f" % (c, math.erfc(math.sqrt(c / 2))))')
	got=$(echo "$output" | jq -r 'select(.kind == "summary") | .srm | "\(.chi2) \(.p_value) \(.df) \(.mismatch)"')
	[ "$(printf '%.9f %.9f' ${got% * *})" = "$want" ]
	[ "${got#* * }" = "1 false" ]
}

@test "abreport: a broken split is flagged as a sample ratio mismatch" {
	for ((i = 0; i < 100; i++)); do ev sent "l$i" llm; done >events.ndjson
	for ((i = 0; i < 40; i++)); do ev sent "t$i" template; done >>events.ndjson
	run --separate-stderr abreport --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 0 ]
	# chi2 = 2 * 30^2 / 70 = 25.714, p = erfc(sqrt(12.857)) = 3.9e-7 < 0.001
	want=$("$PY3" -c 'import math; c = 2 * 900 / 70; print("%.6g" % math.erfc(math.sqrt(c / 2)))')
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | .srm | "\(.p_value * 1e7 | round) \(.mismatch)"')" = "$("$PY3" -c "print(round($want * 1e7))") true" ]
	[[ "$stderr" == *"sample ratio mismatch"* ]]
}

@test "abreport: holdout recipients come from the assignment log, and their purchases count" {
	: >events.ndjson
	: >assigned.ndjson
	for i in 0 1 2 3 4 5; do
		ev sent "t$i" template >>events.ndjson
		printf '{"user":"t%d","campaign":"c1","variant":"template"}\n' "$i" >>assigned.ndjson
	done
	for i in 0 1 2 3; do
		# abassign's own output lines: no campaign, other fields carried
		printf '{"user":"h%d","recs":[],"variant":"holdout"}\n' "$i" >>assigned.ndjson
	done
	ev purchase h1 holdout ',"item":"x","revenue":7,"ts":1' >>events.ndjson
	ev purchase t1 template ',"item":"x","revenue":9,"ts":1' >>events.ndjson
	run --separate-stderr abreport --arms template=0.6,holdout=0.4 --assignments assigned.ndjson events.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >out.ndjson
	write_checker
	run "$PY3" check.py out.ndjson holdout 4 0 0 1 7 -- 6 0 0 1 9
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.arm == "holdout") | .assigned' out.ndjson)" = 4 ]
	# 10 users split 6/4 exactly as configured: chi2 0, p 1
	[ "$(jq -r 'select(.kind == "summary") | .srm | "\(.chi2) \(.p_value)"' out.ndjson)" = "0 1" ]
}

@test "abreport: without an assignment log the holdout is left out of the sample-ratio test" {
	mkevents >events.ndjson
	run --separate-stderr abreport --arms llm=0.45,template=0.45,holdout=0.1 events.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | .srm.df')" = 1 ]
	[ "$(echo "$output" | jq -r 'select(.arm == "holdout") | .recipients')" = 0 ]
}

@test "abreport: an arm too small to decide carries a warning with the needed size" {
	mkevents >events.ndjson
	run --separate-stderr abreport events.ndjson
	# control conversion 2/10 = 0.2; a 10% change to 0.22 needs
	# (1.959964 + 0.841621)^2 * (0.2*0.8 + 0.22*0.78) / 0.02^2 = 6506.7 -> 6507 per arm
	want=$("$PY3" -c 'import math; z = 1.959963984540054 + 0.8416212335729143; print(math.ceil(z*z*(0.2*0.8+0.22*0.78)/0.02**2))')
	[[ "$(echo "$output" | jq -r 'select(.arm == "llm") | .warnings[]')" == *"about $want per arm are needed"*"too few to decide"* ]]
	[[ "$stderr" == *"llm: 20 recipients against 10 in the control; about $want per arm"* ]]
	[[ "$stderr" == *"template: only 10 recipients"* ]]
}

@test "abreport: events of two campaigns need --campaign, which skips the others" {
	mkevents >events.ndjson
	printf '{"event":"sent","user":"z","campaign":"c2","variant":"llm"}\n' >>events.ndjson
	run --separate-stderr abreport events.ndjson
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"events of campaigns 'c1' and 'c2': choose one with --campaign"* ]]
	run --separate-stderr abreport --campaign c1 events.ndjson
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 events of other campaigns skipped"* ]]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | .recipients')" = 30 ]
}

@test "abreport: bad events are reported with file and line and the exit status is 1" {
	mkevents >events.ndjson
	n=$(wc -l <events.ndjson)
	{
		echo 'not json'
		ev teleport t0 template
		ev purchase t0 template ',"revenue":"ten"'
		printf '{"event":"sent","user":"q","campaign":"c1"}\n'
		ev sent q other
	} >>events.ndjson
	run --separate-stderr abreport --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"events.ndjson:$((n + 1)): invalid JSON"* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 2)): unknown event 'teleport'"* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 3)): \"revenue\" is not a number"* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 4)): a \"sent\" event needs a \"variant\""* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 5)): variant 'other' is not one of --arms"* ]]
	[[ "$stderr" == *"5 records skipped"* ]]
	# the good records are all still counted
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | .recipients')" = 30 ]
}

@test "abreport: absurd revenues are rejected with file and line; no report holds inf or NaN" {
	mkevents >events.ndjson
	n=$(wc -l <events.ndjson)
	ev purchase t2 template ',"item":"z","revenue":1e308,"ts":100' >>events.ndjson
	ev purchase t3 template ',"item":"z","revenue":-1e308,"ts":100' >>events.ndjson
	ev purchase t4 template ',"item":"z","revenue":1e13,"ts":100' >>events.ndjson
	run --separate-stderr abreport --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"events.ndjson:$((n + 1)): \"revenue\" 1e+308 is out of range (at most 1e+12 either way)"* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 2)): \"revenue\" -1e+308 is out of range"* ]]
	[[ "$stderr" == *"events.ndjson:$((n + 3)): \"revenue\" 1e+13 is out of range"* ]]
	# every arm keeps its revenue object, with the good purchases only (template: 10 + 30)
	[ "$(echo "$output" | jq -r 'select(.kind == "arm") | "\(.arm) \(.revenue.total)"' | sort | tr '\n' ' ')" = "llm 105 template 40 " ]
	run --separate-stderr abreport --table --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" != *inf* && "$output" != *nan* && "$output" != *NaN* ]]
}

@test "abreport: --table shows each arm's rates with intervals and the uplift" {
	mkevents >events.ndjson
	run --separate-stderr abreport --table --arms llm=0.5,template=0.5 events.ndjson
	[ "$status" -eq 0 ]
	# template opens 4/10 = 40.00%, Wilson [16.82, 68.73]
	want=$("$PY3" -c '
import math
Z = 1.959963984540054; x, n = 4, 10; p = x / n
c = (p + Z*Z/(2*n)) / (1 + Z*Z/n); h = Z/(1 + Z*Z/n) * math.sqrt(p*(1-p)/n + Z*Z/(4*n*n))
print("40.00%% [%.2f, %.2f]" % (100*(c-h), 100*(c+h)))')
	[[ "$output" == *"template"*"$want"* ]]
	# llm conversion 5/20 against 2/10: +5.00 points
	[[ "$(echo "$output" | grep '^llm ' | tail -1)" == *"+5.00pt"* ]]
	[[ "$output" == *"sample ratio: chi2 3.333, 1 df"* ]]
}

@test "abreport: --svg draws every arm's rates with escaped names" {
	for i in 0 1 2; do ev sent "a$i" 'a<b&c'; ev sent "t$i" template; done >events.ndjson
	ev open a0 'a<b&c' >>events.ndjson
	run --separate-stderr abreport --svg chart.svg events.ndjson
	[ "$status" -eq 0 ]
	"$PY3" - <<'EOF'
import xml.etree.ElementTree as ET
root = ET.parse("chart.svg").getroot()
ns = "{http://www.w3.org/2000/svg}"
texts = [t.text for t in root.iter(ns + "text")]
assert any(t.startswith("a<b&c: 3 recipients; P(beats template)") for t in texts), texts
assert any(t == "template: 3 recipients (control)" for t in texts), texts
# one bar per arm and rate with a rate above 0: the 1/3 open rate of a<b&c
assert len([r for r in root.iter(ns + "rect")]) >= 4
EOF
}

@test "abreport: a missing events file exits 66" {
	run --separate-stderr abreport nosuch.ndjson
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"nosuch.ndjson: No such file or directory"* ]]
}

# --- changing weights: adaptive assignments and pooling over campaigns ---

@test "abreport: the summary gives the span of the events' times" {
	printf '%s\n' '{"event":"sent","user":"a","variant":"template","ts":1764000000}' \
		'{"event":"click","user":"a","variant":"template","ts":"2025-11-25 10:00"}' \
		'{"event":"sent","user":"b","variant":"template"}' >events.ndjson
	run --separate-stderr abreport events.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | "\(.events_from) \(.events_until)"')" = \
		"2025-11-24T16:00:00Z 2025-11-25T10:00:00Z" ]
}

@test "abreport: with adaptive assignments the SRM test and weights come from the assignment log" {
	# 800 users drawn 0.8 / 0.2 by abassign --adapt; --arms still says 0.5 / 0.5
	for ((i = 0; i < 800; i++)); do printf '{"user":"u%d"}\n' "$i"; done >users.ndjson
	printf '%s\n' '{"kind":"arm","campaign":"c1","arm":"llm","recipients":1000,"open":{"count":0},"click":{"count":300},"conversion":{"count":0}}' \
		'{"kind":"arm","campaign":"c1","arm":"template","recipients":1000,"open":{"count":0},"click":{"count":20},"conversion":{"count":0}}' \
		'{"kind":"summary","campaign":"c1"}' >c1.ndjson
	abassign -c c2 -a llm=0.5,template=0.5 --floor 0.2 --max-age 0 --adapt c1.ndjson users.ndjson >assigned.ndjson 2>/dev/null
	jq -c '{event: "sent", user, campaign: "c2", variant, ts: 1764000000}' assigned.ndjson >events.ndjson
	run --separate-stderr abreport -c c2 -a llm=0.5,template=0.5 -o assigned.ndjson events.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | "\(.weights) \(.srm.mismatch)"')" = "assignments false" ]
	[ "$(echo "$output" | jq -r 'select(.arm == "llm") | .weight')" = 0.8 ]
	# the same events judged against the 0.5 / 0.5 of --arms would be a mismatch
	jq -c 'del(.variant_weight)' assigned.ndjson >plain.ndjson
	run --separate-stderr abreport -c c2 -a llm=0.5,template=0.5 -o plain.ndjson events.ndjson
	[ "$(echo "$output" | jq -r 'select(.kind == "summary") | "\(.weights) \(.srm.mismatch)"')" = "arms true" ]
}

@test "abreport: --pool weights every campaign alike for both arms, so shifting shares do not fake an uplift" {
	# In both campaigns llm and template click at the same rate (10% in c1, 1% in c2), but c1 gave
	# llm 90% of its mail and c2 gave it 10%: the plain sums say llm 9.1% vs template 1.9%.
	arm() { printf '{"kind":"arm","campaign":"%s","arm":"%s","weight":%s,"recipients":%d,"open":{"count":0},"click":{"count":%d},"conversion":{"count":0}}\n' "$@"; }
	{ arm c1 llm 0.9 900 90; arm c1 template 0.1 100 10; echo '{"kind":"summary","campaign":"c1"}'; } >c1.ndjson
	{ arm c2 llm 0.1 100 1; arm c2 template 0.9 900 9; echo '{"kind":"summary","campaign":"c2"}'; } >c2.ndjson
	run --separate-stderr abreport --pool c1.ndjson c2.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >pooled.ndjson
	[ "$(jq -r 'select(.arm == "llm") | "\(.campaigns) \(.recipients) \(.click.count) \(.click.naive_rate)"' pooled.ndjson)" = "2 1000 91 0.091" ]
	[ "$(jq -r 'select(.arm == "template") | .click.naive_rate' pooled.ndjson)" = 0.019 ]
	[ "$(jq -r 'select(.arm == "llm") | .click.rate' pooled.ndjson)" = 0.055 ]
	[ "$(jq -r 'select(.arm == "template") | .click.rate' pooled.ndjson)" = 0.055 ]
	[ "$(jq -r 'select(.arm == "llm") | .click.uplift | .diff == 0 and .p_value == 1' pooled.ndjson)" = true ]
	[[ "$(jq -r 'select(.kind == "pooled_summary") | .method' pooled.ndjson)" == *"do not bias"* ]]
}

@test "abreport: --pool refuses a report cut short, and options that belong to one campaign" {
	printf '%s\n' '{"kind":"arm","campaign":"c1","arm":"llm","recipients":10,"open":{"count":0},"click":{"count":1},"conversion":{"count":0}}' >cut.ndjson
	run --separate-stderr abreport --pool cut.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"cut.ndjson:1: ends without the summary line of campaign 'c1'"* ]]
	run --separate-stderr abreport --pool --table cut.ndjson
	[ "$status" -eq 64 ]
	run --separate-stderr abreport --pool
	[ "$status" -eq 64 ]
}

@test "abreport: bounce, unsubscribe and complaint rates per arm, with intervals and uplifts" {
	{
		for i in $(seq 0 9); do ev sent "t$i" template; ev sent "l$i" llm; done
		ev bounce t0 template ',"kind":"hard","status":"5.1.1"'
		ev bounce t0 template ',"kind":"soft"'
		ev unsubscribe l0 llm; ev unsubscribe l1 llm; ev complaint l1 llm
	} > events.ndjson
	abreport --arms llm=0.5,template=0.5 events.ndjson > rep.ndjson
	[ "$(jq -c 'select(.kind=="arm") | [.arm, .bounce.count, .bounce.rate, .unsubscribe.count,
	    .unsubscribe.rate, .complaint.count]' rep.ndjson | tr '\n' ' ')" = \
	    '["llm",0,0,2,0.2,1] ["template",1,0.1,0,0,0] ' ]
	# the same Wilson interval as the other rates: 2 of 10
	[ "$(jq -r 'select(.arm=="llm") | .unsubscribe.ci | map(. * 10000 | round) | join(" ")' rep.ndjson)" = "567 5098" ]
	[ "$(jq -r 'select(.arm=="llm") | .unsubscribe.uplift.control' rep.ndjson)" = template ]
	abreport --arms llm=0.5,template=0.5 --table events.ndjson > table.txt
	grep -qE '^safety +bounce % +unsubscribe % +complaint %' table.txt
	grep -qE '^llm +0\.00% \[0\.00, 27\.75\] +20\.00% \[5\.67, 50\.98\] +10\.00% \[1\.79, 40\.42\]$' table.txt
}

@test "abreport: --human-opens leaves out the opens trackd flagged as machine prefetches" {
	{
		ev sent t0 template; ev sent t1 template
		ev open t0 template ',"machine":true'; ev open t1 template ',"machine":false'
	} > events.ndjson
	[ "$(abreport events.ndjson | jq -r 'select(.kind=="arm") | .open.count')" = 2 ]
	run_both abreport --human-opens events.ndjson
	[ "$(printf '%s\n' "$output" | jq -r 'select(.kind=="arm") | .open.count')" = 1 ]
	[[ "$stderr" == *"1 opens flagged as machine prefetches left out (--human-opens)"* ]]
}

@test "abreport: two arms whose every email came from the same writer are one treatment: a warning says so" {
	for i in 0 1 2; do
		ev sent "t$i" template ',"writer":"template"'
		ev sent "l$i" llm ',"writer":"template"'
	done >same.ndjson
	run --separate-stderr abreport --table same.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"llm: every email of this arm and of template was written by 'template': the same treatment"* ]]
	run --separate-stderr abreport same.ndjson
	[ "$(jq -r 'select(.arm == "llm") | .warnings[]' <<<"$output" | grep -c 'the same treatment')" -eq 1 ]
	# a real LLM arm, mixed writers, or events without a writer: no such warning
	sed 's/"variant":"llm","writer":"template"/"variant":"llm","writer":"gpt-4o-mini"/' same.ndjson >real.ndjson
	run --separate-stderr abreport --table real.ndjson
	[[ "$output" != *"the same treatment"* ]]
	{ cat same.ndjson; ev sent l9 llm ',"writer":"gpt-4o-mini"'; } >mixed.ndjson
	run --separate-stderr abreport --table mixed.ndjson
	[[ "$output" != *"the same treatment"* ]]
	sed 's/,"writer":"template"//' same.ndjson >none.ndjson
	run --separate-stderr abreport --table none.ndjson
	[[ "$output" != *"the same treatment"* ]]
}
