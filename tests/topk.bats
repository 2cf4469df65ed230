#!/usr/bin/env bats
# tests/topk.bats - topk: exact rankings on a hand-built model, exclusions, business rules, cold start,
# fold-in, reasons, bad input; every line checked against the contract (tests/recs-contract.jq).

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	# A hand-built model, k=2, mean 3. score(u,i) = 3 + b_u + b_i + p_u . q_i:
	#        i1 (2,0) b0   i2 (1,1) b.1   i3 (0,2) b.2   i4 (-1,0) b1.5   i5 (.5,.5) b0
	# c1 (1,0) b.5:  5.5       4.6            3.7            4.0             4.0
	# c2 (0,1) b0:   3.0       4.1            5.2            4.5             3.5
	# c3 (1,1) b0:   5.0       5.1            5.2            3.5             4.0
	# (tests/fixtures/topk/model.json, which recserve.bats shares)
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" model.st <"$RECMAIL_ROOT/tests/fixtures/topk/model.json"
	# Seen: c1 has i1; c2 has i3 (10 days old) and i4; c3 has i3 (10 days old); s9 only here.
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" seen.st <<-'JSON'
	{"kind":"ratings","users":["c1","c2","c3","s9"],"items":["i1","i3","i4","x7"],
	 "entries":[["c1","i1",5,1000000],["c2","i3",4,136000],["c2","i4",2,1000000],
	            ["c3","i3",1,136000],["s9","x7",1,1000000]]}
	JSON
	cat >catalog.ndjson <<-'EOF2'
	{"item":"i1","title":"One","category":"a","price":10,"margin":0.1}
	{"item":"i2","title":"Two","category":"a","price":20,"margin":0.1,"in_stock":true}
	{"item":"i3","title":"Three","category":"b","price":30,"margin":0.9}
	{"item":"i4","title":"Four","category":"c","price":40,"margin":0.1}
	EOF2
}

setup() {
	setup_scratch
	CONTRACT="$RECMAIL_ROOT/tests/recs-contract.jq"
	cp "$BATS_FILE_TMPDIR"/model.st "$BATS_FILE_TMPDIR"/seen.st "$BATS_FILE_TMPDIR"/catalog.ndjson .
}

# items USER: the recommended items of USER's line, space-separated
items() {
	jq -r --arg u "$1" 'select(.user == $u) | [.recs[].item] | join(" ")' out.ndjson
}

conforms() {
	jq -f "$CONTRACT" out.ndjson
}

@test "topk: ranks a known user's items by the model's prediction, best first" {
	echo '{"user":"c1"}' | topk --model model.st -n 4 >out.ndjson
	run jq -c '[.recs[] | [.item, .score, .rank]]' out.ndjson
	[ "$status" -eq 0 ]
	# i4 and i5 tie at 4.0: the lower item index comes first
	[ "$output" = '[["i1",5.5,1],["i2",4.6,2],["i4",4,3],["i5",4,4]]' ]
	[ "$(jq -r .source out.ndjson)" = mf ]
	conforms
}

@test "topk: --all answers every model user, then the seen matrix's unknown users" {
	topk --model=model.st --seen=seen.st --all -n 2 >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "c1 c2 c3 s9 " ]
	[ "$(items c1)" = "i2 i4" ]
	[ "$(items c2)" = "i2 i5" ]
	[ "$(jq -r 'select(.user == "s9") | .source' out.ndjson)" = popular ]
	conforms
}

@test "topk: never recommends an item the user has seen" {
	topk --model model.st --seen seen.st --all -n 5 >out.ndjson
	[ "$(items c1)" = "i2 i4 i5 i3" ]
	[ "$(items c2)" = "i2 i5 i1" ]
	[ "$(items c3)" = "i2 i1 i5 i4" ]
	conforms
}

@test "topk: the same answers whatever the block size" {
	topk --model model.st --seen seen.st --all -n 3 >a.ndjson
	topk --model model.st --seen seen.st --all -n 3 --block 1 >b.ndjson
	cmp a.ndjson b.ndjson
}

