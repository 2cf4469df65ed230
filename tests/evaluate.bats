#!/usr/bin/env bats
# tests/evaluate.bats - RMSE/MAE of a model and top-k metrics of recommendation lines on a test set

load helpers
bats_require_minimum_version 1.5.0

# (an empty file, not /dev/null: /dev/null is not always a device in containers)
setup() { setup_scratch; : >empty.ndjson; }

fixture() { "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" "$@"; }

# users u1, u2; items a, b; k = 2; scale 1..5. Predictions by hand:
#   u1,a = 3.5 + 0.5 + 0.1 + (1*0.2 + 0*0.3)   = 4.3
#   u1,b = 3.5 + 0.5 - 0.4 + (1*1 + 0*-1)      = 4.6
#   u2,a = 3.5 - 0.25 + 0.1 + (0.5*0.2 + 2*0.3) = 4.05
#   u2,b = 3.5 - 0.25 - 0.4 + (0.5*1 + 2*-1)   = 1.35
mkmodel() {
	fixture model "${1:-model.st}" <<-EOF
	{"users":["u1","u2"],"items":["a","b"],"k":2,"P":[1,0,0.5,2],"Q":[0.2,0.3,1,-1],
	 "user_bias":[0.5,-0.25],"item_bias":[0.1,-0.4],"global_mean":${2:-3.5},
	 "rating_min":1,"rating_max":5${3:-}}
	EOF
}

# near JSON EXPR VALUE: the field is within 1e-5 of the value
near() { jq -e --argjson v "$3" "(($2) - \$v) | fabs < 1e-5" <<<"$1" >/dev/null; }

@test "evaluate: --help prints usage with an example and exits 0" {
	run evaluate --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--relevant-threshold"* && "$output" == *"--model"* && "$output" == *"example"* ]]
}

@test "evaluate: RMSE and MAE match the hand computation, unknown ids by the fallback" {
	mkmodel
	# the test set has its own tables: x is an unknown user, c an unknown item
	printf 'u1\ta\t4\nu2\tb\t2\nu2\ta\t5\nx\ta\t3\nu1\tc\t4\n' | fixture ratings test.st
	run_both evaluate --model=model.st --test=test.st
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# errors: 4.3-4 = 0.3, 1.35-2 = -0.65, 4.05-5 = -0.95,
	#   x,a falls back to 3.5 + 0.1 = 3.6 (err 0.6), u1,c to 3.5 + 0.5 = 4.0 (err 0)
	# RMSE = sqrt((0.09 + 0.4225 + 0.9025 + 0.36 + 0) / 5) = sqrt(0.355) = 0.5958188
	# MAE  = (0.3 + 0.65 + 0.95 + 0.6 + 0) / 5 = 0.5
	near "$output" .rmse 0.5958188
	near "$output" .mae 0.5
	[ "$(jq -c '[.n, .fallback]' <<<"$output")" = "[5,2]" ]
	[ "$(jq -c 'keys' <<<"$output")" = '["fallback","mae","n","rmse"]' ]
}

@test "evaluate: predictions are clipped to the model's rating scale unless --no-clip" {
	# global mean 4.9: u1 with the unknown item c falls back to 4.9 + 0.5 = 5.4, clipped to 5
	mkmodel model.st 4.9
	printf 'u1\tc\t5\n' | fixture ratings test.st
	run evaluate --model=model.st --test=test.st
	near "$output" .rmse 0
	run evaluate --model=model.st --test=test.st --no-clip
	near "$output" .rmse 0.4
	near "$output" .mae 0.4
}

@test "evaluate: a test set sharing no id with the model is an error" {
	mkmodel
	printf 'y\tc\t4\nz\td\t3\n' | fixture ratings test.st
	run -65 evaluate --model=model.st --test=test.st
	[ "$output" = "evaluate: test.st: no user or item id in common with the model model.st" ]
}

@test "evaluate: an implicit-feedback model is refused for rating errors" {
	mkmodel model.st 0 ',"feedback":"implicit"'
	printf 'u1\ta\t4\n' | fixture ratings test.st
	run -65 evaluate --model=model.st --test=test.st
	[[ "$output" == *"model.st: an implicit-feedback model predicts scores"* ]]
}

@test "evaluate: containers of the wrong kind and empty test sets are refused" {
	mkmodel
	printf 'u1\ta\t4\n' | fixture ratings test.st
	run -65 evaluate --model=test.st --test=test.st
	[[ "$output" == *"test.st: a 'ratings' container, expected 'model'"* ]]
	run -65 evaluate --model=model.st --test=model.st
	[[ "$output" == *"model.st: a 'model' container, expected 'ratings'"* ]]
	: | fixture ratings empty.st
	run -65 evaluate --model=model.st --test=empty.st
	[ "$output" = "evaluate: empty.st: the test set holds no ratings" ]
	printf 'garbage' >bad.st
	run -65 evaluate --model=model.st --test=bad.st
	run -66 evaluate --model=missing.st --test=test.st
}

