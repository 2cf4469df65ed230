#!/usr/bin/env bats
# tests/itemknn.bats - itemknn: cosine arithmetic checked by hand, seen items, catalog rules, cold
# start, --user-based, history on the line, bad input; every line checked against the contract.

load helpers

setup() {
	setup_scratch
	CONTRACT="$RECMAIL_ROOT/tests/recs-contract.jq"
	# Users x items (. = no interaction); u5 has nothing.
	#        a  b  c  d  e      item columns over u1..u5:
	#  u1    1  1  .  .  .      a=(1,1,0,0,0) |a|=sqrt2   b=(1,1,1,0,0) |b|=sqrt3
	#  u2    1  1  1  .  .      c=(0,1,1,0,0) |c|=sqrt2   d=(0,0,0,2,0) |d|=2   e=(0,0,0,1,0) |e|=1
	#  u3    .  1  1  .  .      cos(a,b) = 2/(sqrt2 sqrt3) = 0.816497  (2 users in common)
	#  u4    .  .  .  2  1      cos(a,c) = 1/(sqrt2 sqrt2) = 0.5       (1 in common)
	#  u5    .  .  .  .  .      cos(b,c) = 2/(sqrt3 sqrt2) = 0.816497  (2 in common)
	#                           cos(d,e) = 2/(2 x 1)       = 1         (1 in common); others 0
	# Popularity (interactions): b 3, a 2, c 2, d 1, e 1.
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" r.st <<-'JSON'
	{"kind":"ratings","feedback":"implicit","users":["u1","u2","u3","u4","u5"],"items":["a","b","c","d","e"],
	 "entries":[["u1","a",1],["u1","b",1],["u2","a",1],["u2","b",1],["u2","c",1],
	            ["u3","b",1],["u3","c",1],["u4","d",2],["u4","e",1]]}
	JSON
	cat >catalog.ndjson <<-'EOF2'
	{"item":"a","category":"x","price":5}
	{"item":"b","category":"x","price":10}
	{"item":"c","category":"x","price":20}
	{"item":"d","category":"y","price":30}
	{"item":"e","category":"y","price":40}
	EOF2
}

conforms() {
	jq -f "$CONTRACT" "${1:-out.ndjson}"
}

# recs USER [FILE]: USER's line as item:score:reason-type:because-or-users
recs() {
	jq -r --arg u "$1" 'select(.user == $u) | [.recs[] | "\(.item):\(.score):\(.reason.type):\(.reason.because // .reason.users // "")"] | join(" ")' "${2:-out.ndjson}"
}

@test "itemknn: scores by the sum of cosines to the user's items and names the biggest contributor" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 1 >out.ndjson
	# u1 has a, b: score(c) = cos(a,c) + cos(b,c) = 0.5 + 0.816497 = 1.316497; b gives the most
	[ "$(recs u1)" = "c:1.3165:also_bought:b" ]
	[ "$(jq -r .source out.ndjson)" = itemknn ]
	echo '{"user":"u3"}' | itemknn --ratings r.st --shrink 0 -n 1 >out.ndjson
	# u3 has b, c: score(a) = cos(b,a) + cos(c,a) = 0.816497 + 0.5
	[ "$(recs u3)" = "a:1.3165:also_bought:b" ]
	conforms
}

@test "itemknn: shrinkage multiplies a cosine by common / (common + S)" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 1 -n 1 >out.ndjson
	# 0.5 x 1/2 + 0.816497 x 2/3 = 0.25 + 0.544331 = 0.794331
	[ "$(recs u1)" = "c:0.794331:also_bought:b" ]
}

@test "itemknn: --normalize divides by the sum of the contributing similarities" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 --normalize -n 1 >out.ndjson
	# (0.5 + 0.816497) / (0.5 + 0.816497)
	[ "$(recs u1)" = "c:1:also_bought:b" ]
}

@test "itemknn: --neighbours keeps only the K most similar items of each item" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -k 1 -n 1 >out.ndjson
	# a keeps b only (0.816 > 0.5); b keeps a (ties with c go to the lower index): c is never reached
	[ "$(jq -r '.recs[0].reason.type' out.ndjson)" = popular ]
	[ "$(jq -r .source out.ndjson)" = popular ]
	echo '{"user":"u3"}' | itemknn --ratings r.st --shrink 0 -k 1 -n 1 >out.ndjson
	# u3 has b (-> a 0.816497) and c (-> b, its own): a = 0.816497 from b alone
	[ "$(recs u3)" = "a:0.816497:also_bought:b" ]
}