@test "topk: output order is input order and extra fields are carried through" {
	printf '%s\n' '{"user":"c2","variant":"llm","segment":{"x":[1,2]}}' '{"user":"c1"}' |
	    topk --model model.st -n 1 >out.ndjson
	[ "$(jq -r .user out.ndjson | tr '\n' ' ')" = "c2 c1 " ]
	[ "$(jq -c 'select(.user == "c2") | [.variant, .segment]' out.ndjson)" = '["llm",{"x":[1,2]}]' ]
	conforms
	printf '%s\n' '{"user":"c2"}' '{"user":"zz"}' '{"user":"c1"}' '{"user":"n1","items":["i3"]}' >users.ndjson
	topk --model model.st -n 2 users.ndjson >a.ndjson
	topk --model model.st -n 2 --block 1 users.ndjson >b.ndjson
	cmp a.ndjson b.ndjson
	[ "$(jq -r .user a.ndjson | tr '\n' ' ')" = "c2 zz c1 n1 " ]
}

@test "topk: --exclude removes items for one user or for everyone" {
	printf '%s\n' '{"item":"i2"}' '{"user":"c1","item":"i4","ts":5}' '{"item":"nope"}' >ex.ndjson
	topk --model model.st --exclude ex.ndjson --all -n 3 >out.ndjson
	[ "$(items c1)" = "i1 i5 i3" ]
	[ "$(items c2)" = "i3 i4 i5" ]
	! jq -e '.recs[] | select(.item == "i2")' out.ndjson >/dev/null
	conforms
}

@test "topk: drops out-of-stock items from the catalog" {
	sed 's/"in_stock":true/"in_stock":false/' catalog.ndjson >cat2.ndjson
	echo '{"user":"c1"}' | topk --model model.st --catalog cat2.ndjson -n 3 >out.ndjson
	[ "$(items c1)" = "i1 i4 i5" ]
	conforms
}

@test "topk: --exclude-category and --missing=drop" {
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --exclude-category a -n 3 >out.ndjson
	[ "$(items c1)" = "i4 i5 i3" ]
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --missing=drop -n 5 >out.ndjson
	[ "$(items c1)" = "i1 i2 i4 i3" ]
	conforms
}

@test "topk: --min-price and --max-price keep the items priced within the bounds" {
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --min-price 15 --max-price 35 --missing drop -n 5 >out.ndjson
	[ "$(items c1)" = "i2 i3" ]
}

@test "topk: --margin-boost adds W times the margin to the score" {
	# c1 + 2 * margin: i1 5.5+.2, i2 4.6+.2, i3 3.7+1.8, i4 4.0+.2, i5 4.0 (no margin)
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --margin-boost 2 -n 5 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score]]' out.ndjson)" = '[["i1",5.7],["i3",5.5],["i2",4.8],["i4",4.2],["i5",4]]' ]
}

@test "topk: --max-per-category caps each category" {
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --max-per-category 1 -n 4 >out.ndjson
	# i2 shares category a with i1; i5 has no category and is not capped
	[ "$(items c1)" = "i1 i4 i5 i3" ]
	conforms
}

@test "topk: --mmr trades score for novelty in factor space" {
	echo '{"user":"c1"}' | topk --model model.st --mmr 1 -n 2 >out.ndjson
	[ "$(items c1)" = "i1 i2" ]
	# lambda .3: after i1, i2 (cos .71 with i1) scores .3*.5-.7*.71 < i4 (.3*.17 - 0)
	echo '{"user":"c1"}' | topk --model model.st --mmr 0.3 -n 2 >out.ndjson
	[ "$(items c1)" = "i1 i4" ]
	conforms
}

@test "topk: a user the model does not know gets the popular items, marked so" {
	echo '{"user":"zz"}' | topk --model model.st -n 3 >out.ndjson
	[ "$(items zz)" = "i1 i5 i3" ]
	[ "$(jq -r '.source' out.ndjson)" = popular ]
	[ "$(jq -r '[.recs[].reason.type] | unique | join(",")' out.ndjson)" = popular ]
	conforms
}

