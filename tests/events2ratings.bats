#!/usr/bin/env bats
# tests/events2ratings.bats - campaign events become interactions; the train -> measure -> train loop

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

mkevents() {
	cat <<'EOF'
{"event":"sent","user":"a","campaign":"c1","variant":"llm","ts":100}
{"event":"delivered","user":"a","campaign":"c1","variant":"llm","ts":101}
{"event":"open","user":"a","campaign":"c1","variant":"llm","ts":102}
{"event":"click","user":"a","campaign":"c1","variant":"llm","item":"x","ts":103}
{"event":"click","user":"a","campaign":"c1","variant":"llm","item":"x","ts":103}
{"event":"purchase","user":"a","campaign":"c1","variant":"llm","item":"x","revenue":8,"qty":2,"ts":104}
{"event":"click","user":"b","campaign":"c2","variant":"template","item":"y","ts":105}
{"event":"purchase","user":"b","campaign":"c1","variant":"template","item":"y","revenue":3,"ts":"2026-11-02 10:31:00"}
EOF
}

@test "events2ratings: --help prints usage with an example and exits 0" {
	run events2ratings --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--open-as"* ]]
	[[ "$output" == *"example:"* ]]
}

@test "events2ratings: clicks and purchases become interaction lines with qty and ts" {
	mkevents >events.ndjson
	run --separate-stderr events2ratings events.ndjson
	[ "$status" -eq 0 ]
	want='{"user":"a","item":"x","event":"click","qty":1,"ts":103}
{"user":"a","item":"x","event":"purchase","qty":2,"ts":104}
{"user":"b","item":"y","event":"click","qty":1,"ts":105}
{"user":"b","item":"y","event":"purchase","qty":1,"ts":"2026-11-02 10:31:00"}'
	[ "$output" = "$want" ]
	# sent, delivered and open are not interactions; the repeated click is written once
	[[ "$stderr" == *"4 interactions written; dropped: 3 events of kinds not kept, 0 without an item, 1 repeats, 0 of other campaigns"* ]]
}

@test "events2ratings: --campaign keeps only that campaign's events" {
	mkevents >events.ndjson
	run --separate-stderr events2ratings --campaign c1 events.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '"\(.user) \(.item) \(.event)"' | tr '\n' ,)" = "a x click,a x purchase,b y purchase," ]
	[[ "$stderr" == *"1 of other campaigns"* ]]
}

@test "events2ratings: an open without an item is dropped and counted" {
	mkevents >events.ndjson
	run --separate-stderr events2ratings --events open,click events.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .event | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" = "click=2 " ]
	[[ "$stderr" == *"1 without an item"* ]]
}

@test "events2ratings: with --recs an open becomes a view of every item the email showed" {
	mkevents >events.ndjson
	printf '{"user":"a","recs":[{"item":"p","score":1,"rank":1},{"item":"q","score":0.5,"rank":2}],"variant":"llm"}\n' >recs.ndjson
	run --separate-stderr events2ratings --events open --recs recs.ndjson --open-as view events.ndjson
	[ "$status" -eq 0 ]
	want='{"user":"a","item":"p","event":"view","qty":1,"ts":102}
{"user":"a","item":"q","event":"view","qty":1,"ts":102}'
	[ "$output" = "$want" ]
}

@test "events2ratings: bad events are reported with file and line, the rest converted, exit 1" {
	mkevents >events.ndjson
	printf '{"event":"click","item":"x"}\n{"event":"wink","user":"a"}\n{"event":"click","user":"a","item":"z","qty":-1}\n[1]\n' >>events.ndjson
	run --separate-stderr events2ratings events.ndjson
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | wc -l)" -eq 4 ]
	[[ "$stderr" == *'events.ndjson:9: missing "user" string'* ]]
	[[ "$stderr" == *"events.ndjson:10: unknown event 'wink'"* ]]
	[[ "$stderr" == *'events.ndjson:11: "qty" is not a number above 0'* ]]
	[[ "$stderr" == *"events.ndjson:12: expected a JSON object"* ]]
}

@test "events2ratings: unknown kinds in --events and a lone --open-as are usage errors" {
	run --separate-stderr events2ratings --events click,wink </dev/null
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"'wink' is not one of"* ]]
	run --separate-stderr events2ratings --open-as view </dev/null
	[ "$status" -eq 64 ]
}