@test "itemknn: values weigh the user's items unless --binary" {
	echo '{"user":"n1","items":{"d":3}}' | itemknn --ratings r.st --shrink 0 -n 1 >out.ndjson
	# cos(d,e) = 1, times the value 3
	[ "$(recs n1)" = "e:3:also_bought:d" ]
	echo '{"user":"n1","items":{"d":3}}' | itemknn --ratings r.st --shrink 0 --binary -n 1 >out.ndjson
	[ "$(recs n1)" = "e:1:also_bought:d" ]
}

@test "itemknn: a short list is filled with popular items, scored 0, unless --no-fill" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 3 >out.ndjson
	[ "$(recs u1)" = "c:1.3165:also_bought:b d:0:popular: e:0:popular:" ]
	[ "$(jq -r .source out.ndjson)" = itemknn ]
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 3 --no-fill >out.ndjson
	[ "$(recs u1)" = "c:1.3165:also_bought:b" ]
	conforms
}

@test "itemknn: never recommends an item the user has, in the ratings or in --seen" {
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" seen.st <<-'JSON'
	{"kind":"ratings","users":["u1","u4","s9"],"items":["c","b","a"],
	 "entries":[["u1","c",1],["u4","b",1],["s9","a",1]]}
	JSON
	itemknn --ratings r.st --seen seen.st --all -n 5 >out.ndjson
	# --all: the ratings' users, then those only --seen has (s9: no history here, popular)
	[ "$(jq -r '.user' out.ndjson | tr '\n' ' ')" = "u1 u2 u3 u4 u5 s9 " ]
	[ "$(recs s9)" = "b:3:popular: c:2:popular: d:1:popular: e:1:popular:" ]
	[ "$(recs u1)" = "d:1:popular: e:1:popular:" ]
	[ "$(recs u4)" = "a:2:popular: c:2:popular:" ]
	[ "$(recs u2)" = "d:1:popular: e:1:popular:" ]
	conforms
}

@test "itemknn: no recommended item is ever in the user's history on a random matrix" {
	"$PY3" -c '
import random
random.seed(7)
for u in range(60):
    for i in random.sample(range(40), random.randint(0, 12)):
        print("{\"user\":\"u%d\",\"item\":\"i%d\",\"rating\":%d}" % (u, i, random.randint(1, 5)))
' >inter.ndjson
	ratings2mat <inter.ndjson >rand.st
	itemknn --ratings rand.st --all -n 15 >out.ndjson
	itemknn --ratings rand.st --all -n 15 --user-based >user.ndjson
	conforms out.ndjson
	conforms user.ndjson
	[ "$(wc -l <out.ndjson)" -eq "$(jq -r .user inter.ndjson | sort -u | wc -l)" ]
	# pairs (user, item) recommended that the user has: none
	jq -r '.user as $u | .recs[] | "\($u) \(.item)"' out.ndjson user.ndjson | sort >recommended
	jq -r '"\(.user) \(.item)"' inter.ndjson | sort -u >history
	[ -s recommended ]
	[ -z "$(comm -12 recommended history)" ]
}

@test "itemknn: catalog rules drop items, and --max-per-category caps a category" {
	printf '%s\n' '{"item":"c","in_stock":false}' >oos.ndjson
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 3 --catalog oos.ndjson >out.ndjson
	[ "$(recs u1)" = "d:1:popular: e:1:popular:" ]
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 3 --catalog catalog.ndjson \
	    --max-per-category 1 >out.ndjson
	# c (x), d (y); e is the second y
	[ "$(recs u1)" = "c:1.3165:also_bought:b d:0:popular:" ]
	echo '{"user":"u1"}' | itemknn --ratings r.st --shrink 0 -n 3 --catalog catalog.ndjson \
	    --exclude-category x --max-price 35 >out.ndjson
	[ "$(recs u1)" = "d:1:popular:" ]
	echo '{"item":"c"}' >ex.ndjson
	echo '{"user":"u1"}' | itemknn --ratings r.st -n 1 --exclude ex.ndjson >out.ndjson
	[ "$(jq -r '.recs[0].item' out.ndjson)" = d ]
	conforms
}

@test "itemknn: a user without history gets the most popular items, never an empty line" {
	printf '%s\n' '{"user":"u5"}' '{"user":"nobody","segment":"s1"}' |
	    itemknn --ratings r.st -n 3 >out.ndjson
	[ "$(recs u5)" = "b:3:popular: a:2:popular: c:2:popular:" ]
	[ "$(recs nobody)" = "b:3:popular: a:2:popular: c:2:popular:" ]
	[ "$(jq -r '.source' out.ndjson | sort -u)" = popular ]
	[ "$(jq -r 'select(.user == "nobody") | .segment' out.ndjson)" = s1 ]
	conforms
}

