#!/usr/bin/env bash
# bench/ml100k-reasons.sh - are the reasons true? On MovieLens 100K, for the reasons topk writes
# with the example's model, how often the cited and the recommended film share a genre and how
# often the user rated the recommendation 4+ in a held-out split: by the cited rating (the
# --like-threshold default) and by the similarity (the floor and "a close match").
#
# Protocol: u.data, one random 80/20 split (splitdata --test-fraction=0.2 --seed=42); the model of
# examples/movielens/campaign.conf (TRAIN_OPTS) trained on the 80%; topk --seen=train -n 10 for
# every user with every reason rule off (--like-threshold=0 --min-similarity=-1), so each
# recommendation names its most similar history film. Genres are u.item's 19 flags. "rated" is
# the share of reasons whose recommended film the user rated in the held-out 20%, "4+|rated" the
# share of those rated 4 or 5 (the base rate of 4+ among held-out ratings is printed too).
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$root/bin}
export PATH="$bin:$PATH"
ml=${RECMAIL_SHARED_DATA:-$root/../shared/data}/ml-100k
seed=${SEED:-42}

if [ ! -r "$ml/u.data" ] || [ ! -r "$ml/u.item" ]; then
	echo "ml100k-reasons: skipped: $ml is absent"
	exit 0
fi
for p in ratings2mat splitdata svdtrain topk matinfo; do
	if [ ! -x "$bin/$p" ]; then
		echo "ml100k-reasons: skipped: $bin/$p is not built (make)"
		exit 0
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC1091
TRAIN_OPTS=$(. "$root/examples/movielens/campaign.conf" && echo "$TRAIN_OPTS")

echo "# ml100k-reasons: reasons of topk -n 10 on MovieLens 100K, split seed $seed"
echo "# model: svdtrain $TRAIN_OPTS (examples/movielens/campaign.conf)"
ratings2mat --preset=movielens "$ml/u.data" -o "$tmp/all.st" 2>/dev/null || exit 1
splitdata --test-fraction=0.2 --seed="$seed" --train="$tmp/train.st" --test="$tmp/test.st" \
    "$tmp/all.st" || exit 1
# shellcheck disable=SC2086
svdtrain $TRAIN_OPTS "$tmp/train.st" >"$tmp/model.st" || exit 1
topk --model="$tmp/model.st" --seen="$tmp/train.st" --all -n 10 --like-threshold=0 \
    --min-similarity=-1 >"$tmp/recs.ndjson" || exit 1
matinfo --dump "$tmp/train.st" >"$tmp/train.ndjson" || exit 1
matinfo --dump "$tmp/test.st" >"$tmp/test.ndjson" || exit 1
iconv -f ISO-8859-1 -t UTF-8 "$ml/u.item" |
    jq -R -c 'split("|") | {key: .[0], value: .[5:] | join("")}' | jq -s -c from_entries \
    >"$tmp/genres.json"

# one row per reason: cited rating, above the user's mean (0/1), similarity, same genre (0/1),
# held-out rating of the recommendation (0: not rated)
jq -n -r --slurpfile tr "$tmp/train.ndjson" --slurpfile te "$tmp/test.ndjson" \
    --slurpfile g "$tmp/genres.json" '
	def map_of($x): $x | map({key: .user, value: .items}) | from_entries;
	def share($a; $b): [range(0; $a | length)] | any($a[.:.+1] == "1" and $b[.:.+1] == "1");
	map_of($tr) as $train | map_of($te) as $test | $g[0] as $genre
	| inputs | .user as $u | $train[$u] as $row | ([$row[]] | add / length) as $mean
	| .recs[] | select(.reason.type == "similar")
	| [$row[.reason.because], (if $row[.reason.because] >= $mean then 1 else 0 end),
	   .reason.similarity, (if share($genre[.item]; $genre[.reason.because]) then 1 else 0 end),
	   ($test[$u][.item] // 0)] | @tsv' "$tmp/recs.ndjson" >"$tmp/rows.tsv" || exit 1
base=$(jq -s '[.[].items[]] | (map(select(. >= 4)) | length) / length' "$tmp/test.ndjson")

summary() {
	awk -F'\t' -v base="$base" '
	function row(label, n, g, r, h) {
		printf "%-16s %7d %10.1f%% %8.1f%% %10.1f%%\n", label, n, n ? 100 * g / n : 0,
		    n ? 100 * r / n : 0, r ? 100 * h / r : 0
	}
	{ c = $1; liked = ($1 >= 4 && $2 == 1); s = $3
	  nc[c]++; gc[c] += $4; rc[c] += ($5 > 0); hc[c] += ($5 >= 4)
	  if (liked) for (t = 0; t <= 9; t++) if (s >= t / 10) {
		  nt[t]++; gt[t] += $4; rt[t] += ($5 > 0); ht[t] += ($5 >= 4) }
	  if (liked) { bin = int(s * 10); if (bin < 0) bin = -1; if (bin > 9) bin = 9
		  nb[bin]++; gb[bin] += $4; rb[bin] += ($5 > 0); hb[bin] += ($5 >= 4) } }
	END {
		printf "# held-out ratings that are 4+: %.1f%%\n\n", 100 * base
		printf "by the rating of the cited film (every reason):\n"
		printf "%-16s %7s %11s %9s %11s\n", "cited rating", "reasons", "same genre", "rated", "4+|rated"
		for (c = 1; c <= 5; c++) row(c, nc[c], gc[c], rc[c], hc[c])
		printf "\nreasons the rule allows (cited 4+ and not below the user mean), by similarity:\n"
		printf "%-16s %7s %11s %9s %11s\n", "similarity", "reasons", "same genre", "rated", "4+|rated"
		if (nb[-1]) row("< 0", nb[-1], gb[-1], rb[-1], hb[-1])
		for (b = 0; b <= 9; b++) row(sprintf("[%.1f, %.1f)", b / 10, (b + 1) / 10), nb[b], gb[b], rb[b], hb[b])
		printf "\nthe same, at or above each threshold:\n"
		printf "%-16s %7s %11s %9s %11s\n", "similarity >=", "reasons", "same genre", "rated", "4+|rated"
		for (t = 0; t <= 9; t++) row(sprintf("%.1f", t / 10), nt[t], gt[t], rt[t], ht[t])
	}' "$tmp/rows.tsv"
}
summary