@test "events2ratings: ratings2mat reads the lines with its implicit-event weights" {
	command -v ratings2mat >/dev/null || skip "ratings2mat is not built"
	mkevents >events.ndjson
	events2ratings --campaign c1 events.ndjson 2>/dev/null |
		ratings2mat --implicit --weights=view=1,click=2,cart=3,purchase=5 -o r.st
	# (a, x): a click (2) and a purchase (5) summed; (b, y): a purchase (5)
	"$PY3" "$RECMAIL_ROOT/tests/stfixture.py" dump r.st | awk '{print $1, $2, $3}' | sort >got
	printf 'a x 7\nb y 5\n' >want
	diff want got
}

# The loop of docs/abtest.md on a small generated shop, twice: train -> recommend -> assign ->
# send and measure (simulated: customers click and buy the first recommended item by a fixed
# rule) -> abreport -> events2ratings -> the interactions grow -> train again.
@test "events2ratings: two train-recommend-measure-train cycles on a generated shop" {
	for p in shopgen ratings2mat svdtrain topk; do
		command -v "$p" >/dev/null || skip "$p is not built"
	done
	shopgen --seed 3 --customers 150 --per-category 6 --out-dir shop
	cp shop/events.ndjson interactions.ndjson
	for cycle in 1 2; do
		ratings2mat --implicit --weights=view=1,click=2,cart=3,purchase=5 -o r$cycle.st interactions.ndjson
		svdtrain --algo=ials --factors=8 --epochs=4 --seed 1 -o m$cycle.st r$cycle.st 2>/dev/null
		topk --model m$cycle.st --seen r$cycle.st --all -n 3 >recs$cycle.ndjson
		abassign -c cyc$cycle -a llm=0.5,template=0.5 recs$cycle.ndjson >assigned$cycle.ndjson
		# every customer is sent; those whose id ends in 0-4 click their first item, ids
		# ending in 0-1 also buy it (revenue 10); ts after the shop's history
		jq -c --arg c cyc$cycle --argjson t $((1800000000 + cycle)) '
			{event:"sent", user, campaign:$c, variant, ts:$t},
			(select(.user | test("[0-4]$")) | {event:"click", user, campaign:$c, variant, item:.recs[0].item, ts:($t + 60)}),
			(select(.user | test("[01]$")) | {event:"purchase", user, campaign:$c, variant, item:.recs[0].item, revenue:10, ts:($t + 120)})
			' assigned$cycle.ndjson >events$cycle.ndjson
		abreport -c cyc$cycle -a llm=0.5,template=0.5 events$cycle.ndjson >report$cycle.ndjson 2>/dev/null
		events2ratings -c cyc$cycle events$cycle.ndjson >new$cycle.ndjson
		# the report counts what the simulation did: half the customers click, a fifth buy
		users=$(wc -l <recs$cycle.ndjson)
		clicks=$(grep -c '"event":"click"' events$cycle.ndjson)
		buys=$(grep -c '"event":"purchase"' events$cycle.ndjson)
		[ "$(jq -s 'map(select(.kind == "arm") | .recipients) | add' report$cycle.ndjson)" -eq "$users" ]
		[ "$(jq -s 'map(select(.kind == "arm") | .click.count) | add' report$cycle.ndjson)" -eq "$clicks" ]
		[ "$(jq -s 'map(select(.kind == "arm") | .revenue.total) | add' report$cycle.ndjson)" = "$((buys * 10))" ]
		# feedback: one interaction per click and purchase
		[ "$(wc -l <new$cycle.ndjson)" -eq $((clicks + buys)) ]
		cat new$cycle.ndjson >>interactions.ndjson
	done
	# the second training saw the first campaign's clicks and purchases: each of them is in r2
	"$PY3" "$RECMAIL_ROOT/tests/stfixture.py" dump r2.st | awk '{print $1, $2}' | sort -u >r2.pairs
	jq -r '"\(.user) \(.item)"' new1.ndjson | sort -u >fed.pairs
	[ -s fed.pairs ]
	[ -z "$(comm -23 fed.pairs r2.pairs)" ]
	# and the first campaign's bought items are no longer recommended to their buyers
	jq -r 'select(.event == "purchase") | "\(.user) \(.item)"' new1.ndjson | sort -u >bought
	jq -r '.user as $u | .recs[] | "\($u) \(.item)"' recs2.ndjson | sort -u >recommended2
	[ -z "$(comm -12 bought recommended2)" ]
}
