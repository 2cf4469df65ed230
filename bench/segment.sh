#!/usr/bin/env bash
# bench/segment.sh - k-means speed of segment: 1,000,000 customers x 64 factors into 20 segments,
# 20 iterations, against the target of 10 s on the project's 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${SEGMENT_BENCH_USERS:-1000000}
D=64
K=20
ITERS=20
BIN=${RECMAIL_BIN:-$PWD/bin}
if [ ! -x "$BIN/segment" ] || [ ! -f build/librecmail.a ]; then
	echo "segment bench: run make first" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The data: a model container whose user factors are 20 Gaussian blobs in 64 dimensions
# (centres N(0,1), spread 0.5), made by a small C program against librecmail (model_save).
cat >"$work/gen.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include "data/model.h"
#include "base/rng.h"
int main(int argc, char **argv) {
	long n = atol(argv[1]), d = atol(argv[2]), k = atol(argv[3]);
	struct model m; struct err e; struct rng r; char id[32];
	float *cent = malloc((size_t)(k * d) * sizeof *cent);
	rng_seed(&r, 42);
	if (cent == NULL || model_alloc(&m, n, 1, d, &e) < 0) return 1;
	for (long i = 0; i < k * d; i++) cent[i] = (float)rng_normal(&r);
	for (long u = 0; u < n; u++) {
		long c = (long)rng_below(&r, (uint64_t)k);
		for (long j = 0; j < d; j++) m.P[u * d + j] = cent[c * d + j] + 0.5f * (float)rng_normal(&r);
		snprintf(id, sizeof id, "c%07ld", u);
		if (ids_intern(&m.user_ids, id, (size_t)snprintf(NULL, 0, "c%07ld", u), &e) < 0) return 1;
	}
	if (ids_intern(&m.item_ids, "sku1", 4, &e) < 0) return 1;
	if (model_save(argv[4], &m, &e) < 0) { fprintf(stderr, "%s\n", e.msg); return 1; }
	return 0;
}
CEOF
# shellcheck disable=SC2046
cc -std=c11 -O2 -D_GNU_SOURCE -Ilib $(pkg-config --cflags openblas jansson) -o "$work/gen" "$work/gen.c" \
	build/librecmail.a $(pkg-config --libs openblas lapacke libcurl jansson libcrypto) -lm -pthread
echo "segment bench: $N customers x $D factors (20 blobs), k=$K, $ITERS iterations, 1 restart, seed 1"
echo "machine: $(nproc) cores; OpenBLAS threads: default (all cores)"
t0=$(date +%s.%N)
"$work/gen" "$N" "$D" "$K" "$work/model.st"
t1=$(date +%s.%N)
printf 'data generation: %.2f s, model container %s bytes\n' "$(echo "$t1 - $t0" | bc)" "$(stat -c %s "$work/model.st")"

run() { # label, extra options
	local label=$1 s e
	shift
	s=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$work/cpu" "$BIN/segment" --model "$work/model.st" --k "$K" \
		--iters "$ITERS" --restarts 1 --seed 1 --progress "$@" >"$work/out.ndjson" 2>"$work/err"
	e=$(date +%s.%N)
	grep 'customers x' "$work/err" | sed 's/^/  /'
	printf '%s: %.2f s wall (read, cluster, write %s lines), %.2f s CPU (user+sys)\n' "$label" \
		"$(echo "$e - $s" | bc)" "$(wc -l <"$work/out.ndjson")" \
		"$(awk '{print $1 + $2}' "$work/cpu")"
	echo "  load average now: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: wall times"
	echo "  grow with the load; CPU / $(nproc) cores is what an idle machine would take at best)"
}
run "segment (default: no features with --model)"
if [ "${SEGMENT_BENCH_FEATURES:-0}" = 1 ]; then
	run "segment --features (64 factors written per line)" --features
else
	echo "(SEGMENT_BENCH_FEATURES=1 also times --features: 64 million printf'd numbers, minutes)"
fi
echo "target: clustering under 10 s (the 'customers x ... s' line above: k-means++ start and"
echo "        Lloyd iterations); the wall times add reading the 256 MB model and writing NDJSON"
