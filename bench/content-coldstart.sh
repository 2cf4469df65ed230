#!/usr/bin/env bash
# bench/content-coldstart.sh - cold-start evaluation of the content model (cbtrain) and the hybrid:
# recall@10 and NDCG@10 overall and on new products, on UCI Online Retail (time split) and on the
# example shop (shopgen, a time split where the products launched after the cut are new).
#
# Protocol (Online Retail): ratings2mat --preset=online-retail, splitdata --before=2011-11-01 as
# bench/retail-topn.sh; the catalog (titles, prices) from shopimport of the same CSV. "New
# products" are those with test purchases and no train entry (first sold after the cut): CF and
# popularity cannot score them. The "new" rows are evaluate over the test purchases of new
# products only (the customers who bought one). Recommenders: popular, ials (svdtrain | topk),
# content (cbtrain --ratings=train | topk), the hybrid (recmerge of ials and content), and the
# new-product baseline: 10 products drawn at random among the new ones per customer (seeded).
# Online Retail has no categories. Every recommender: --seen=train -n 10 for every customer.
# Targets (issue 22): hybrid overall recall@10 >= 1.05 x the best single model; hybrid
# new-product recall@10 >= 3 x the random baseline's.
#
# The shop: shopgen purchases, split 60 days before the end; every 10th product is "launched" at
# the cut: its train purchases are removed, so it has no history (shopgen --new-products adds
# products with no history at all, which no test purchase can reach). category-popular
# joins the table: the most bought products of the customer's most bought category, then the most
# bought overall (computed with jq from the train matrix; popular has no such mode).
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
shared=${RECMAIL_SHARED_DATA:-$root/../shared/data}
data=$shared/online-retail/online_retail.csv
k=10
IALS_OPTS=${IALS_OPTS:---factors=32 --alpha=2 --reg=10 --epochs=15 --seed=1}
CB_OPTS=${CB_OPTS:-}
HYBRID=${HYBRID:---method=score --weights=ials=0.7,content=0.3}
HYBRID_NEW=${HYBRID_NEW:---method=rrf --weights=ials=1,new=0.9}

for p in ratings2mat splitdata evaluate svdtrain topk popular recmerge cbtrain shopimport shopgen matinfo; do
	if [ ! -x "$bin/$p" ]; then
		echo "content-coldstart: skipped: $bin/$p is not built (make)"
		exit 0
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu() { awk '{ print $1 + $2 }' "$1"; }

# items DUMP: the items with an entry in a container, one a line, sorted
items() { matinfo --dump "$1" | jq -r '.items | keys[]' | sort -u; }

# only_new TEST NEWLIST OUT: the test container cut to the purchases of the listed products
only_new() {
	matinfo --dump "$1" | jq -c --rawfile n "$2" '($n | split("\n") | map(select(. != "")) |
	    map({(.): true}) | add // {}) as $new | .user as $u | .items | to_entries[] |
	    select($new[.key]) | {user: $u, item: .key, event: "purchase", qty: 1}' |
	    ratings2mat --implicit - >"$3" 2>/dev/null
}

# random_new RECS NEWLIST OUT: per user line, k products drawn among the new ones (seed 1)
random_new() {
	jq -r .user "$1" | awk -v k=$k -v list="$2" 'BEGIN { srand(1); while ((getline l <list) > 0) n[m++] = l }
	    { printf "{\"user\":%s,\"recs\":[", "\"" $0 "\""
	      for (i = 0; i < m; i++) p[i] = n[i]
	      for (j = 0; j < k && j < m; j++) { r = j + int(rand() * (m - j)); t = p[j]; p[j] = p[r]; p[r] = t
	        printf "%s{\"item\":\"%s\",\"score\":%d,\"rank\":%d,\"reason\":{\"type\":\"model\"}}", j ? "," : "", p[j], k - j, j + 1 }
	      print "],\"source\":\"mf\"}" }' >"$3"
}