@test "topk: cold start follows the same rules and the seen matrix" {
	echo '{"user":"s9"}' | topk --model model.st --seen seen.st --catalog catalog.ndjson --exclude-category b -n 3 >out.ndjson
	[ "$(items s9)" = "i1 i5 i4" ]
	conforms
}

@test "topk: --half-life ranks cold-start items by decayed seen interactions" {
	# i3 has two interactions 10 days old, i1 and i4 one each today: 1, 1, 2 * 2^-10
	echo '{"user":"zz"}' | topk --model model.st --seen seen.st --half-life 1 -n 3 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score]]' out.ndjson)" = '[["i1",1],["i4",1],["i3",0.00195312]]' ]
}

@test "topk: folds a new user's interactions into the model" {
	# lambda 1 (the model's reg): p = (I + q3 q3^T)^-1 q3 (5 - 3 - .2) = (0, .72)
	echo '{"user":"n1","items":{"i3":5},"variant":"a"}' | topk --model model.st -n 4 >out.ndjson
	[ "$(jq -c '[.recs[] | [.item, .score]]' out.ndjson)" = '[["i4",4.5],["i2",3.82],["i5",3.36],["i1",3]]' ]
	[ "$(jq -r .source out.ndjson)" = fold-in ]
	# the items are consumed, other fields carried through
	[ "$(jq -c '[.items, .variant]' out.ndjson)" = '[null,"a"]' ]
	conforms
}

@test "topk: fold-in with only unknown items falls back to popular" {
	echo '{"user":"n2","items":["nothere"]}' | topk --model model.st -n 2 >out.ndjson
	[ "$(jq -r .source out.ndjson)" = popular ]
	[ "$(items n2)" = "i1 i5" ]
}

@test "topk: reasons name the most similar item of the user's history" {
	topk --model model.st --seen seen.st --all -n 3 >out.ndjson
	# c1 has i1 = (2,0): i2 and i5 point 45 degrees away; i4 points the other way
	run jq -c 'select(.user == "c1") | [.recs[] | [.item, .reason.type, .reason.because, .reason.similarity]]' out.ndjson
	[ "$output" = '[["i2","similar","i1",0.7071],["i4","model",null,null],["i5","similar","i1",0.7071]]' ]
	echo '{"user":"n1","items":{"i3":5}}' | topk --model model.st -n 2 >out.ndjson
	[ "$(jq -c '[.recs[] | .reason]' out.ndjson)" = '[{"type":"model"},{"type":"similar","because":"i3","similarity":0.7071,"action":"rated"}]' ]
	conforms
}

@test "topk: a reason never names an item the user rated below 4 or below their own mean" {
	# c3 rated i3 one star: i2 is 45 degrees from i3, but i3 is not a reason to offer it
	topk --model model.st --seen seen.st --all -n 3 --min-similarity=-1 >out.ndjson
	run jq -c 'select(.user == "c3") | [.recs[] | [.item, .reason.type, .reason.because]]' out.ndjson
	[ "$output" = '[["i2","model",null],["i1","model",null],["i5","model",null]]' ]
	# c2 rated i3 4 and i4 2 (mean 3): only i3 is ever named
	run jq -r 'select(.user == "c2") | [.recs[].reason.because // "-"] | join(" ")' out.ndjson
	[ "$output" = "i3 i3 i3" ]
	# --like-threshold 1: c3's 1 is not below 1 nor below c3's own mean, so i3 may be named
	topk --model model.st --seen seen.st --all -n 1 --like-threshold=1 >out.ndjson
	[ "$(jq -c 'select(.user == "c3") | .recs[0].reason' out.ndjson)" = '{"type":"similar","because":"i3","similarity":0.7071,"action":"rated"}' ]
	# c2's 2 is below c2's mean of 3 with any threshold but 0, which turns the rule off
	topk --model model.st --seen seen.st --all -n 3 --like-threshold=2 --min-similarity=-1 >out.ndjson
	[ "$(jq -r 'select(.user == "c2") | [.recs[].reason.because // "-"] | join(" ")' out.ndjson)" = "i3 i3 i3" ]
	topk --model model.st --seen seen.st --all -n 1 --like-threshold=0 >out.ndjson
	[ "$(jq -r 'select(.user == "c3") | .recs[0].reason.because' out.ndjson)" = i3 ]
	conforms
}

