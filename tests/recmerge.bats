#!/usr/bin/env bats
# tests/recmerge.bats - recmerge: blends computed by hand (rrf and min-max), users missing from some
# streams, reasons and carried fields, bad lines with file:line; output checked against the contract.

load helpers

setup() {
	setup_scratch
	CONTRACT="$RECMAIL_ROOT/tests/recs-contract.jq"
	cat >a.ndjson <<-'EOF2'
	{"user":"u1","recs":[{"item":"x","score":5,"rank":1,"reason":{"type":"similar","because":"h","similarity":0.9}},{"item":"y","score":3,"rank":2,"reason":{"type":"model"}},{"item":"z","score":1,"rank":3,"reason":{"type":"model"}}],"source":"mf","variant":"A"}
	{"user":"u2","recs":[{"item":"x","score":2,"rank":1,"reason":{"type":"popular"}}],"source":"popular"}
	EOF2
	# another order, a user a.ndjson lacks, and u2 missing
	cat >b.ndjson <<-'EOF2'
	{"user":"u3","recs":[{"item":"q","score":1,"rank":1,"reason":{"type":"also_bought","because":"h"}}],"source":"itemknn","seg":"b3"}
	{"user":"u1","recs":[{"item":"z","score":10,"rank":1,"reason":{"type":"also_bought","because":"h"}},{"item":"x","score":4,"rank":2,"reason":{"type":"neighbours","users":3}}],"source":"itemknn","variant":"B"}
	EOF2
}

conforms() {
	jq -f "$CONTRACT" out.ndjson
}

# recs USER: USER's line as item:score:reason-type
recs() {
	jq -r --arg u "$1" 'select(.user == $u) | [.recs[] | "\(.item):\(.score):\(.reason.type)"] | join(" ")' out.ndjson
}

@test "recmerge: --method=score blends min-max scaled scores by weight" {
	recmerge --method=score --weights=mf=0.6,knn=0.4 a.ndjson b.ndjson >out.ndjson
	# u1: mf (5,3,1) -> x 1, y 0.5, z 0; knn (10,4) -> z 1, x 0
	#   x = 0.6 x 1 + 0.4 x 0 = 0.6;  z = 0.6 x 0 + 0.4 x 1 = 0.4;  y = 0.6 x 0.5 = 0.3
	[ "$(recs u1)" = "x:0.6:similar z:0.4:also_bought y:0.3:model" ]
	# u2 only in mf, u3 only in knn: one score per line scales to 1
	[ "$(recs u2)" = "x:0.6:popular" ]
	[ "$(recs u3)" = "q:0.4:also_bought" ]
	[ "$(jq -r .source out.ndjson | sort -u)" = blend ]
	conforms
}

@test "recmerge: --method=rrf (the default) sums w / (60 + rank)" {
	recmerge --weights=mf=0.6,knn=0.4 a.ndjson b.ndjson >out.ndjson
	# x = 0.6/61 + 0.4/62 = 0.0162877 (mf gives more: similar)
	# z = 0.6/63 + 0.4/61 = 0.0160812 (mf gives more: model);  y = 0.6/62 = 0.00967742
	[ "$(recs u1)" = "x:0.0162877:similar z:0.0160812:model y:0.00967742:model" ]
	recmerge --weights=mf=0.6,knn=0.4 --rrf-k 0 a.ndjson b.ndjson >out.ndjson
	# x = 0.6/1 + 0.4/2 = 0.8;  z = 0.6/3 + 0.4/1 = 0.6 (knn gives more);  y = 0.6/2 = 0.3
	[ "$(recs u1)" = "x:0.8:similar z:0.6:also_bought y:0.3:model" ]
	conforms
}

@test "recmerge: each rec keeps the whole reason of the stream that contributed most" {
	recmerge --method=score --weights=mf=0.6,knn=0.4 a.ndjson b.ndjson >out.ndjson
	[ "$(jq -c 'select(.user == "u1") | [.recs[].reason]' out.ndjson)" = '[{"type":"similar","because":"h","similarity":0.9},{"type":"also_bought","because":"h"},{"type":"model"}]' ]
	recmerge --method=score --weights=mf=0.1,knn=0.9 a.ndjson b.ndjson >out.ndjson
	# x: 0.1 from mf, 0 from knn (its lowest score): similar; z: 0 from mf, 0.9 from knn
	[ "$(jq -c 'select(.user == "u1") | [.recs[].reason.type]' out.ndjson)" = '["also_bought","similar","model"]' ]
	# a tie (0 and 0) keeps the earlier stream's reason; under rrf knn's 1/62 beats mf's 0
	recmerge --method=score --weights=mf=0,knn=1 a.ndjson b.ndjson >out.ndjson
	[ "$(jq -c 'select(.user == "u1") | .recs[] | select(.item == "x") | .reason' out.ndjson)" = '{"type":"similar","because":"h","similarity":0.9}' ]
	recmerge --weights=mf=0,knn=1 a.ndjson b.ndjson >out.ndjson
	[ "$(jq -c 'select(.user == "u1") | .recs[] | select(.item == "x") | .reason' out.ndjson)" = '{"type":"neighbours","users":3}' ]
}