# row NAME RECS TEST TESTNEW: one line of the table
row() {
	local m mn
	m=$(evaluate --test="$3" --recs="$2" -k $k) || { printf '%-16s evaluate failed\n' "$1"; return; }
	mn=$(evaluate --test="$4" --recs="$2" -k $k) || { printf '%-16s evaluate failed\n' "$1"; return; }
	printf '%-16s %9.4f %9.4f %9.4f %9.4f %7s\n' "$1" "$(jq .recall <<<"$m")" "$(jq .ndcg <<<"$m")" \
	    "$(jq .recall <<<"$mn")" "$(jq .ndcg <<<"$mn")" "${5:-}"
	echo "$1 $(jq .recall <<<"$m") $(jq .recall <<<"$mn")" >>"$tmp/scores.$6"
}

# timed OUT CMD...: runs CMD, CPU seconds into $tmp/cpu
timed() { /usr/bin/time -f '%U %S' -o "$tmp/time" "$@" && cpu "$tmp/time" >"$tmp/cpu"; }

# evaluate_set NAME TRAIN TEST CATALOG: the table of one data set
evaluate_set() {
	local name=$1 t=$2 test=$3 catalog=$4 d=$tmp/$1
	mkdir -p "$d"
	items "$t" >"$d/train_items"
	items "$test" >"$d/test_items"
	comm -13 "$d/train_items" "$d/test_items" >"$d/new"
	only_new "$test" "$d/new" "$d/test_new.st"
	echo "# $name: $(wc -l <"$d/new") new products (test purchases, no train entry);" \
	    "$(matinfo --dump "$d/test_new.st" | jq -s 'map(select(.items != {})) | length') customers bought one"
	printf '%-16s %9s %9s %9s %9s %7s\n' algo "recall@$k" "ndcg@$k" "new_rec@$k" "new_ndcg" cpu_s
	timed popular --ratings="$t" --seen="$t" --all -n $k -o "$d/popular.ndjson"
	row popular "$d/popular.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	timed bash -c "svdtrain --algo=ials $IALS_OPTS '$t' -o '$d/ials.st' 2>/dev/null &&
	    topk --model='$d/ials.st' --seen='$t' --all -n $k -o '$d/ials.ndjson'"
	row ials "$d/ials.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	timed bash -c "cbtrain --catalog='$catalog' --ratings='$t' $CB_OPTS -o '$d/content.st' 2>/dev/null &&
	    topk --model='$d/content.st' --seen='$t' --all -n $k -o '$d/content.ndjson'"
	row content "$d/content.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	timed recmerge $HYBRID -n $k -i ials="$d/ials.ndjson" -i content="$d/content.ndjson" \
	    -o "$d/hybrid.ndjson"
	row hybrid "$d/hybrid.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	timed recmerge --method=rrf -n $k -i ials="$d/ials.ndjson" -i content="$d/content.ndjson" \
	    -o "$d/hybrid-rrf.ndjson"
	row hybrid-rrf "$d/hybrid-rrf.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	# the content model's ranking among the products with no history, blended in by rank: the
	# CF list keeps its order and new products take every other place after the first few
	jq -R -c '{item: .}' "$d/train_items" >"$d/has-history.ndjson"
	topk --model="$d/content.st" --seen="$t" --exclude="$d/has-history.ndjson" --all -n $k \
	    -o "$d/content-new.ndjson"
	row content-new "$d/content-new.ndjson" "$test" "$d/test_new.st" "" "$name"
	timed recmerge $HYBRID_NEW -n $k -i ials="$d/ials.ndjson" -i new="$d/content-new.ndjson" \
	    -o "$d/hybrid-new.ndjson"
	row hybrid-new "$d/hybrid-new.ndjson" "$test" "$d/test_new.st" "$(cat "$tmp/cpu")" "$name"
	random_new "$d/ials.ndjson" "$d/new" "$d/random.ndjson"
	row random-new "$d/random.ndjson" "$test" "$d/test_new.st" "" "$name"
	if [ -n "${5:-}" ]; then
		category_popular "$t" "$catalog" "$d"
		row category-popular "$d/catpop.ndjson" "$test" "$d/test_new.st" "" "$name"
	fi
	targets "$name"
}