@test "itemknn: nothing left to recommend gives an empty list with source none" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --catalog catalog.ndjson --max-price 1 >out.ndjson
	[ "$(jq -c '[.recs, .source]' out.ndjson)" = '[[],"none"]' ]
	conforms
}

@test "itemknn: a line's items join the user's history and are not carried through" {
	printf '%s\n' '{"user":"new","items":["a"],"variant":"v2"}' | itemknn --ratings r.st --shrink 0 -n 2 >out.ndjson
	# a's neighbours: b 0.816497, c 0.5
	[ "$(recs new)" = "b:0.816497:also_bought:a c:0.5:also_bought:a" ]
	[ "$(jq -c '[.items, .variant, .source]' out.ndjson)" = '[null,"v2","itemknn"]' ]
	conforms
}

@test "itemknn: --user-based scores items by the similar users who have them" {
	echo '{"user":"u1"}' | itemknn --ratings r.st --user-based --shrink 0 -n 1 >out.ndjson
	# u1 = (a,b): cos(u1,u2) = 2/(sqrt2 sqrt3) = 0.816497, cos(u1,u3) = 1/(sqrt2 sqrt2) = 0.5;
	# both have c: 0.816497 + 0.5, from 2 neighbours
	[ "$(recs u1)" = "c:1.3165:neighbours:2" ]
	[ "$(jq -r .source out.ndjson)" = userknn ]
	echo '{"user":"u1"}' | itemknn --ratings r.st --user-based --shrink 0 -k 1 -n 1 >out.ndjson
	[ "$(recs u1)" = "c:0.816497:neighbours:1" ]
	echo '{"user":"u3"}' | itemknn --ratings r.st -u --shrink 1 -n 1 >out.ndjson
	# u3 = (b,c): u2 2/(sqrt2 sqrt3) x 2/3 = 0.544331 has a; u1 0.5 x 1/2 = 0.25 has a
	[ "$(recs u3)" = "a:0.794331:neighbours:2" ]
	conforms
}

@test "itemknn: sparse and dense similarity computations give the same lines" {
	itemknn --ratings r.st --all -n 4 --method sparse >a.ndjson
	itemknn --ratings r.st --all -n 4 --method dense >b.ndjson
	cmp a.ndjson b.ndjson
}

@test "itemknn: a line without a user stops with exit 65 after answering the lines before" {
	run_both itemknn --ratings r.st -n 1 < <(printf '%s\n' '{"user":"u1"}' '{"usr":"u2"}' '{"user":"u2"}')
	[ "$status" -eq 65 ]
	[ "$stderr" = 'itemknn: -:2: missing "user"' ]
	[ "$(echo "$output" | jq -r .user)" = u1 ]
}

@test "itemknn: when the --bad report cannot be written, no -o output is left behind" {
	[ -w /dev/full ] || skip "/dev/full is absent"
	mkdir out
	run_both itemknn --ratings r.st -n 1 --skip-bad --bad /dev/full -o out/recs.ndjson \
	    < <(printf '%s\n' '{"user":"u1"}' 'not json') || true
	[ "$status" -eq 74 ]
	[[ "$stderr" == *"/dev/full: write error"* ]]
	[ -z "$(ls -A out)" ]
}

@test "itemknn: --skip-bad reports bad lines with file and line and answers the others" {
	printf '%s\n' '{"user":"u1"}' 'not json' '{"user":"u2","items":{"a":"x"}}' '{"user":"u3"}' >users.ndjson
	run_both itemknn --ratings r.st -n 1 --skip-bad users.ndjson
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .user | tr '\n' ' ')" = "u1 u3 " ]
	[[ "$stderr" == *'itemknn: users.ndjson:2: invalid JSON'* ]]
	[[ "$stderr" == *'itemknn: users.ndjson:3: "items": the value of "a" must be a number'* ]]
}