# Test set, items i1 .. i8 (i6 .. i8 in the table, rated by nobody):
#   A: i1=5 i2=3 i3=4 (relevant at >= 4: i1 i3)   B: i2=4 i4=2 (i2)
#   C: i5=1 (none)                                 D: i4=5 (i4)
mktest() {
	printf 'A\ti1\t5\nA\ti2\t3\nA\ti3\t4\nB\ti2\t4\nB\ti4\t2\nC\ti5\t1\nD\ti4\t5\nE\ti6\t1\nE\ti7\t1\nE\ti8\t1\n' |
		fixture ratings test.st
}

@test "evaluate: top-k metrics of recommendation lines match the hand computation" {
	mktest
	cat >recs.ndjson <<-'EOF'
	{"user":"A","recs":[{"item":"i1","score":3,"rank":1},{"item":"i4","score":2,"rank":2},{"item":"i3","score":1,"rank":3},{"item":"i2","score":0,"rank":4}],"source":"mf"}
	{"user":"B","recs":[{"item":"zz","score":2,"rank":1},{"item":"i2","score":1,"rank":2}],"source":"mf"}
	{"user":"C","recs":[{"item":"i1","score":1,"rank":1}],"source":"mf"}
	{"user":"Q","recs":[{"item":"i5","score":1,"rank":1}],"source":"mf"}
	EOF
	run_both evaluate --test=test.st -k 3 --relevant-threshold=4 <recs.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# users averaged: A, B and D (C and E have no rating >= 4, Q is not in the test set)
	# A: hits at ranks 1, 3 of 2 relevant: P 2/3, R 1, NDCG (1 + 1/2) / (1 + 1/log2 3) = 0.9197208,
	#    AP (1/1 + 2/3) / 2 = 0.8333333
	# B: hit at rank 2 of 1 relevant: P 1/3, R 1, NDCG (1/log2 3) / 1 = 0.6309298, AP 1/2
	# D: no line: 0
	[ "$(jq -c '[.k, .users, .users_without_recs, .lines]' <<<"$output")" = "[3,3,1,4]" ]
	near "$output" .precision "$(echo '(2/3 + 1/3) / 3' | bc -l)"
	near "$output" .recall "$(echo '2 / 3' | bc -l)"
	near "$output" .ndcg "$(echo '(0.9197207891 + 0.6309297536) / 3' | bc -l)"
	near "$output" .map "$(echo '(5/6 + 1/2) / 3' | bc -l)"
	near "$output" .hit_rate "$(echo '2 / 3' | bc -l)"
	# coverage: i1 i4 i3 (A's top 3), i2 (B), i1 (C), i5 (Q): 5 distinct of 8 items in the table
	near "$output" .coverage 0.625
	# counts over the 8 items: i1 2; i2 i3 i4 i5 1; three 0 (6 in all). Gini, x ascending,
	# weights 2i - 9: (-1 + 1 + 3 + 5 + 7 * 2) / (8 * 6) = 22/48; i1 is in 2 of the 4 lines
	near "$output" .gini "$(echo '22 / 48' | bc -l)"
	[ "$(jq -r .top_item <<<"$output")" = i1 ]
	near "$output" .top_item_share 0.5
}

@test "evaluate: without a threshold every test interaction is relevant" {
	mktest
	echo '{"user":"A","recs":[{"item":"i1"},{"item":"i2"},{"item":"i3"}]}' >recs.ndjson
	run evaluate --test=test.st --recs=recs.ndjson -k 3
	[ "$status" -eq 0 ]
	# every user is scored now (A B C D E): A has 3 relevant, all 3 hit -> 1 everywhere; others 0
	[ "$(jq -c '[.users, .users_without_recs]' <<<"$output")" = "[5,4]" ]
	near "$output" .precision 0.2
	near "$output" .ndcg 0.2
	near "$output" .map 0.2
}

@test "evaluate: -k defaults to 10 and cuts the lists" {
	mktest
	{
		printf '{"user":"D","recs":['
		for i in 1 2 3 5 6 7 8 9 10 11; do printf '{"item":"x%d"},' $i; done
		printf '{"item":"i4"}]}\n'
	} >recs.ndjson
	# D's only relevant item is at rank 11: nothing within the default k = 10
	run evaluate --test=test.st --relevant-threshold=4 <recs.ndjson
	[ "$(jq -c '[.k, .hit_rate]' <<<"$output")" = "[10,0]" ]
	run evaluate --test=test.st --relevant-threshold=4 -k 11 <recs.ndjson
	near "$output" .hit_rate "$(echo '1 / 3' | bc -l)"
}