@test "topk: --history-action names what the user did; implicit history says bought" {
	topk --model model.st --seen seen.st --all -n 1 --history-action=viewed >out.ndjson
	[ "$(jq -r 'select(.user == "c1") | .recs[0].reason.action' out.ndjson)" = viewed ]
	sed 's/"kind":"ratings",/"kind":"ratings","feedback":"implicit",/' <<-'JSON' | "$PY3" "$RECMAIL_ROOT/tests/mkst.py" imp.st
	{"kind":"ratings","users":["c3"],"items":["i3"],"entries":[["c3","i3",1,136000]]}
	JSON
	topk --model model.st --seen imp.st --all -n 1 >out.ndjson
	[ "$(jq -c 'select(.user == "c3") | .recs[0].reason' out.ndjson)" = '{"type":"similar","because":"i3","similarity":0.7071,"action":"bought"}' ]
	run topk --model model.st --seen seen.st --all --history-action=liked
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "topk: --history-action: 'liked' is not bought, carted, viewed, clicked or rated" ]
	run topk --model model.st --seen seen.st --all --like-threshold=-2
	[ "$status" -eq 64 ]
}

@test "topk: nothing left to recommend gives an empty list with source none" {
	echo '{"user":"c1"}' | topk --model model.st --catalog catalog.ndjson --max-price 1 --missing drop >out.ndjson
	[ "$(jq -c '[.recs, .source]' out.ndjson)" = '[[],"none"]' ]
	conforms
}

@test "topk: a line without a user stops with exit 65 after answering the lines before" {
	run_both topk --model model.st -n 1 < <(printf '%s\n' '{"user":"c1"}' '{"usr":"c2"}' '{"user":"c2"}') || true
	[ "$status" -eq 65 ]
	[ "$stderr" = 'topk: -:2: missing "user"' ]
	[ "$(echo "$output" | jq -r .user)" = c1 ]
}

@test "topk: --skip-bad reports bad lines and answers all the others" {
	printf '%s\n' '{"user":"c1"}' '{"usr":"c2"}' 'not json' '{"user":7}' '{"user":"c2","items":{"i1":"x"}}' '{"user":"c2"}' >users.ndjson
	run_both topk --model model.st -n 1 --skip-bad users.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .user | tr '\n' ' ')" = "c1 c2 " ]
	[[ "$stderr" == *'topk: users.ndjson:2: missing "user"'* ]]
	[[ "$stderr" == *'users.ndjson:3: invalid JSON'* ]]
	[[ "$stderr" == *'users.ndjson:4: "user" must be'* ]]
	[[ "$stderr" == *'users.ndjson:5: "items"'* ]]
	topk --model model.st -n 1 --bad bad.ndjson users.ndjson >out.ndjson || [ $? -eq 1 ]
	[ "$(jq -c '[.file, .line]' bad.ndjson | tr '\n' ' ')" = '["users.ndjson",2] ["users.ndjson",3] ["users.ndjson",4] ["users.ndjson",5] ' ]
	[ "$(jq -r .input bad.ndjson | sed -n 1p)" = '{"usr":"c2"}' ]
}

@test "topk: rejects a count that is not positive" {
	run topk --model model.st -n 0
	[ "$status" -eq 64 ]
	[[ "$output" == *"--count: '0' is not a whole number from 1 to 10000"* ]]
	run topk --model model.st -n -3
	[ "$status" -eq 64 ]
}

@test "topk: rejects a seen matrix with different id tables" {
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" other.st <<-'JSON'
	{"kind":"ratings","users":["q1"],"items":["z1","z2"],"entries":[["q1","z1",1,0]]}
	JSON
	run topk --model model.st --seen other.st --all
	[ "$status" -eq 65 ]
	[ "$output" = "topk: other.st: no item in common with model.st (different id tables?)" ]
}

