#!/usr/bin/env bats
# tests/segment.bats - k-means segments of customers from RFM features or model factors

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

T0=1700000000
DAY=86400

# a: x, y on day 0 and z on day 10 -> last day 10, 2 distinct times, value 5 + 3 + 1 = 9
# b: x on day 20 (the newest, so "now")  -> recency 0, 1 time, value 2
# c: y on day 0, z on day 5              -> recency 15, 2 times, value 8
mkrfm() {
	printf '%s\n' "a x 5 $T0" "a y 3 $T0" "a z 1 $((T0 + 10 * DAY))" "b x 2 $((T0 + 20 * DAY))" \
		"c y 4 $T0" "c z 4 $((T0 + 5 * DAY))" | "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" ratings r.st
}

# two groups: r1..r5 bought 5 items each (value 5) in their last day, i-1 days before the
# newest time; l1..l5 bought one item (value 1) 96..100 days before it
mkgroups() {
	local i j
	for i in 1 2 3 4 5; do
		for j in 0 1 2 3 4; do
			echo "r$i x$j 5 $((T0 + (101 - i) * DAY - j * 3600))"
		done
		echo "l$i x1 1 $((T0 + (i - 1) * DAY))"
	done | "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" ratings r.st
}

# u1..u4 near (1, 0), u5, u6 near (0, 1); items a = (1, 0), b = (0, 1), c = (0.5, 0.5)
mkmodel() {
	"$PY3" "$RECMAIL_ROOT/tests/stfixture.py" model m.st <<'EOF'
{"users":["u1","u2","u3","u4","u5","u6"],"items":["a","b","c"],"k":2,
 "P":[1,0, 0.9,0.1, 1.1,-0.1, 1,0.2, 0,1, 0.1,0.9],"Q":[1,0, 0,1, 0.5,0.5],
 "user_bias":[0,0,0,0,0,0],"item_bias":[0,0,0],"global_mean":0,"rating_min":0,"rating_max":0}
EOF
}

@test "segment: --help prints usage with an example and exits 0" {
	run segment --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--restarts"* ]]
	[[ "$output" == *"example:"* ]]
}

@test "segment: RFM features are days since the last interaction, distinct times and value" {
	mkrfm
	run --separate-stderr segment --ratings r.st --k 1
	[ "$status" -eq 0 ]
	want='a 10 2 9 0
b 0 1 2 0
c 15 2 8 0'
	[ "$(echo "$output" | jq -r '"\(.user) \(.features.recency_days) \(.features.frequency) \(.features.monetary) \(.segment)"')" = "$want" ]
}

@test "segment: --now moves the reference time of recency" {
	mkrfm
	run --separate-stderr segment --ratings r.st --k 1 --now $((T0 + 30 * DAY))
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.features.recency_days' | tr '\n' ' ')" = "20 10 25 " ]
}

@test "segment: recent frequent buyers and lapsed one-time buyers fall in two segments" {
	mkgroups
	run --separate-stderr segment --ratings r.st --k 2 --seed 5
	[ "$status" -eq 0 ]
	echo "$output" >out.ndjson
	[ "$(jq -r 'select(.user | startswith("r")) | .segment' out.ndjson | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r 'select(.user | startswith("l")) | .segment' out.ndjson | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r .segment out.ndjson | sort -u | wc -l)" -eq 2 ]
}

@test "segment: --summary gives each segment's size and RFM medians in days, times and value" {
	mkgroups
	run --separate-stderr segment --ratings r.st --k 2 --summary sum.ndjson
	[ "$status" -eq 0 ]
	r=$(echo "$output" | jq -r 'select(.user == "r1") | .segment')
	l=$(echo "$output" | jq -r 'select(.user == "l1") | .segment')
	# r: recency 0, 1, 2, 3, 4 days -> median 2, frequency 5, value 25; share 5/10
	[ "$(jq -r --arg s "$r" 'select(.segment == $s) | "\(.size) \(.share) \(.recency_days.median) \(.frequency.median) \(.monetary.median)"' sum.ndjson)" = "5 0.5 2 5 25" ]
	# l: recency 100, 99, 98, 97, 96 -> median 98 (mean 98), frequency 1, value 1
	[ "$(jq -r --arg s "$l" 'select(.segment == $s) | "\(.size) \(.recency_days.median) \(.recency_days.mean) \(.frequency.median) \(.monetary.median)"' sum.ndjson)" = "5 98 98 1 1" ]
}

@test "segment: model factors cluster, segment 0 is the largest, summary names its top items" {
	mkmodel
	run --separate-stderr segment --model m.st --k 2 --summary sum.ndjson --features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '"\(.user)=\(.segment)"' | tr '\n' ' ')" = "u1=0 u2=0 u3=0 u4=0 u5=1 u6=1 " ]
	# with --features, features are the user's factors
	[ "$(echo "$output" | jq -c 'select(.user == "u2") | .features')" = "[0.9,0.1]" ]
	# centroid of u1..u4 = (4/4, 0.2/4) = (1, 0.05); scores a 1, c 0.525, b 0.05
	[ "$(jq -c 'select(.segment == "0") | [.size, .centroid, .top_items]' sum.ndjson)" = '[4,[1,0.05],["a","c","b"]]' ]
	# u5, u6: (0.05, 0.95): b 0.95, c 0.5, a 0.05
	[ "$(jq -c 'select(.segment == "1") | [.size, .centroid, .top_items]' sum.ndjson)" = '[2,[0.05,0.95],["b","c","a"]]' ]
}

@test "segment: the same seed gives the same segments" {
	mkgroups
	segment --ratings r.st --k 3 --seed 11 --restarts 2 >one 2>/dev/null
	segment --ratings r.st --k 3 --seed 11 --restarts 2 >two 2>/dev/null
	diff one two
}

@test "segment: features are left out by default with --model and by --no-features" {
	mkmodel
	run --separate-stderr segment --model m.st --k 2
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c 'keys_unsorted' | sort -u)" = '["user","segment"]' ]
	mkrfm
	run --separate-stderr segment --ratings r.st --k 2 --no-features
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c 'keys_unsorted' | sort -u)" = '["user","segment"]' ]
}

@test "segment: --progress reports the iterations and the time on stderr" {
	mkgroups
	run --separate-stderr segment --ratings r.st --k 2 --progress
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"restart 1, iteration 0: inertia"* ]]
	[[ "$stderr" == *"10 customers x 3 features into 2 segments:"* ]]
}

@test "segment: usage errors exit 64" {
	mkmodel
	run --separate-stderr segment --k 2
	[ "$status" -eq 64 ]
	run --separate-stderr segment --model m.st --ratings m.st
	[ "$status" -eq 64 ]
	run --separate-stderr segment --model m.st --k 7
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--k 7 is more than the 6 customers"* ]]
	run --separate-stderr segment --model m.st --k 0
	[ "$status" -eq 64 ]
	run --separate-stderr segment --model m.st --iters x
	[ "$status" -eq 64 ]
}

@test "segment: ratings without timestamps, or a model given as ratings, exit 65" {
	printf 'a x 5\nb y 3\n' | "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" ratings nots.st
	run --separate-stderr segment --ratings nots.st --k 1
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no timestamps"* ]]
	mkmodel
	run --separate-stderr segment --ratings m.st --k 1
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"m.st: a 'model' container, expected 'ratings'"* ]]
	run --separate-stderr segment --model nosuch.st
	[ "$status" -eq 66 ]
}
