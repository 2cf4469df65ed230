#!/usr/bin/env bats
# tests/cbtrain.bats - cbtrain: the content model from the catalog, scored by topk (products with no
# history included), its reasons, odd catalogs (empty, non-Latin, duplicate, very long texts), the hybrid.

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	# u1 bought a candle, u2 a teapot; "new1" (a candle) and "new2" (a teapot) have no history
	cat >catalog.ndjson <<-'JSON'
	{"item":"a","title":"Scented Candle","description":"Soy wax, vanilla.","category":"candles","price":9}
	{"item":"b","title":"Blue Teapot","description":"Stoneware, 1 litre.","category":"kitchen","brand":"Oak","price":24}
	{"item":"c","title":"Linen Napkins","category":"textiles","price":12}
	{"item":"d","title":"Cotton Napkins","category":"textiles","price":11}
	{"item":"new1","title":"Pillar Candle","description":"Vanilla soy wax.","category":"candles","price":11}
	{"item":"new2","title":"Green Teapot","category":"kitchen","brand":"Oak","price":27}
	JSON
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" r.st <<-'JSON'
	{"kind":"ratings","feedback":"implicit","users":["u1","u2","u3"],"items":["a","b","c","d"],
	 "entries":[["u1","a",1,1000],["u2","b",1,1000],["u3","c",1,1000],["u3","d",1,1000]]}
	JSON
	cbtrain --catalog catalog.ndjson --ratings r.st -k 256 -o content.st 2>/dev/null
}

setup() {
	setup_scratch
	CONTRACT="$RECMAIL_ROOT/tests/recs-contract.jq"
	cp "$BATS_FILE_TMPDIR"/{catalog.ndjson,r.st,content.st} .
}

@test "cbtrain: --help shows usage, options and an example; --version" {
	run cbtrain --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	[[ "$output" == *"--weighting W"* && *"example:"* ]]
	run cbtrain --version
	[ "$status" -eq 0 ]
	[[ "$output" == "cbtrain "* ]]
}

@test "cbtrain: bad options are usage errors naming the option" {
	run cbtrain --catalog catalog.ndjson
	[ "$status" -eq 64 ]
	[[ "$output" == *"--output is required"* ]]
	run cbtrain --catalog catalog.ndjson -o m.st --lang it
	[ "$status" -eq 64 ]
	[[ "$output" == *"--lang: 'it'"* ]]
	run cbtrain --catalog catalog.ndjson -o m.st -k 3
	[ "$status" -eq 64 ]
	run cbtrain --catalog catalog.ndjson -o m.st --half-life 3
	[ "$status" -eq 64 ]
	[[ "$output" == *"--half-life needs --ratings"* ]]
	run cbtrain --catalog nosuch.ndjson -o m.st
	[ "$status" -eq 66 ]
}

@test "cbtrain: the model is a factor container matinfo and an independent reader open" {
	run matinfo content.st
	[ "$status" -eq 0 ]
	[[ "$output" == *"3 users, 6 items, 256 factors"* ]]
	[[ "$output" == *"algo = content"* && *"weighting = bm25"* ]]
	[[ "$output" == *"features.indptr"* && *"feature_labels.bytes"* ]]
	"$PY3" "$RECMAIL_ROOT/tests/read_container.py" content.st >/dev/null
}

@test "cbtrain: a product with no interactions is scored and recommended with a content reason" {
	echo '{"user":"u1"}' | topk --model content.st --seen r.st -n 2 >out.ndjson
	jq -f "$CONTRACT" out.ndjson
	[ "$(jq -r '.recs[0].item' out.ndjson)" = new1 ]
	[ "$(jq -c '.recs[0].reason | [.type, .because, .action]' out.ndjson)" = '["content","a","bought"]' ]
	[[ "$(jq -r '.recs[0].reason | "\(.shared)=\(.value)"' out.ndjson)" =~ ^(word=(candle|vanilla|soy|wax)|category=candles)$ ]]
	echo '{"user":"u2"}' | topk --model content.st --seen r.st -n 1 >out.ndjson
	[ "$(jq -c '.recs[0] | [.item, .reason.type, .reason.because]' out.ndjson)" = '["new2","content","b"]' ]
	[[ "$(jq -r '.recs[0].reason.shared' out.ndjson)" =~ ^(brand|category|word)$ ]]
}

@test "cbtrain: topk's rules apply to a content model: --missing=drop, stock, category caps" {
	printf '%s\n' '{"item":"a"}' '{"item":"b"}' '{"item":"c"}' '{"item":"d"}' '{"item":"new2"}' >cat2.ndjson
	echo '{"user":"u1"}' | topk --model content.st --seen r.st --catalog cat2.ndjson --missing drop -n 5 >out.ndjson
	[ "$(jq -r '[.recs[].item] | sort | join(" ")' out.ndjson)" = "b c d new2" ]
	echo '{"user":"u3"}' | topk --model content.st --seen r.st --catalog catalog.ndjson --max-per-category 1 -n 4 >out.ndjson
	jq -f "$CONTRACT" out.ndjson
	# u3 has both textiles; one candle (a or new1) and one teapot (b or new2) at most
	[ "$(jq -r '[.recs[].item] | sort | join(" ")' out.ndjson)" = "a b" ]
}