@test "topk: rejects a container of the wrong kind or a missing file" {
	run topk --model seen.st --all
	[ "$status" -eq 65 ]
	[ "$output" = "topk: seen.st: a 'ratings' container, expected 'model'" ]
	run topk --model nothere.st --all
	[ "$status" -eq 66 ]
	printf 'garbage' >bad.st
	run topk --model bad.st --all
	[ "$status" -eq 65 ]
}

@test "topk: rejects a catalog line without an item id, naming file and line" {
	printf '%s\n' '{"item":"i1"}' '{"title":"no id"}' >badcat.ndjson
	run topk --model model.st --catalog badcat.ndjson --all
	[ "$status" -eq 65 ]
	[ "$output" = 'topk: badcat.ndjson:2: missing "item"' ]
}

@test "topk: catalog rules without a catalog are a usage error" {
	run topk --model model.st --max-per-category 2 --all
	[ "$status" -eq 64 ]
	run topk --model model.st --half-life 3 --all
	[ "$status" -eq 64 ]
}

@test "topk: --min-support never recommends an item with fewer --seen entries, cold users too" {
	# entries per item: i1 1, i2 0, i3 2, i4 1, i5 3 (c1's scores: i2 4.6, i4 4.0, i5 4.0, i3 3.7)
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" few.st <<-'JSON'
	{"kind":"ratings","users":["c1","c2","c3","s9"],"items":["i1","i2","i3","i4","i5"],
	 "entries":[["c1","i1",5],["c2","i3",4],["c2","i5",3],["c3","i3",2],["c3","i5",5],
	            ["s9","i5",1],["s9","i4",4]]}
	JSON
	topk --model model.st --seen few.st --all -n 2 >out.ndjson
	[ "$(items c1)" = "i2 i4" ]
	[ "$(items s9)" = "i1 i3" ]
	topk --model model.st --seen few.st --all -n 2 --min-support 1 >one.ndjson
	cmp out.ndjson one.ndjson
	topk --model model.st --seen few.st --all -n 2 --min-support 2 >out.ndjson
	[ "$(items c1)" = "i5 i3" ]
	[ "$(items c2)" = "" ]
	# s9 is not in the model: its popular fallback obeys the rule as well
	[ "$(jq -r 'select(.user == "s9") | .source' out.ndjson)" = popular ]
	[ "$(items s9)" = "i3" ]
	conforms
	topk --model model.st --seen few.st --all -n 5 --min-support 3 >out.ndjson
	[ "$(items c1)" = "i5" ]
	[ "$(jq -r '.recs[].item' out.ndjson | sort -u)" = "i5" ]
}