@test "recmerge: every user of any input gets a line, first input's order first" {
	recmerge a.ndjson b.ndjson >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "u1 u2 u3 " ]
	recmerge b.ndjson a.ndjson >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "u3 u1 u2 " ]
	conforms
}

@test "recmerge: carried fields come from the first input that has the user" {
	recmerge a.ndjson b.ndjson >out.ndjson
	[ "$(jq -c '[.user, .variant, .seg]' out.ndjson | tr '\n' ' ')" = '["u1","A",null] ["u2",null,null] ["u3",null,"b3"] ' ]
	recmerge b.ndjson a.ndjson >out.ndjson
	[ "$(jq -r 'select(.user == "u1") | .variant' out.ndjson)" = B ]
}

@test "recmerge: -i NAME=FILE pairs take their weights by name" {
	recmerge -i knn=b.ndjson -i mf=a.ndjson --weights=mf=0.6,knn=0.4 --method score >out.ndjson
	[ "$(recs u1)" = "x:0.6:similar z:0.4:also_bought y:0.3:model" ]
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "u3 u1 u2 " ]
	cat a.ndjson | recmerge -i mf=- -i knn=b.ndjson --weights=mf=0.6,knn=0.4 --method score >out2.ndjson
	recmerge --weights=mf=0.6,knn=0.4 --method score a.ndjson b.ndjson >out3.ndjson
	cmp out2.ndjson out3.ndjson
}

@test "recmerge: equal weights by default, -n cuts the list, ties keep the first seen" {
	recmerge --method=score -n 2 a.ndjson b.ndjson >out.ndjson
	# x = 1 + 0, z = 0 + 1 (tie: x came first), y = 0.5
	[ "$(recs u1)" = "x:1:similar z:1:also_bought" ]
	conforms
}

@test "recmerge: a user with nothing in any stream keeps an empty list with source none" {
	echo '{"user":"u4","recs":[],"source":"none"}' >>a.ndjson
	echo '{"user":"u4","recs":[],"source":"none"}' >>b.ndjson
	recmerge a.ndjson b.ndjson >out.ndjson
	[ "$(jq -c 'select(.user == "u4") | [.recs, .source]' out.ndjson)" = '[[],"none"]' ]
	conforms
}

@test "recmerge: a line that breaks the contract stops with file:line and exit 65" {
	echo '{"user":"u5","recs":[{"item":"x","score":1,"rank":2,"reason":{"type":"popular"}}],"source":"mf"}' >>b.ndjson
	run_both recmerge a.ndjson b.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'recmerge: b.ndjson:3: recs[0].rank must be 1' ]
	[ -z "$output" ]
	printf '%s\n' "$(sed -n 1p a.ndjson)" 'not json' >bad.ndjson
	run_both recmerge bad.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == 'recmerge: bad.ndjson:2: invalid JSON'* ]]
	# the line before the bad one is answered
	[ "$(echo "$output" | jq -r .user)" = u1 ]
	echo '{"user":"u1","recs":[],"source":"mf"}' >bad.ndjson
	run_both recmerge a.ndjson bad.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'recmerge: bad.ndjson:1: recs is empty but source is not "none"' ]
}

@test "recmerge: a user twice in one input is bad data" {
	sed -n 2p b.ndjson >>b.ndjson
	run_both recmerge a.ndjson b.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'recmerge: b.ndjson:3: user "u1" has a line already' ]
	sed -n 1p a.ndjson >>a.ndjson
	run_both recmerge a.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = 'recmerge: a.ndjson:3: user "u1" has a line already' ]
}

@test "recmerge: rejects bad options and unreadable inputs" {
	run recmerge --weights=mf=0.6 a.ndjson b.ndjson
	[ "$status" -eq 64 ]
	[[ "$output" == *"1 weights for 2 inputs"* ]]
	run recmerge -i mf=a.ndjson -i knn=b.ndjson --weights=mf=1,xx=2
	[ "$status" -eq 64 ]
	[[ "$output" == *"no input is named 'xx'"* ]]
	run recmerge -i mf=a.ndjson -i knn=b.ndjson --weights=mf=1
	[ "$status" -eq 64 ]
	run recmerge --weights=mf=-1,knn=1 a.ndjson b.ndjson
	[ "$status" -eq 64 ]
	run recmerge --method=mean a.ndjson
	[ "$status" -eq 64 ]
	run recmerge
	[ "$status" -eq 64 ]
	run recmerge a.ndjson missing.ndjson
	[ "$status" -eq 66 ]
	run_both recmerge --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--weights"* && "$output" == *"--rrf-k"* && "$output" == *"--input"* ]]
}

@test "recmerge: blends itemknn and popular lines into conforming lines for every user" {
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" r.st <<-'JSON'
	{"kind":"ratings","users":["u1","u2","u3","u4"],"items":["a","b","c","d"],
	 "entries":[["u1","a",1],["u1","b",1],["u2","a",1],["u2","b",1],["u2","c",1],["u3","b",1],["u3","c",1]]}
	JSON
	itemknn --ratings r.st --all -n 3 >knn.ndjson
	popular --ratings r.st --seen r.st --all -n 3 >pop.ndjson
	recmerge --weights=itemknn=0.7,popular=0.3 knn.ndjson pop.ndjson >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "u1 u2 u3 u4 " ]
	conforms
}