@test "itemknn: --min-support drops items with fewer --seen entries, popular fill included" {
	itemknn --ratings r.st --seen r.st --all -n 3 >out.ndjson
	[ "$(jq -r 'select(.user == "u1") | [.recs[].item] | join(" ")' out.ndjson)" = "c d e" ]
	[ "$(jq -r 'select(.user == "u4") | [.recs[].item] | join(" ")' out.ndjson)" = "b a c" ]
	# entries: b 3, a 2, c 2, d 1, e 1
	itemknn --ratings r.st --seen r.st --all -n 3 --min-support 2 >out.ndjson
	[ "$(jq -r 'select(.user == "u1") | [.recs[].item] | join(" ")' out.ndjson)" = "c" ]
	[ "$(jq -r 'select(.user == "u3") | [.recs[].item] | join(" ")' out.ndjson)" = "a" ]
	itemknn --ratings r.st --seen r.st --all -n 3 --min-support 3 >out.ndjson
	[ "$(jq -r 'select(.user == "u4") | [.recs[].item] | join(" ")' out.ndjson)" = "b" ]
	[ "$(jq -r '.recs[].item' out.ndjson | sort -u)" = "b" ]
	conforms
	run_both itemknn --ratings r.st --all --min-support 2
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--min-support"*"--seen"* ]]
}

@test "itemknn: rejects bad options with exit 64" {
	run itemknn --ratings r.st --neighbours 0
	[ "$status" -eq 64 ]
	[[ "$output" == *"--neighbours: '0'"* ]]
	run itemknn --ratings r.st --method fast
	[ "$status" -eq 64 ]
	run itemknn --all
	[ "$status" -eq 64 ]
	run itemknn --ratings r.st --max-price 3
	[ "$status" -eq 64 ]
	run itemknn --ratings missing.st --all
	[ "$status" -eq 66 ]
}

@test "itemknn: --help shows every option on stdout" {
	run_both itemknn --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for o in --ratings --count --all --user-based --neighbours --shrink --binary --normalize \
	    --no-fill --method --seen --exclude --catalog --missing --exclude-category --min-price \
	    --max-price --max-per-category --min-support --skip-bad --bad --output --progress \
	    --version; do
		[[ "$output" == *"$o"* ]]
	done
}

@test "itemknn: answers every MovieLens 100K user with conforming lines" {
	skip_unless_data ml-100k/u.data
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$SHARED_DATA/ml-100k/u.data" >ml.st
	itemknn --ratings ml.st --all -n 10 >out.ndjson
	[ "$(wc -l <out.ndjson)" -eq 943 ]
	[ "$(jq -r .source out.ndjson | sort -u)" = itemknn ]
	[ "$(jq '.recs | length' out.ndjson | sort -u)" = 10 ]
	conforms
}

@test "itemknn: an also_bought reason names only an item the user rated 4+ and not below their mean" {
	# explicit ratings; with --binary, over u1..u4: a=(1,1,0,0) b=(1,1,1,1) c=(0,1,1,0),
	# cos(a,c) = 0.5, cos(b,c) = cos(a,b) = 0.707107: b is u1's biggest contributor to c,
	# but u1 rated b 2
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" x.st <<-'JSON'
	{"kind":"ratings","users":["u1","u2","u3","u4"],"items":["a","b","c"],
	 "entries":[["u1","a",5],["u1","b",2],["u2","a",4],["u2","b",4],["u2","c",4],
	            ["u3","b",5],["u3","c",5],["u4","b",1]]}
	JSON
	printf '%s\n' '{"user":"u1"}' '{"user":"u4"}' |
	    itemknn --ratings x.st --binary --shrink 0 -n 1 --no-fill >out.ndjson
	[ "$(jq -c 'select(.user == "u1") | .recs[0].reason' out.ndjson)" = '{"type":"also_bought","because":"a","similarity":0.5,"action":"rated"}' ]
	# u4 liked nothing: the item is still offered, with no history named
	[ "$(recs u4)" = "a:0.707107:model:" ]
	# --like-threshold 1 lets u4's 1 be named (it is u4's own mean); u1's 2 stays below u1's 3.5
	printf '%s\n' '{"user":"u1"}' '{"user":"u4"}' |
	    itemknn --ratings x.st --binary --shrink 0 -n 1 --no-fill --like-threshold 1 >out.ndjson
	[ "$(recs u1)" = "c:1.20711:also_bought:a" ]
	[ "$(recs u4)" = "a:0.707107:also_bought:b" ]
	conforms
}

@test "itemknn on MovieLens 100K: no also_bought reason names a movie rated below 4 or the user's mean" {
	skip_unless_data ml-100k/u.data
	ratings2mat --preset=movielens "$SHARED_DATA/ml-100k/u.data" -o all.st 2>/dev/null
	itemknn --ratings=all.st --all -n 5 >out.ndjson
	matinfo --dump all.st >dump.ndjson
	run jq -n -c --slurpfile h dump.ndjson --argjson min 4 -f "$RECMAIL_ROOT/tests/reasons-liked.jq" out.ndjson
	echo "$output"
	[ "$(jq .below <<<"$output")" -eq 0 ]
	[ "$(jq .reasons <<<"$output")" -gt 1000 ]
}