@test "topk: --min-support needs --seen and a count of at least 1" {
	for args in "--min-support 2" "--seen seen.st --min-support 0" \
	    "--seen seen.st --min-support x" "--seen seen.st --min-support 2.5"; do
		# shellcheck disable=SC2086
		run_both topk --model model.st --all $args
		[ "$status" -eq 64 ] || { echo "$args: status $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == "topk: "*"--min-support"* ]]
	done
}

@test "topk: --help and --version go to stdout" {
	run topk --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--margin-boost"* ]]
	run topk --version
	[ "$status" -eq 0 ]
	[[ "$output" == "topk (recmail) "* ]]
}

@test "topk: -o writes the file atomically" {
	topk --model model.st --all -n 2 -o recs.ndjson
	[ "$(wc -l <recs.ndjson)" -eq 3 ]
	jq -f "$CONTRACT" recs.ndjson
}

# ml_example: all.st (MovieLens 100K) and m.st (the model of examples/movielens/campaign.conf's
# TRAIN_OPTS), trained once per file; skips without the data set
ml_example() {
	local d=$BATS_FILE_TMPDIR
	skip_unless_data ml-100k/u.data
	if [ ! -s "$d/ml-m.st" ]; then
		# shellcheck disable=SC1091
		TRAIN_OPTS=$(. "$RECMAIL_ROOT/examples/movielens/campaign.conf" && echo "$TRAIN_OPTS")
		ratings2mat --preset=movielens "$SHARED_DATA/ml-100k/u.data" -o "$d/ml-all.st" 2>/dev/null
		# shellcheck disable=SC2086
		svdtrain $TRAIN_OPTS "$d/ml-all.st" >"$d/ml-m.st.tmp" && mv "$d/ml-m.st.tmp" "$d/ml-m.st"
	fi
	cp "$d/ml-all.st" all.st
	cp "$d/ml-m.st" m.st
}

@test "topk on MovieLens 100K with the example's settings: no reason names a movie rated below 4 or the user's mean" {
	ml_example
	topk --model=m.st --seen=all.st --all -n 5 >out.ndjson
	matinfo --dump all.st >dump.ndjson
	run jq -n -c --slurpfile h dump.ndjson --argjson min 4 -f "$RECMAIL_ROOT/tests/reasons-liked.jq" out.ndjson
	echo "$output"
	[ "$(jq .below <<<"$output")" -eq 0 ]
	[ "$(jq .reasons <<<"$output")" -gt 1000 ]
	# and no similar reason at or below the similarity floor (0.7)
	[ "$(jq -s '[.[].recs[].reason | select(.type == "similar" and .similarity <= 0.7)] | length' out.ndjson)" -eq 0 ]
	# the check itself finds them when the rule is off (--like-threshold 0)
	topk --model=m.st --seen=all.st --all -n 5 --like-threshold=0 >off.ndjson
	run jq -n -c --slurpfile h dump.ndjson --argjson min 4 -f "$RECMAIL_ROOT/tests/reasons-liked.jq" off.ndjson
	echo "$output"
	[ "$(jq .below <<<"$output")" -gt 0 ]
}

# top_share FILE: the share of lines whose list holds the most frequent item
top_share() {
	jq -s '(length) as $n | [.[].recs[].item] | group_by(.) | map(length) | max / $n' "$1"
}

@test "topk with the MovieLens example's settings: no film goes to more than 25% of users" {
	ml_example
	topk --model=m.st --seen=all.st --all -n 10 >out.ndjson
	share=$(top_share out.ndjson)
	echo "top share at -n 10: $share"
	[ "$(echo "$share <= 0.25" | bc -l)" -eq 1 ]
	# and the check fails for the settings of issue 17 (sgd: one film to 84% of users)
	svdtrain --algo=sgd --factors=100 --epochs=20 all.st >sgd.st
	topk --model=sgd.st --seen=all.st --all -n 10 >sgd.ndjson
	[ "$(echo "$(top_share sgd.ndjson) > 0.25" | bc -l)" -eq 1 ]
}

@test "topk with the shop example's settings: no item goes to more than 25% of customers" {
	# shellcheck disable=SC1091
	eval "$(. "$RECMAIL_ROOT/examples/shop/campaign.conf" &&
	    declare -p INGEST_OPTS TRAIN_OPTS)"
	shopgen --seed=1 --out-dir=shop >/dev/null 2>&1
	# shellcheck disable=SC2086
	ratings2mat $INGEST_OPTS -o all.st shop/events.ndjson 2>/dev/null
	ratings2mat --implicit --weights=purchase=1 --drop=all -o seen.st shop/events.ndjson 2>/dev/null
	# shellcheck disable=SC2086
	svdtrain $TRAIN_OPTS all.st >m.st
	topk --model=m.st --seen=seen.st --catalog=shop/catalog.ndjson --all -n 10 >out.ndjson
	share=$(top_share out.ndjson)
	echo "top share at -n 10: $share"
	[ "$(echo "$share <= 0.25" | bc -l)" -eq 1 ]
}

# --- line mode (--stream) ---