# category_popular TRAIN CATALOG DIR: the most bought products of each customer's favourite
# category (the one they bought most often), then the most bought overall, never one they have
category_popular() {
	matinfo --dump "$1" | jq -c -s --argjson k $k \
	    --slurpfile cat <(jq -s 'map({(.item): .category}) | add' "$2") '
	    ($cat[0]) as $c
	    | (map(.items | keys[]) | group_by(.) | map({item: .[0], n: length})
	       | sort_by(-.n, .item) | map(.item)) as $all
	    | (reduce $all[] as $i ({}; .[($c[$i] // "")] += [$i])) as $bycat
	    | .[] | .user as $u | .items as $h
	    | ([$h | keys[] | $c[.] // empty] | group_by(.) | max_by(length) | .[0]?) as $fav
	    | ((if $fav then $bycat[$fav] else [] end) + $all) as $cand
	    | (reduce $cand[] as $i ({l: [], s: {}};
	        if $h[$i] != null or .s[$i] or (.l | length) >= $k then . else .l += [$i] | .s[$i] = true end)
	       | .l) as $r
	    | {user: $u, recs: [$r | to_entries[] | {item: .value, score: ($k - .key),
	       rank: (.key + 1), reason: {type: "popular"}}], source: "popular"}' >"$3/catpop.ndjson"
}

targets() {
	local s=$tmp/scores.$1 best h hn rn
	best=$(awk '$1 == "popular" || $1 == "ials" || $1 == "content" || $1 == "category-popular" { if ($2 > b) b = $2 } END { print b + 0 }' "$s")
	h=$(awk '$1 == "hybrid" { print $2 }' "$s")
	hn=$(awk '$1 == "hybrid" { print $3 }' "$s")
	rn=$(awk '$1 == "random-new" { print $3 }' "$s")
	if [ "$(echo "$h >= 1.05 * $best" | bc -l)" -eq 1 ]; then r=PASS; else r=MISS; fi
	printf '# %s: %s: hybrid recall@%d %.4f = %.3f x the best single model %.4f (target 1.05x)\n' \
	    "$1" "$r" $k "$h" "$(echo "$h / $best" | bc -l)" "$best"
	if [ "$(echo "$rn > 0" | bc -l)" -eq 1 ]; then
		if [ "$(echo "$hn >= 3 * $rn" | bc -l)" -eq 1 ]; then r=PASS; else r=MISS; fi
		printf '# %s: %s: hybrid new-product recall@%d %.4f = %.2f x random-new %.4f (target 3x)\n' \
		    "$1" "$r" $k "$hn" "$(echo "$hn / $rn" | bc -l)" "$rn"
	else
		printf '# %s: hybrid new-product recall@%d %.4f; random-new 0\n' "$1" $k "$hn"
	fi
}

echo "# content-coldstart: content model and hybrid on new products (cbtrain $CB_OPTS;"
echo "# ials $IALS_OPTS; hybrid: recmerge $HYBRID ials content; every list -n $k --seen=train)"
if [ -r "$data" ]; then
	echo
	echo "## UCI Online Retail, train before 2011-11-01"
	shopimport -d "$tmp/imp" "$data" >/dev/null 2>&1 || exit 1
	ratings2mat --preset=online-retail "$data" >"$tmp/all.st" 2>/dev/null || exit 1
	splitdata --before=2011-11-01 --train="$tmp/train.st" --test="$tmp/test.st" "$tmp/all.st" \
	    2>/dev/null || exit 1
	evaluate_set retail "$tmp/train.st" "$tmp/test.st" "$tmp/imp/catalog.ndjson"
else
	echo "content-coldstart: online retail skipped: $data is absent"
fi

echo
echo "## The example shop (shopgen --seed=1): purchases; every 10th product launched at the cut"
# Train: purchases before the last 60 days, without those of every 10th product (sku0010,
# sku0020, ...: they are the new ones, with no history); test: the purchases after the cut.
shopgen --seed=1 --out-dir="$tmp/shop" || exit 1
cut=$((1793491200 - 60 * 86400))
jq -c --argjson cut $cut 'select(.event == "purchase" and .ts < $cut and
    (.item | ltrimstr("sku") | tonumber) % 10 != 0)' "$tmp/shop/events.ndjson" |
    ratings2mat --implicit - >"$tmp/shop-train.st" 2>/dev/null || exit 1
jq -c --argjson cut $cut 'select(.event == "purchase" and .ts >= $cut)' "$tmp/shop/events.ndjson" |
    ratings2mat --implicit - >"$tmp/shop-test.st" 2>/dev/null || exit 1
evaluate_set shop "$tmp/shop-train.st" "$tmp/shop-test.st" "$tmp/shop/catalog.ndjson" catpop
