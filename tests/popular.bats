#!/usr/bin/env bats
# tests/popular.bats - popular: counts, value sums, groups, recency decay, exclusions and rules,
# checked by hand on a small ratings matrix; every line checked against the contract.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	# T = 2000000; D = 10 days earlier (864000 s).
	#        a        b        c      d
	# u1   1 @D     5 @T
	# u2   1 @D              2 @T
	# u3   1 @D                     4 @T
	# u4            1 @T
	# counts: a 3, b 2, c 1, d 1   sums: b 6, d 4, a 3, c 2
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" r.st <<-'JSON'
	{"kind":"ratings","users":["u1","u2","u3","u4"],"items":["a","b","c","d"],
	 "entries":[["u1","a",1,1136000],["u1","b",5,2000000],["u2","a",1,1136000],
	            ["u2","c",2,2000000],["u3","a",1,1136000],["u3","d",4,2000000],
	            ["u4","b",1,2000000]]}
	JSON
	printf '%s\n' '{"user":"u1","country":"DE"}' '{"user":"u2","country":"FR"}' \
	    '{"user":"u3","country":"DE"}' '{"user":"u4","country":"FR"}' >customers.ndjson
}

setup() {
	setup_scratch
	CONTRACT="$RECMAIL_ROOT/tests/recs-contract.jq"
	cp "$BATS_FILE_TMPDIR"/r.st "$BATS_FILE_TMPDIR"/customers.ndjson .
}

items() {
	jq -r --arg u "$1" 'select(.user == $u) | [.recs[].item] | join(" ")' out.ndjson
}

@test "popular: ranks items by their number of interactions" {
	echo '{"user":"x1","variant":"pop"}' | popular --ratings r.st -n 4 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score, .rank]]' out.ndjson)" = '[["a",3,1],["b",2,2],["c",1,3],["d",1,4]]' ]
	[ "$(jq -c '[.source, .variant, ([.recs[].reason.type] | unique)]' out.ndjson)" = '["popular","pop",["popular"]]' ]
	jq -f "$CONTRACT" out.ndjson
}

@test "popular: --by-value sums the values instead" {
	echo '{"user":"x1"}' | popular --ratings r.st --by-value -n 4 >out.ndjson
	[ "$(items x1)" = "b d a c" ]
}

@test "popular: --all answers every user and --seen removes their own items" {
	popular --ratings r.st --seen r.st --all -n 2 >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "u1 u2 u3 u4 " ]
	[ "$(items u1)" = "c d" ]
	[ "$(items u4)" = "a c" ]
	jq -f "$CONTRACT" out.ndjson
}

@test "popular: --group-by ranks within the user's group, ties by overall popularity" {
	# DE (u1, u3): a 2, b 1, d 1 -> a b d;  FR (u2, u4): a 1, b 1, c 1 -> a b c (overall a 3, b 2)
	popular --ratings r.st --group-by country --customers customers.ndjson --seen r.st --all -n 3 >out.ndjson
	[ "$(items u1)" = "d c" ]
	[ "$(items u2)" = "b d" ]
	printf '%s\n' '{"user":"new","country":"DE"}' '{"user":"u2"}' '{"user":"other","country":"XX"}' |
	    popular --ratings r.st --group-by country --customers customers.ndjson -n 3 >out.ndjson
	[ "$(items new)" = "a b d" ]
	[ "$(jq -c 'select(.user == "new") | [.recs[].score]' out.ndjson)" = '[2,1,1]' ]
	[ "$(items u2)" = "a b c" ]
	[ "$(items other)" = "a b c" ]
	jq -f "$CONTRACT" out.ndjson
}

@test "popular: --half-life decays interactions by age from the newest timestamp" {
	# half-life 10 days: a = 3 * 0.5 = 1.5, b = 2, c = 1, d = 1
	echo '{"user":"x"}' | popular --ratings r.st --half-life 10 -n 4 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score]]' out.ndjson)" = '[["b",2],["a",1.5],["c",1],["d",1]]' ]
	# measured to --now, 10 days later: b = 1, a = .75, c = d = .5
	echo '{"user":"x"}' | popular --ratings r.st --half-life 10 --now 2864000 -n 2 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score]]' out.ndjson)" = '[["b",1],["a",0.75]]' ]
}