# stream_start ARGS...: starts topk --stream ARGS reading the FIFO in and writing the FIFO out;
# fd 7 writes its input (held open), fd 8 reads its answers.
stream_start() {
	rm -f in out
	mkfifo in out
	topk --stream "$@" in >out 2>err.txt &
	STREAM_PID=$!
	exec 8<out 7>in
}

# ask LINE: writes one line and reads its answer into $answer within 5 s (fails otherwise)
ask() {
	printf "%s\n" "$1" >&7
	IFS= read -t 5 -r answer <&8
}

@test "topk --stream: each line is answered while the input is still open" {
	stream_start --model model.st -n 2
	ask '{"user":"c1"}'
	[ "$(jq -c '[.recs[].item]' <<<"$answer")" = '["i1","i2"]' ]
	ask '{"user":"zz"}'
	[ "$(jq -r .source <<<"$answer")" = popular ]
	ask '{"user":"c2","variant":"b"}'
	[ "$(jq -c '[.user, .variant, [.recs[].item]]' <<<"$answer")" = '["c2","b",["i3","i4"]]' ]
	exec 7>&-
	wait "$STREAM_PID"
	exec 8<&-
}

@test "topk --stream: a bad line is answered with an error line and the stream goes on" {
	stream_start --model model.st -n 2
	ask '{"usr":"c1"}'
	[ "$(jq -c '[.line, (.error | test("missing"))]' <<<"$answer")" = '[1,true]' ]
	ask 'not json'
	[ "$(jq -r .line <<<"$answer")" = 2 ]
	ask '{"user":"c3","items":7}'
	[ "$(jq -c '[.user, .line]' <<<"$answer")" = '["c3",3]' ]
	ask '{"user":"c1"}'
	[ "$(jq -r .source <<<"$answer")" = mf ]
	exec 7>&-
	rc=0
	wait "$STREAM_PID" || rc=$?
	[ "$rc" -eq 1 ]
	exec 8<&-
	grep -q '3 bad lines skipped' err.txt
}

@test "topk: a known user's line items fold the session's context into their factors" {
	# c1 p=(1,0) b=.5, reg 1, session i3 (0,2) rated 5: resid 5-3-.5-.2 = 1.3,
	# (q q^T + I) p = 1.3 q + p0 -> p = (1, .52): i2 3.6 + 1.52 = 5.12, i5 3.5 + .76 = 4.26
	printf '%s\n' '{"user":"c1","items":{"i3":5}}' '{"user":"c1"}' >users.ndjson
	topk --model model.st -n 3 users.ndjson >out.ndjson
	[ "$(jq -c '[.source, [.recs[] | [.item, .score]]]' out.ndjson | head -1)" = '["fold-in",[["i1",5.5],["i2",5.12],["i5",4.26]]]' ]
	[ "$(jq -r .source out.ndjson | tail -1)" = mf ]
	conforms
	# line mode gives the same lines as the batch mode
	topk --model model.st -n 3 --stream <users.ndjson >stream.ndjson
	cmp out.ndjson stream.ndjson
	# the session moves an implicit model's user too (toward i3's direction)
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" imp.st <<-'JSON'
	{"kind":"model","users":["c1"],"items":["i1","i2","i3","i4"],
	 "P":[[1,0]],"Q":[[1,0],[0.9,0.1],[0,1],[0.1,0.9]],"user_bias":[0],"item_bias":[0,0,0,0],
	 "global_mean":0,"item_popularity":[1,1,1,1],"meta":{"algo":"ials","reg":"0.1","alpha":"10"}}
	JSON
	[ "$(echo '{"user":"c1"}' | topk --model imp.st -n 1 --stream | jq -r '.recs[0].item')" = i1 ]
	[ "$(echo '{"user":"c1","items":["i3"]}' | topk --model imp.st -n 1 --stream | jq -r '.recs[0].item')" = i4 ]
}

@test "topk --stream: takes no --all and no regular output file" {
	run topk --model model.st --stream --all
	[ "$status" -eq 64 ]
	run topk --model model.st --stream -o out.ndjson </dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"FIFO"* ]]
	[ ! -e out.ndjson ]
}