@test "evaluate: malformed recommendation lines are refused with file:line" {
	mktest
	printf '{"user":"A","recs":[]}\n{"recs":[]}\n' >recs.ndjson
	run -65 evaluate --test=test.st --recs=recs.ndjson
	[ "$output" = 'evaluate: recs.ndjson:2: missing "user" (a string)' ]
	printf '{"user":"A","recs":[]}\n\n{"user":"B","recs":[{"item":"i1"},{"item":"i1"}]}\n' >recs.ndjson
	run -65 evaluate --test=test.st --recs=recs.ndjson
	[ "$output" = "evaluate: recs.ndjson:3: item 'i1' is listed twice" ]
	printf '{"user":"A","recs":[]}\n{"user":"A","recs":[]}\n' >recs.ndjson
	run -65 evaluate --test=test.st <recs.ndjson
	[ "$output" = "evaluate: -:2: user 'A' has a second recommendation line" ]
	printf '{"user":"A","recs":[{"item":1}]}\n' >recs.ndjson
	run -65 evaluate --test=test.st --recs=recs.ndjson
	[ "$output" = 'evaluate: recs.ndjson:1: recs[0]: missing "item" (a string)' ]
	printf '{"user":"A","recs":[}\n' >recs.ndjson
	run -65 evaluate --test=test.st --recs=recs.ndjson
	[[ "$output" == "evaluate: recs.ndjson:1: "* ]]
}

@test "evaluate: a threshold no test rating reaches is an error" {
	mktest
	run -65 evaluate --test=test.st --relevant-threshold=6 <empty.ndjson
	[ "$output" = "evaluate: no test rating reaches the relevant threshold 6" ]
}

@test "evaluate: bad options are usage errors" {
	mktest
	run -64 evaluate -k 0 --test=test.st <empty.ndjson
	run -64 evaluate -k -3 --test=test.st <empty.ndjson
	run -64 evaluate --relevant-threshold=four --test=test.st <empty.ndjson
	run -64 evaluate <empty.ndjson
	[[ "$output" == *"--test is required"* ]]
	run -64 evaluate --test=- <empty.ndjson
	run -64 evaluate --test=test.st extra <empty.ndjson
}

@test "evaluate: rating and ranking metrics together in one line" {
	mkmodel
	printf 'u1\ta\t4\nu2\tb\t2\n' | fixture ratings test.st
	echo '{"user":"u1","recs":[{"item":"a"}]}' >recs.ndjson
	run evaluate --model=model.st --test=test.st --recs=recs.ndjson -k 1
	[ "$status" -eq 0 ]
	# RMSE: errors 0.3 and -0.65 -> sqrt((0.09 + 0.4225) / 2) = 0.5062114; u1 hits, u2 has no line
	near "$output" .rmse 0.5062114
	near "$output" .precision 0.5
	[ "$(jq -c '[.n, .users]' <<<"$output")" = "[2,2]" ]
}

