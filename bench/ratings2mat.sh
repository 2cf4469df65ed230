#!/usr/bin/env bash
# bench/ratings2mat.sh - ratings2mat's ingest speed (lines/s) and peak memory (max RSS)
#
# Protocol: MovieLens 100K u.data (100,000 lines) as TSV and as NDJSON, and a 20x synthetic
# expansion of it (each user copied 20 times under new ids: 2,000,000 lines, 18,860 users,
# 1,682 items, no duplicates), generated into a temporary directory. Each input is read from a
# file, written to a file, best of 3 runs. lines/s is given per CPU second (user+sys, one core)
# and per wall second. Peak memory is compared with the finished container's data (CSR plus id
# tables, = file size - header).
# Targets (docs/ratings2mat.md): >= 2,000,000 TSV lines/s and >= 500,000 NDJSON lines/s on one
# core; peak memory < 2x the CSR plus id tables. Not a test: it never fails on slowness.
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
SHARED_DATA="${RECMAIL_SHARED_DATA:-$here/../shared/data}"
udata="$SHARED_DATA/ml-100k/u.data"
retail="$SHARED_DATA/online-retail/online_retail.csv"
TIME=/usr/bin/time

if [ ! -r "$udata" ]; then
	echo "ratings2mat bench: skipped, $udata is absent"
	exit 0
fi
if [ ! -x "$bin/ratings2mat" ] || [ ! -x "$bin/matinfo" ] || [ ! -x "$TIME" ]; then
	echo "ratings2mat bench: skipped, needs $bin/ratings2mat, $bin/matinfo and GNU time"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

awk -F'\t' '{ printf "{\"user\":\"%s\",\"item\":\"%s\",\"rating\":%s,\"ts\":%s}\n", $1, $2, $3, $4 }' \
	"$udata" > "$work/ml.ndjson"
awk -F'\t' -v OFS='\t' '{ for (r = 0; r < 20; r++) print $1 "_" r, $2, $3, $4 }' "$udata" > "$work/x20.tsv"
awk -F'\t' '{ printf "{\"user\":\"%s\",\"item\":\"%s\",\"rating\":%s,\"ts\":%s}\n", $1, $2, $3, $4 }' \
	"$work/x20.tsv" > "$work/x20.ndjson"

# run LABEL FILE ARGS...: best of 3
run() {
	local label=$1 file=$2 lines best_cpu=999999 best_wall=999999 rss=0 k cpu wall m
	shift 2
	lines=$(wc -l < "$file")
	for k in 1 2 3; do
		if ! "$TIME" -f '%e %U %S %M' -o "$work/time" "$bin/ratings2mat" "$@" -o "$work/out.st" "$file" \
			2>"$work/err"; then
			echo "$label: ratings2mat failed: $(cat "$work/err")"
			return
		fi
		read -r wall u s m < <(tail -1 "$work/time")
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
		best_cpu=$(awk -v a="$best_cpu" -v b="$cpu" 'BEGIN { print (b < a ? b : a) }')
		best_wall=$(awk -v a="$best_wall" -v b="$wall" 'BEGIN { print (b < a ? b : a) }')
		[ "$m" -gt "$rss" ] && rss=$m
	done
	data=$("$bin/matinfo" --json "$work/out.st" | jq '.file_bytes - .header_bytes')
	awk -v l="$label" -v n="$lines" -v c="$best_cpu" -v w="$best_wall" -v r="$rss" -v d="$data" \
		-v b="$base" 'BEGIN {
		printf "%-20s %8d lines %5.2f s cpu %5.2f s wall %8.0f lines/s cpu %8.0f wall | peak %6.1f MB, CSR+ids %6.1f MB, ratio %.2f (%.2f above the %.1f MB process baseline)\n",
		    l, n, c, w, (c > 0 ? n / c : 0), (w > 0 ? n / w : 0), r / 1024, d / 1048576,
		    r * 1024 / d, (r - b) * 1024 / d, b / 1024 }'
}

# the RSS of the program doing nothing (shared libraries: OpenBLAS, libcurl, libcrypto, jansson)
echo '{"user":"a","item":"b","rating":1}' > "$work/one.ndjson"
"$TIME" -f '%M' -o "$work/time" "$bin/ratings2mat" -o "$work/one.st" "$work/one.ndjson"
base=$(tail -1 "$work/time")
echo "ratings2mat bench on $(uname -m), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
run "ml-100k TSV" "$udata" --format=tsv --columns=user,item,rating,ts
run "ml-100k NDJSON" "$work/ml.ndjson"
run "20x TSV" "$work/x20.tsv" --format=tsv --columns=user,item,rating,ts
run "20x NDJSON" "$work/x20.ndjson"
run "20x TSV --no-ts" "$work/x20.tsv" --format=tsv --columns=user,item,rating,-
if [ -r "$retail" ]; then
	run "online-retail CSV" "$retail" --preset=online-retail
else
	echo "online-retail: skipped, $retail is absent"
fi
echo "targets: >= 2000000 TSV lines/s and >= 500000 NDJSON lines/s per CPU second; ratio (peak / CSR+ids) < 2"
