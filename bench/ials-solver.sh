#!/usr/bin/env bash
# bench/ials-solver.sh - iALS by conjugate gradient against the exact Cholesky solve, side by side in
# one run: a synthetic 10M-cell implicit matrix (bench/svdtrain-gen.c; 200,000 users x 20,000 items,
# 50 per user), 64 factors, 15 iterations, 2 threads; wall, CPU and peak RSS of each, and their
# ratio; then NDCG@10 of both on MovieLens 100K (the split of bench/ml100k-topn.sh) when the data
# is present. The peer the issue names (implicit's CG, 42 s on this input by the issue's own
# measurement) cannot be installed here (no PyPI); its figure is quoted, not measured.
# USERS, ITEMS, PER_USER, EPOCHS, THREADS override the sizes. Not a test: it never fails.
set -eu
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${RECMAIL_BIN:-$root/bin}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin/svdtrain" ] && [ -f "$root/build/librecmail.a" ] ||
	{ echo "ials-solver.sh: run 'make' first"; exit 0; }
users=${USERS:-200000}
items=${ITEMS:-20000}
per=${PER_USER:-50}
epochs=${EPOCHS:-15}
threads=${THREADS:-2}
PKGS="openblas lapacke libcurl jansson libcrypto"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) -o "$tmp/gen" \
	"$root/bench/svdtrain-gen.c" "$root/build/librecmail.a" $(pkg-config --libs $PKGS) -lm -pthread
"$tmp/gen" "$tmp/big.st" "$users" "$items" "$per" 10 0.5 1 implicit
echo "== ials solvers: ${users} x ${items}, $((users * per)) cells, k=64, ${epochs} iterations, ${threads} threads"
echo "   ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
for solver in exact cg; do
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time.$solver" "$bin/svdtrain" --algo=ials --factors=64 \
		--epochs="$epochs" --threads="$threads" --solver="$solver" --log "$tmp/log.$solver" \
		-o "$tmp/m.$solver.st" "$tmp/big.st"
	read -r secs kb usr sys <"$tmp/time.$solver"
	printf '%-6s %7.1f s wall  %7.1f s CPU  %5d MB peak  final loss %s\n' "$solver" "$secs" \
		"$(echo "$usr + $sys" | bc)" $((kb / 1024)) "$(jq -s 'last.loss' "$tmp/log.$solver")"
done
read -r we _ ue se <"$tmp/time.exact"
read -r wc _ uc sc <"$tmp/time.cg"
awk -v we="$we" -v wc="$wc" -v ce="$(echo "$ue + $se" | bc)" -v cc="$(echo "$uc + $sc" | bc)" 'BEGIN {
	printf "cg / exact: %.2f of the wall time, %.2f of the CPU time\n", wc / we, cc / ce
	printf "the issue measured implicit 0.7.2 (its CG) at 42 s wall on 2 threads on this shape, at most 84 CPU s:\n"
	printf "  cg here used %.1f CPU s, %.2f of that bound (implicit not measured here; compare CPU, the machine is shared)\n", cc, cc / 84 }'
data=${RECMAIL_SHARED_DATA:-$root/../shared/data}/ml-100k/u.data
if [ -r "$data" ]; then
	"$bin/ratings2mat" --format=tsv --columns=user,item,rating,ts <"$data" >"$tmp/all.st" 2>/dev/null
	"$bin/splitdata" --test-fraction=0.2 --seed=42 --train="$tmp/train.st" --test="$tmp/test.st" "$tmp/all.st"
	for solver in exact cg; do
		"$bin/svdtrain" --algo=ials --solver="$solver" -o "$tmp/ml.$solver.st" "$tmp/train.st" 2>/dev/null
		n=$("$bin/topk" --model="$tmp/ml.$solver.st" --seen="$tmp/train.st" --all -n 10 |
			"$bin/evaluate" --test="$tmp/test.st" --relevant-threshold=4 | jq -r .ndcg)
		printf 'MovieLens 100K NDCG@10, %-5s %s\n' "$solver" "$n"
		eval "nd_$solver=$n"
	done
	awk -v a="$nd_cg" -v b="$nd_exact" 'BEGIN { printf "cg / exact NDCG@10: %.4f (target: within 1%%)\n", a / b }'
else
	echo "MovieLens 100K is absent: NDCG comparison skipped"
fi