@test "cbtrain: features that fit are exact dimensions; more than --factors are hashed" {
	cbtrain --catalog catalog.ndjson -o auto.st 2>/dev/null
	run matinfo auto.st
	[[ "$output" == *"projection = exact"* ]]
	# the exact cosine of the two candles' unit vectors: the model's item factors' dot product
	"$PY3" - auto.st <<-'PY'
	import json, struct, sys
	b = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", b[:8])[0]
	h = json.loads(b[8:8 + n]); d = b[8 + n:]
	def t(name, f):
	    a, z = h[name]["data_offsets"]; return list(struct.unpack("<%d%s" % ((z - a) // 4, f), d[a:z]))
	k = h["item_factors"]["shape"][1]; q = t("item_factors", "f")
	ind, val, ptr = t("features.indices", "i"), t("features.values", "f"), None
	a, z = h["features.indptr"]["data_offsets"]; ptr = struct.unpack("<%dq" % ((z - a) // 8), d[a:z])
	row = lambda i: {ind[j]: val[j] for j in range(ptr[i], ptr[i + 1])}
	ra, rb = row(0), row(4)
	exact = sum(v * rb.get(f, 0) for f, v in ra.items())
	dense = sum(q[0 * k + j] * q[4 * k + j] for j in range(k))
	assert abs(exact - dense) < 1e-5 and exact > 0.5, (exact, dense)
	PY
	cbtrain --catalog catalog.ndjson -k 8 -o small.st 2>/dev/null
	run matinfo small.st
	# 11 features into 8 dimensions
	[[ "$output" == *"6 items, 8 factors"* && *"features = 11"* && *"projection = hashed"* ]]
}

@test "cbtrain: a duplicate product id is bad data naming the file and line" {
	printf '%s\n' '{"item":"a","title":"x"}' '{"item":"b"}' '{"item":"a"}' >dup.ndjson
	run cbtrain --catalog dup.ndjson -o m.st
	[ "$status" -eq 65 ]
	[ "$output" = 'cbtrain: dup.ndjson:3: duplicate item "a"' ]
	[ ! -e m.st ]
}

@test "cbtrain: empty descriptions, non-Latin text and a 200 KB description build" {
	long=$(head -c 200000 /dev/zero | tr '\0' 'w' | fold -w 9 | tr '\n' ' ')
	{
		echo '{"item":"e1","title":"","description":""}'
		echo '{"item":"e2"}'
		echo '{"item":"g1","title":"Κερί με άρωμα","category":"κεριά"}'
		echo '{"item":"g2","title":"Κερί σόγιας","category":"κεριά"}'
		echo '{"item":"j1","title":"蝋燭セット","lang":"ja"}'
		echo '{"item":"j2","title":"香り蝋燭"}'
		printf '{"item":"l1","title":"Long","description":"%s"}\n' "$long"
		printf '{"item":"l2","title":"Long too","description":"%s"}\n' "$long"
	} >odd.ndjson
	run cbtrain --catalog odd.ndjson -o odd.st
	[ "$status" -eq 0 ]
	[[ "$output" == *"8 products (2 without a kept feature)"* ]]
	run matinfo odd.st
	[[ "$output" == *"0 users, 8 items"* ]]
	# the Greek candles share a word, the Japanese ones the ideographs for "candle"
	echo '{"user":"n","items":["g1","j1"]}' | topk --model odd.st -n 2 >out.ndjson
	jq -f "$CONTRACT" out.ndjson
	[ "$(jq -r '[.recs[].item] | sort | join(" ")' out.ndjson)" = "g2 j2" ]
}

@test "cbtrain: an empty catalog gives an empty model" {
	: >empty.ndjson
	run cbtrain --catalog empty.ndjson -o empty.st
	[ "$status" -eq 0 ]
	run matinfo empty.st
	[[ "$output" == *"0 users, 0 items"* ]]
}

@test "cbtrain: --half-life weighs recent purchases more in the profile" {
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" t.st <<-'JSON'
	{"kind":"ratings","feedback":"implicit","users":["u"],"items":["a","b"],"entries":[["u","a",1,0],["u","b",1,8640000]]}
	JSON
	cbtrain --catalog catalog.ndjson --ratings t.st --half-life 10 -o h.st 2>/dev/null
	echo '{"user":"u"}' | topk --model h.st --seen t.st -n 1 >out.ndjson
	[ "$(jq -r '.recs[0].item' out.ndjson)" = new2 ]
	cbtrain --catalog catalog.ndjson --ratings t.st -o h0.st 2>/dev/null
	run cbtrain --catalog catalog.ndjson --ratings r.st --half-life 10 -o x.st
	[ "$status" -eq 0 ]
}

@test "cbtrain: recmerge blends a content stream with a CF stream and keeps the content reasons" {
	echo '{"user":"u1"}' | topk --model content.st --seen r.st -n 3 >content.ndjson
	echo '{"user":"u1","recs":[{"item":"c","score":2,"rank":1,"reason":{"type":"model"}}],"source":"mf"}' >cf.ndjson
	recmerge --method score --weights cf=0.5,content=0.5 -i cf=cf.ndjson -i content=content.ndjson -n 3 >blend.ndjson
	jq -f "$CONTRACT" blend.ndjson
	[ "$(jq -r '.source' blend.ndjson)" = blend ]
	[ "$(jq -c '[.recs[] | select(.item == "new1") | .reason.type]' blend.ndjson)" = '["content"]' ]
}
