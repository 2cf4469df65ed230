#!/usr/bin/env bash
# bench/ml100k-topn.sh - top-10 ranking quality of every recommender on MovieLens 100K, all
# scored by the project's evaluate on the same split.
#
# Protocol: all 100,000 ratings of ml-100k/u.data; one random 80/20 split of the ratings
# (splitdata --test-fraction=0.2 --seed=42); each recommender learns from the 80% and writes
# 10 recommendations for every user, never an item the user rated in the 80%; a test rating
# >= 4 is relevant; precision@10, recall@10, NDCG@10, MAP@10 and hit rate averaged over the
# users with at least one relevant test rating (a user without a line scores 0), catalog
# coverage over the 1682 items, the Gini index of how often each item is recommended, and
# top_share: the share of users whose top 10 holds the single most recommended item. A row
# NAME+supportN is NAME's model served with --min-support=N: never an item with fewer than N
# ratings in the 80% (its secs: topk alone, the model is NAME's). The row "example" is the
# model of examples/movielens/campaign.conf (TRAIN_OPTS); the last lines check it against the
# issue-17 rule: no item to more than 25% of users, NDCG@10 within 5% of the best row.
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
data=${RECMAIL_SHARED_DATA:-$root/../shared/data}/ml-100k/u.data
seed=${SEED:-42}
k=10

if [ ! -r "$data" ]; then
	echo "ml100k-topn: skipped: $data is absent"
	exit 0
fi
for p in ratings2mat splitdata evaluate; do
	if [ ! -x "$bin/$p" ]; then
		echo "ml100k-topn: skipped: $bin/$p is not built (make)"
		exit 0
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

echo "# ml100k-topn: top-$k recommendations on MovieLens 100K"
echo "# data: $data; split: splitdata --test-fraction=0.2 --seed=$seed"
echo "# relevant: test rating >= 4; metrics by evaluate -k $k --relevant-threshold=4"
echo "# reference: a recommender should beat 'popular' (most-rated items) on NDCG@$k"
ratings2mat --format=tsv --columns=user,item,rating,ts <"$data" >"$tmp/all.st" || exit 1
splitdata --test-fraction=0.2 --seed="$seed" --train="$tmp/train.st" --test="$tmp/test.st" \
    "$tmp/all.st" || exit 1

# recs NAME: writes NAME's recommendation lines to $tmp/NAME.ndjson; 2 when the program is absent
recs() {
	local t=$tmp/train.st base=${1%%+*} sup=1
	case $1 in
	*+support*) sup=${1##*+support} ;;
	esac
	case $base in
	example)
		[ -x "$bin/svdtrain" ] && [ -x "$bin/topk" ] || return 2
		# shellcheck disable=SC1091,SC2046
		svdtrain $(. "$root/examples/movielens/campaign.conf" && echo "$TRAIN_OPTS") "$t" \
		    >"$tmp/example.st" &&
		    topk --model="$tmp/example.st" --seen="$t" --all -n $k >"$tmp/$1.ndjson" ;;
	sgd | als | ials)
		[ -x "$bin/svdtrain" ] && [ -x "$bin/topk" ] || return 2
		{ [ -s "$tmp/$base.st" ] || svdtrain --algo="$base" "$t" >"$tmp/$base.st"; } &&
		    topk --model="$tmp/$base.st" --seen="$t" --all -n $k --min-support="$sup" \
		    >"$tmp/$1.ndjson" ;;
	itemknn)
		[ -x "$bin/itemknn" ] || return 2
		itemknn --ratings="$t" --seen="$t" --all -n $k >"$tmp/$1.ndjson" ;;
	popular)
		[ -x "$bin/popular" ] || return 2
		popular --ratings="$t" --seen="$t" --all -n $k >"$tmp/$1.ndjson" ;;
	esac
}

printf '%-14s %9s %9s %9s %9s %9s %9s %6s %9s %7s\n' algo "prec@$k" "recall@$k" "ndcg@$k" \
    "map@$k" hit_rate coverage gini top_share secs
for a in sgd als ials itemknn popular sgd+support20 als+support20 example; do
	t0=$(now)
	recs "$a"
	rc=$?
	t1=$(now)
	if [ $rc -eq 2 ]; then
		printf '%-14s skipped: the program is not built\n' "$a"
		continue
	elif [ $rc -ne 0 ]; then
		printf '%-14s failed (status %d)\n' "$a" "$rc"
		continue
	fi
	m=$(evaluate --test="$tmp/test.st" --recs="$tmp/$a.ndjson" -k $k --relevant-threshold=4) ||
	    { printf '%-14s evaluate failed\n' "$a"; continue; }
	printf '%-14s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %6.3f %9.4f %7.2f\n' "$a" \
	    "$(jq .precision <<<"$m")" "$(jq .recall <<<"$m")" "$(jq .ndcg <<<"$m")" \
	    "$(jq .map <<<"$m")" "$(jq .hit_rate <<<"$m")" "$(jq .coverage <<<"$m")" \
	    "$(jq .gini <<<"$m")" "$(jq .top_item_share <<<"$m")" "$(echo "$t1 - $t0" | bc -l)"
	[ "$a" = example ] || echo "$a $(jq .ndcg <<<"$m")" >>"$tmp/ndcg"
	[ "$a" = example ] && echo "$(jq .ndcg <<<"$m") $(jq .top_item_share <<<"$m")" >"$tmp/example"
done
if [ -s "$tmp/ndcg" ] && grep -q '^popular ' "$tmp/ndcg"; then
	pop=$(awk '$1 == "popular" { print $2 }' "$tmp/ndcg")
	echo
	while read -r a v; do
		[ "$a" = popular ] && continue
		if [ "$(echo "$v > $pop" | bc -l)" -eq 1 ]; then
			printf '%-14s NDCG@%d %.4f vs popular %.4f: beats the baseline\n' "$a" $k "$v" "$pop"
		else
			printf '%-14s NDCG@%d %.4f vs popular %.4f: below the baseline\n' "$a" $k "$v" "$pop"
		fi
	done <"$tmp/ndcg"
fi
if [ -s "$tmp/example" ] && [ -s "$tmp/ndcg" ]; then
	read -r en es <"$tmp/example"
	read -r ba bn < <(sort -k2,2gr "$tmp/ndcg" | head -1)
	echo
	printf 'example (%s): NDCG@%d %.4f = %.1f%% of the best (%s %.4f; rule: >= 95%%), most recommended item to %.1f%% of users (rule: <= 25%%)\n' \
	    "$( (. "$root/examples/movielens/campaign.conf" && echo "$TRAIN_OPTS") )" $k "$en" \
	    "$(echo "100 * $en / $bn" | bc -l)" "$ba" "$bn" "$(echo "100 * $es" | bc -l)"
fi
