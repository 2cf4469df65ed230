#!/usr/bin/env bash
# bench/retail-topn.sh - top-10 quality of iALS, item-kNN, user-kNN, a blend and popular on UCI
# Online Retail, a time split scored by the project's evaluate; plus the timings of itemknn's two
# similarity computations (sparse accumulator vs sgemm blocks) that justify its default.
#
# Protocol: online_retail.csv -> ratings2mat --preset=online-retail (implicit purchases: a
# (customer, item) value counts the invoice lines; cancellations, non-positive quantities and rows
# without a customer are dropped); splitdata --before=2011-11-01: train on every invoice line before
# 2011-11-01, test on the later ones. Both parts keep the full id tables, so a test customer with
# no train history is still a row of the train matrix, an empty one, and every recommender answers
# it by its cold-start path (--all). Each recommender writes 10 items per customer, never one the
# customer bought in train (--seen=train). Every test interaction is relevant (repeat purchases of
# train items included: no recommender here can score on them). recall@10 and NDCG@10 by
# evaluate -k 10, averaged over the test customers. Target: ials and itemknn at least 2x the
# recall@10 of popular.
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
shared=${RECMAIL_SHARED_DATA:-$root/../shared/data}
data=$shared/online-retail/online_retail.csv
k=10
# The tuned settings (see docs/itemknn.md for the grids they come from).
IALS_OPTS=${IALS_OPTS:---factors=32 --alpha=2 --reg=10 --epochs=15 --seed=1}
KNN_OPTS=${KNN_OPTS:---neighbours=20 --shrink=10 --binary}
UKNN_OPTS=${UKNN_OPTS:---user-based --neighbours=100 --shrink=10 --binary}
BLEND_WEIGHTS=${BLEND_WEIGHTS:-ials=0.5,itemknn=0.5}

if [ ! -r "$data" ]; then
	echo "retail-topn: skipped: $data is absent"
	exit 0
fi
for p in ratings2mat splitdata evaluate svdtrain topk itemknn popular recmerge; do
	if [ ! -x "$bin/$p" ]; then
		echo "retail-topn: skipped: $bin/$p is not built (make)"
		exit 0
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
cpu() { awk '{ print $1 + $2 }' "$1"; }

echo "# retail-topn: top-$k recommendations on UCI Online Retail (implicit purchases)"
echo "# data: $data"
echo "# prepare: ratings2mat --preset=online-retail; split: splitdata --before=2011-11-01"
echo "# every recommender: --seen=train --all -n $k; metrics: evaluate --test=test -k $k"
echo "# (every test purchase relevant); target: ials and itemknn recall@$k >= 2 x popular"
echo "# settings: ials: svdtrain --algo=ials $IALS_OPTS | topk"
echo "#           itemknn: $KNN_OPTS;  userknn: itemknn $UKNN_OPTS"
echo "#           blend: recmerge --method=rrf --weights=$BLEND_WEIGHTS ials itemknn"
ratings2mat --preset=online-retail "$data" >"$tmp/all.st" 2>/dev/null || exit 1
splitdata --before=2011-11-01 --train="$tmp/train.st" --test="$tmp/test.st" -v \
    "$tmp/all.st" 2>&1 | sed 's/^/# /' || exit 1
t=$tmp/train.st

# recs NAME: writes NAME's lines to $tmp/NAME.ndjson
recs() {
	case $1 in
	ials)
		svdtrain --algo=ials $IALS_OPTS "$t" -o "$tmp/ials.st" 2>/dev/null &&
		    topk --model="$tmp/ials.st" --seen="$t" --all -n $k >"$tmp/ials.ndjson" ;;
	itemknn)
		itemknn --ratings="$t" --seen="$t" $KNN_OPTS --all -n $k >"$tmp/itemknn.ndjson" ;;
	userknn)
		itemknn --ratings="$t" --seen="$t" $UKNN_OPTS --all -n $k >"$tmp/userknn.ndjson" ;;
	blend)
		recmerge --weights="$BLEND_WEIGHTS" -n $k "$tmp/ials.ndjson" "$tmp/itemknn.ndjson" \
		    >"$tmp/blend.ndjson" ;;
	popular)
		popular --ratings="$t" --seen="$t" --all -n $k >"$tmp/popular.ndjson" ;;
	esac
}