@test "evaluate: ranking metrics on MovieLens 100K agree with an independent computation" {
	skip_unless_data ml-100k/u.data
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$SHARED_DATA/ml-100k/u.data" >all.st
	splitdata --test-fraction=0.2 --seed=3 --train=train.st --test=test.st all.st
	fixture dump test.st >test.tsv
	fixture ids test.st item_ids >items.txt
	# seeded random lists of 12 items (some not in the catalog) for 9 users in 10, and the metrics
	# at k = 10 by the definitions of docs/evaluate.md, in Python
	"$PY3" - >expect.json <<-'PY'
	import json, math, random
	rnd = random.Random(5)
	rel, users = {}, []
	for line in open("test.tsv"):
	    u, i, r, _ = line.rstrip("\n").split("\t")
	    if u not in rel:
	        rel[u] = set()
	        users.append(u)
	    if float(r) >= 4:
	        rel[u].add(i)
	items = open("items.txt").read().split()
	pool = items[:300] + ["nope%d" % j for j in range(20)]
	lists = {}
	with open("recs.ndjson", "w") as f:
	    for u in users + ["stranger"]:
	        if rnd.random() < 0.1:
	            continue
	        lists[u] = rnd.sample(pool, 12)
	        f.write(json.dumps({"user": u, "recs": [{"item": i, "rank": n + 1} for n, i in enumerate(lists[u])]}) + "\n")
	k, s, n = 10, dict(precision=0, recall=0, ndcg=0, map=0, hit_rate=0), 0
	for u, R in rel.items():
	    if not R:
	        continue
	    n += 1
	    hits = [1 if i in R else 0 for i in lists.get(u, [])[:k]]
	    h = sum(hits)
	    s["precision"] += h / k
	    s["recall"] += h / len(R)
	    s["hit_rate"] += h > 0
	    s["ndcg"] += sum(x / math.log2(r + 2) for r, x in enumerate(hits)) / sum(1 / math.log2(r + 2) for r in range(min(k, len(R))))
	    c = ap = 0
	    for r, x in enumerate(hits):
	        if x:
	            c += 1
	            ap += c / (r + 1)
	    s["map"] += ap / min(k, len(R))
	out = {m: v / n for m, v in s.items()}
	out["users"] = n
	catalog = set(items)
	out["coverage"] = len({i for l in lists.values() for i in l[:k] if i in catalog}) / len(items)
	count = {i: 0 for i in items}
	for l in lists.values():
	    for i in l[:k]:
	        if i in catalog:
	            count[i] += 1
	x = sorted(count.values())
	out["gini"] = sum((2 * (j + 1) - len(x) - 1) * v for j, v in enumerate(x)) / (len(x) * sum(x))
	out["top_item_share"] = max(x) / len(lists)
	print(json.dumps(out))
	PY
	run evaluate --test=test.st --recs=recs.ndjson --relevant-threshold=4
	[ "$status" -eq 0 ]
	[ "$(jq .users <<<"$output")" = "$(jq .users expect.json)" ]
	for m in precision recall ndcg map hit_rate coverage gini top_item_share; do
		near "$output" ".$m" "$(jq ".$m" expect.json)"
	done
	# the lists are random: most metrics are small but not zero
	jq -e '.precision > 0 and .users_without_recs > 0' <<<"$output" >/dev/null
}

@test "evaluate: RMSE on MovieLens 100K agrees with an independent computation" {
	skip_unless_data ml-100k/u.data
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$SHARED_DATA/ml-100k/u.data" >all.st
	splitdata --folds=5 --fold=1 --seed=2 --train=train.st --test=test.st all.st
	fixture dump test.st >test.tsv
	# a seeded random model over users and items in reverse order, without every 7th user and
	# every 5th item (they get the fallback); its RMSE and MAE computed in Python
	"$PY3" - >expect.json <<-'PY'
	import json, random, struct, subprocess
	rnd = random.Random(8)
	test = [l.rstrip("\n").split("\t") for l in open("test.tsv")]
	us = sorted({t[0] for t in test}, key=int, reverse=True)
	it = sorted({t[1] for t in test}, key=int, reverse=True)
	us = [u for j, u in enumerate(us) if j % 7]
	it = [i for j, i in enumerate(it) if j % 5]
	k = 3
	f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
	m = {"users": us, "items": it, "k": k, "global_mean": 3.53, "rating_min": 1, "rating_max": 5,
	     "P": [f32(rnd.gauss(0, 0.5)) for _ in range(len(us) * k)],
	     "Q": [f32(rnd.gauss(0, 0.5)) for _ in range(len(it) * k)],
	     "user_bias": [f32(rnd.gauss(0, 0.3)) for _ in us], "item_bias": [f32(rnd.gauss(0, 0.3)) for _ in it]}
	json.dump(m, open("model.json", "w"))
	ui, ii = {u: j for j, u in enumerate(us)}, {i: j for j, i in enumerate(it)}
	se = ae = fb = 0
	for u, i, r, _ in test:
	    p = f32(3.53)
	    a, b = ui.get(u), ii.get(i)
	    p += m["user_bias"][a] if a is not None else 0
	    p += m["item_bias"][b] if b is not None else 0
	    if a is not None and b is not None:
	        p += sum(m["P"][a * k + d] * m["Q"][b * k + d] for d in range(k))
	    else:
	        fb += 1
	    p = min(5, max(1, p))
	    se += (p - float(r)) ** 2
	    ae += abs(p - float(r))
	print(json.dumps({"rmse": (se / len(test)) ** 0.5, "mae": ae / len(test), "n": len(test), "fallback": fb}))
	PY
	fixture model model.st <model.json
	run evaluate --model=model.st --test=test.st
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.n, .fallback]' <<<"$output")" = "$(jq -c '[.n, .fallback]' expect.json)" ]
	[ "$(jq .fallback <<<"$output")" -gt 1000 ]
	near "$output" .rmse "$(jq .rmse expect.json)"
	near "$output" .mae "$(jq .mae expect.json)"
}
