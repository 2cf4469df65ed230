#!/usr/bin/env bash
# bench/ml100k-tune.sh - grid, random and Bayesian search (tune) over ials's factors, reg and alpha on
# MovieLens 100K, the split of bench/ml100k-topn.sh (splitdata --test-fraction=0.2 --seed=42, a test
# rating >= 4 is relevant, NDCG@10 by evaluate). The grid has 3 x 4 x 4 = 48 points; random and
# Bayesian search get a quarter of that (12 trials each, Bayesian starting from 4 random ones).
# Prints each method's best NDCG@10 and settings, the ratio to the grid's best, EASE with its reg
# tuned by 8 Bayesian trials (the strong item-item baseline), and the ials defaults' NDCG@10. Not a test: it never fails on the figures.
# Note: the search is scored on the test split itself (as the issue's protocol compares methods);
# for settings to ship, tune on a split of the training data (tune --ratings train.st --folds K).
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
data=${RECMAIL_SHARED_DATA:-$root/../shared/data}/ml-100k/u.data
JOBS=${JOBS:-1}
if [ ! -r "$data" ]; then
	echo "ml100k-tune: skipped: $data is absent"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ratings2mat --format=tsv --columns=user,item,rating,ts <"$data" >"$tmp/all.st" 2>/dev/null || exit 1
splitdata --test-fraction=0.2 --seed=42 --train="$tmp/train.st" --test="$tmp/test.st" "$tmp/all.st" || exit 1
space='factors=16,32,64 reg=log:5:200 alpha=log:0.5:20'
common=(--train "$tmp/train.st" --test "$tmp/test.st" --relevant-threshold 4 --space "$space"
	--train-opts "--algo=ials --epochs=15" --jobs "$JOBS" --seed 1)
echo "# ml100k-tune: ials on MovieLens 100K, 80/20 split seed 42, NDCG@10 (relevant: rating >= 4)"
echo "# space: $space; grid-points 4; jobs $JOBS; load $(cut -d' ' -f1 /proc/loadavg)"
best() { awk '/^best: /{ print $5, substr($0, index($0, $6)) }' "$1"; }
for m in grid random bayes; do
	case $m in
	grid) n=48 ;;
	*) n=12 ;;
	esac
	t0=$(date +%s.%N)
	tune "${common[@]}" --method "$m" --trials "$n" --init 4 --grid-points 4 >"$tmp/$m.txt" 2>/dev/null
	t1=$(date +%s.%N)
	printf '%-7s %3d trials  best NDCG@10 %s  (%.0f s)\n' "$m" "$n" "$(best "$tmp/$m.txt")" "$(echo "$t1 - $t0" | bc)"
done
g=$(best "$tmp/grid.txt" | cut -d' ' -f1 | tr -d ,:)
for m in random bayes; do
	v=$(best "$tmp/$m.txt" | cut -d' ' -f1 | tr -d ,:)
	awk -v v="$v" -v g="$g" -v m="$m" 'BEGIN { printf "%s / grid best: %.4f (target for bayes: >= 0.99 with a quarter of the trials)\n", m, v / g }'
done
# EASE (svdtrain --algo=ease), its one knob tuned by the same Bayesian search
tune --train "$tmp/train.st" --test "$tmp/test.st" --relevant-threshold 4 --space 'reg=log:30:3000' \
	--train-opts "--algo=ease" --method bayes --trials 8 --init 3 --seed 1 >"$tmp/ease.txt" 2>/dev/null
printf '%-7s %3d trials  best NDCG@10 %s\n' ease 8 "$(best "$tmp/ease.txt")"
svdtrain --algo=ials -o "$tmp/def.st" "$tmp/train.st" 2>/dev/null
d=$(topk --model="$tmp/def.st" --seen="$tmp/train.st" --all -n 10 | evaluate --test="$tmp/test.st" --relevant-threshold=4 | jq -r .ndcg)
b=$(for m in grid random bayes; do best "$tmp/$m.txt" | cut -d' ' -f1 | tr -d ,:; done | sort -g | tail -1)
awk -v d="$d" -v b="$b" 'BEGIN { printf "ials defaults: NDCG@10 %.4f; best tuned %.4f = %+.1f%% (goal: +5%%)\n", d, b, (b / d - 1) * 100 }'