printf '%-8s %9s %9s %9s %9s %7s %7s\n' algo "recall@$k" "ndcg@$k" hit_rate coverage secs cpu_s
for a in popular ials itemknn userknn blend; do
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$tmp/time" bash -c "$(declare -f recs); $(declare -p tmp t k \
	    IALS_OPTS KNN_OPTS UKNN_OPTS BLEND_WEIGHTS); recs $a" 2>/dev/null
	rc=$?
	t1=$(now)
	if [ $rc -ne 0 ]; then
		printf '%-8s failed (status %d)\n' "$a" "$rc"
		continue
	fi
	m=$(evaluate --test="$tmp/test.st" --recs="$tmp/$a.ndjson" -k $k) ||
	    { printf '%-8s evaluate failed\n' "$a"; continue; }
	printf '%-8s %9.4f %9.4f %9.4f %9.4f %7.2f %7.2f\n' "$a" "$(jq .recall <<<"$m")" \
	    "$(jq .ndcg <<<"$m")" "$(jq .hit_rate <<<"$m")" "$(jq .coverage <<<"$m")" \
	    "$(echo "$t1 - $t0" | bc -l)" "$(cpu "$tmp/time")"
	echo "$a $(jq .recall <<<"$m") $(jq .ndcg <<<"$m")" >>"$tmp/scores"
	[ "$a" = popular ] && echo "#        ($(jq .users <<<"$m") test customers with a purchase; $(jq .lines <<<"$m") lines)"
done
cold=$(jq -r 'select(.source == "popular") | .user' "$tmp/itemknn.ndjson" 2>/dev/null | wc -l)
echo "# itemknn answered $cold customers without train history (or without a neighbour) by popularity"

echo
pop=$(awk '$1 == "popular" { print $2 }' "$tmp/scores")
for a in ials itemknn; do
	v=$(awk -v a="$a" '$1 == a { print $2 }' "$tmp/scores")
	if [ -z "$v" ] || [ -z "$pop" ]; then
		printf '%-8s MISS: no figure\n' "$a"
	elif [ "$(echo "$v >= 2 * $pop" | bc -l)" -eq 1 ]; then
		printf '%-8s PASS: recall@%d %.4f = %.2f x popular %.4f (target 2x)\n' "$a" $k "$v" \
		    "$(echo "$v / $pop" | bc -l)" "$pop"
	else
		printf '%-8s MISS: recall@%d %.4f = %.2f x popular %.4f (target 2x)\n' "$a" $k "$v" \
		    "$(echo "$v / $pop" | bc -l)" "$pop"
	fi
done

# The similarity computation: both methods on both data sets (AUTO picks the faster by a cost
# model: dense multiply-adds rows^2 x cols vs sparse accumulations sum of (rows per column)^2).
echo
echo "# itemknn similarity computation (item-item, K=20, shrink 10, values; whole run, --all -n $k)"
printf '%-14s %-7s %7s %7s %8s\n' data method secs cpu_s maxrss_mb
sim_time() {
	local name=$1 st=$2 m
	for m in sparse dense; do
		t0=$(now)
		/usr/bin/time -f '%U %S %M' -o "$tmp/time" itemknn --ratings="$st" --all --method=$m \
		    >/dev/null || { printf '%-14s %-7s failed\n' "$name" "$m"; continue; }
		t1=$(now)
		printf '%-14s %-7s %7.2f %7.2f %8.1f\n' "$name" "$m" "$(echo "$t1 - $t0" | bc -l)" \
		    "$(cpu "$tmp/time")" "$(awk '{ print $3 / 1024 }' "$tmp/time")"
	done
}
sim_time online-retail "$t"
ml=$shared/ml-100k/u.data
if [ -r "$ml" ]; then
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$ml" >"$tmp/ml.st" 2>/dev/null &&
	    sim_time ml-100k "$tmp/ml.st"
else
	echo "ml-100k: skipped: $ml is absent"
fi