@test "popular: applies the catalog rules and exclusions" {
	printf '%s\n' '{"item":"a","category":"k","in_stock":false}' '{"item":"b","category":"k","price":5}' \
	    '{"item":"c","category":"k","price":50}' '{"item":"d","category":"m","price":9}' >catalog.ndjson
	echo '{"user":"x"}' | popular --ratings r.st --catalog catalog.ndjson -n 4 >out.ndjson
	[ "$(items x)" = "b c d" ]
	echo '{"user":"x"}' | popular --ratings r.st --catalog catalog.ndjson --max-per-category 1 -n 4 >out.ndjson
	[ "$(items x)" = "b d" ]
	echo '{"user":"x"}' | popular --ratings r.st --catalog catalog.ndjson --max-price 10 -n 4 >out.ndjson
	[ "$(items x)" = "b d" ]
	echo '{"item":"b"}' >ex.ndjson
	echo '{"user":"x"}' | popular --ratings r.st --exclude ex.ndjson -n 2 >out.ndjson
	[ "$(items x)" = "a c" ]
	jq -f "$CONTRACT" out.ndjson
}

@test "popular: a bad user line is an error, or skipped and reported with --skip-bad" {
	run_both popular --ratings r.st -n 1 < <(printf '%s\n' '{"user":"x"}' '{"name":"y"}') || true
	[ "$status" -eq 65 ]
	[ "$stderr" = 'popular: -:2: missing "user"' ]
	[ "$(echo "$output" | jq -r .user)" = x ]
	run_both popular --ratings r.st -n 1 --skip-bad < <(printf '%s\n' '{"user":"x"}' '{"name":"y"}' '{"user":"z"}') || true
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .user | tr '\n' ' ')" = "x z " ]
}

@test "popular: when the --bad report cannot be written, no -o output is left behind" {
	[ -w /dev/full ] || skip "/dev/full is absent"
	run_both popular --ratings r.st -n 1 --skip-bad --bad /dev/full -o out.ndjson \
	    < <(printf '%s\n' '{"user":"x"}' '{"name":"y"}') || true
	[ "$status" -eq 74 ]
	[[ "$stderr" == *"/dev/full: write error"* ]]
	[ -z "$(ls -A | grep -v -e '^r.st$' -e '^customers.ndjson$')" ]
}

@test "popular: --min-support drops items with fewer --seen entries" {
	# entries: a 3, b 2, c 1, d 1
	popular --ratings r.st --seen r.st --all -n 2 >out.ndjson
	[ "$(items u1)" = "c d" ]
	[ "$(items u4)" = "a c" ]
	popular --ratings r.st --seen r.st --all -n 2 --min-support 2 >out.ndjson
	[ "$(items u1)" = "" ]
	[ "$(items u4)" = "a" ]
	jq -f "$CONTRACT" out.ndjson
	run popular --ratings r.st --all --min-support 2
	[ "$status" -eq 64 ]
	run popular --ratings r.st --seen r.st --all --min-support 0
	[ "$status" -eq 64 ]
}

@test "popular: bad options and inputs have documented statuses" {
	run popular --ratings r.st -n 0
	[ "$status" -eq 64 ]
	run popular --ratings r.st --group-by country --all
	[ "$status" -eq 64 ]
	run popular --ratings nothere.st --all
	[ "$status" -eq 66 ]
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" nots.st <<-'JSON'
	{"kind":"ratings","users":["u1"],"items":["a"],"entries":[["u1","a",1]],"timestamps":false}
	JSON
	run popular --ratings nots.st --half-life 3 --all
	[ "$status" -eq 65 ]
	[[ "$output" == *"nots.st: the ratings have no timestamps"* ]]
	run popular --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
}
