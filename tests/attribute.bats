#!/usr/bin/env bats
# tests/attribute.bats - attribute: orders -> purchase events of the campaign and arm that last reached the customer

load helpers

setup() {
	setup_scratch
	D=86400
	T0=1764000000
	# c1 sent to a (llm) and b (template) at T0; a clicked at T0+1d; c2 sent to a (template) at T0+3d;
	# h is in c1's holdout
	{
		printf '{"event":"sent","user":"a","campaign":"c1","variant":"llm","ts":%d}\n' "$T0"
		printf '{"event":"sent","user":"b","campaign":"c1","variant":"template","ts":%d}\n' "$((T0 + 60))"
		printf '{"event":"click","user":"a","campaign":"c1","variant":"llm","item":"sku9","ts":%d}\n' "$((T0 + D))"
		printf '{"event":"sent","user":"a","campaign":"c2","variant":"template","ts":%d}\n' "$((T0 + 3 * D))"
		printf '{"event":"open","user":"a","campaign":"c2","variant":"template","ts":%d}\n' "$((T0 + 3 * D))"
	} > events.ndjson
	printf '{"user":"h","campaign":"c1","variant":"holdout"}\n{"user":"a","campaign":"c1","variant":"llm"}\n' > assigned.ndjson
}

@test "attribute: the last touch within its window labels the order, the holdout included" {
	{
		printf '{"user":"a","ts":%d,"revenue":10,"order":"o1"}\n' "$((T0 + 2 * D))"     # after the click
		printf '{"user":"a","ts":%d,"revenue":20,"order":"o2"}\n' "$((T0 + 4 * D))"     # after c2's delivery
		printf '{"user":"b","ts":"2025-11-26 10:00:00","revenue":5,"order":"o3"}\n'       # T0+... within 7 d
		printf '{"user":"b","ts":%d,"revenue":7,"order":"o4"}\n' "$((T0 + 9 * D))"      # too late
		printf '{"user":"h","ts":%d,"revenue":30,"order":"o5"}\n' "$((T0 + D))"         # holdout
		printf '{"user":"z","ts":%d,"revenue":1,"order":"o6"}\n' "$((T0 + D))"          # never reached
		printf '{"user":"b","ts":%d,"revenue":3,"order":"o7"}\n' "$((T0 - 10))"         # before the mail
	} > orders.ndjson
	run_both attribute -e events.ndjson -a assigned.ndjson orders.ndjson
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.order,.event,.user,.campaign,.variant,.touch,.revenue]' | tr '\n' ' ')" = \
	    '["o1","purchase","a","c1","llm","click",10] ["o2","purchase","a","c2","template","delivery",20] ["o3","purchase","b","c1","template","delivery",5] ["o5","purchase","h","c1","holdout","holdout",30] ' ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.order=="o3") | .ts')" = 1764151200 ]
	[[ "$stderr" == *"4 orders attributed, 3 reached by no campaign in the window"* ]]
}

@test "attribute: the windows are options; abreport counts the attributed purchases per arm" {
	printf '{"user":"b","ts":%d,"revenue":7}\n' "$((T0 + 9 * D))" > late.ndjson
	[ "$(attribute -e events.ndjson -d 10 late.ndjson | jq -r .campaign)" = c1 ]
	[ -z "$(attribute -e events.ndjson -d 10 --click-days 0 late.ndjson 2>/dev/null | jq -r 'select(.touch=="click")')" ]
	printf '{"user":"a","ts":%d,"revenue":10}\n' "$((T0 + D + 5))" > o.ndjson
	{ grep '"c1"' events.ndjson; attribute -e events.ndjson o.ndjson; } > all.ndjson
	[ "$(abreport -c c1 all.ndjson | jq -c 'select(.arm=="llm") | [.conversion.count, .revenue.total]')" = '[1,10]' ]
}

@test "attribute: a bad event or order names its file and line; --events is required" {
	printf '{"user":"a","revenue":1}\n' > bad.ndjson
	run_both attribute -e events.ndjson bad.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'attribute: bad.ndjson:1: missing or bad "ts"' ]
	printf '{"event":"sent","user":"a"}\n' > badev.ndjson
	run_both attribute -e badev.ndjson bad.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == 'attribute: badev.ndjson:1: a sent event without'* ]]
	run_both attribute bad.ndjson
	[ "$status" -eq 64 ]
	run attribute --help
	[[ "$output" == usage:*example:* ]]
}
