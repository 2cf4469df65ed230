#!/usr/bin/env bash
# bench/content-speed.sh - the content model's speed: cbtrain on a large synthetic catalog, topk on
# the content model against topk on a factor model of the same size (the issue's bound: within 2x),
# and the dense projection + sgemm against the exact sparse loop (time and top-10 agreement).
# Synthetic data from bench/content-gen.c and bench/topk-gen.c. Not a test: it prints figures.
# PRODUCTS (default 1000000), USERS x ITEMS (default 20000 x 100000), K (default 64) set the sizes.
set -eu
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${RECMAIL_BIN:-$root/bin}"
PRODUCTS=${PRODUCTS:-1000000}
USERS=${USERS:-20000}
ITEMS=${ITEMS:-100000}
K=${K:-64}
SPARSE_USERS=${SPARSE_USERS:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin/cbtrain" ] && [ -f "$root/build/librecmail.a" ] || { echo "content-speed: run 'make' first"; exit 0; }
PKGS="openblas lapacke libcurl jansson libcrypto libutf8proc libmicrohttpd"
# shellcheck disable=SC2046
for g in content-gen topk-gen; do
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) -o "$tmp/$g" \
		"$root/bench/$g.c" "$root/build/librecmail.a" $(pkg-config --libs $PKGS) -lstemmer -lm -pthread
done
# timed NAME CMD...: wall and CPU seconds and peak RSS of CMD (stdout discarded)
timed() {
	local name=$1 s e
	shift
	s=$(date +%s.%N)
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; return 1; }
	e=$(date +%s.%N)
	read -r us ss rss <"$tmp/time"
	printf '%-40s wall %7.2f s  cpu %7.2f s  peak %6.0f MiB\n' "$name" "$(echo "$e - $s" | bc -l)" \
	    "$(echo "$us + $ss" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
	echo "$us + $ss" | bc -l >"$tmp/cpu.$name"
}

echo "== content-speed ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
echo "-- 1. cbtrain on $PRODUCTS products (4 title and 12 description words each, 1,000 categories,"
echo "   10,000 brands), K=$K, no ratings"
"$tmp/content-gen" catalog "$PRODUCTS" >"$tmp/big.ndjson"
printf '   catalog: %s MiB\n' "$(( $(stat -c %s "$tmp/big.ndjson") / 1048576 ))"
timed "cbtrain $PRODUCTS products" "$bin/cbtrain" --catalog "$tmp/big.ndjson" -k "$K" -o "$tmp/big.st"
rm -f "$tmp/big.ndjson" "$tmp/big.st"

echo "-- 2. topk --all -n 10: $USERS users (20 seen items each) x $ITEMS items, K=$K,"
echo "   the content model (cbtrain --ratings) against a factor model of the same size (topk-gen)"
"$tmp/content-gen" catalog "$ITEMS" >"$tmp/cat.ndjson"
"$tmp/topk-gen" seen "$tmp/seen.st" "$USERS" "$ITEMS" 20
"$tmp/topk-gen" model "$tmp/mf.st" "$USERS" "$ITEMS" "$K"
timed "cbtrain $ITEMS products + $USERS profiles" "$bin/cbtrain" --catalog "$tmp/cat.ndjson" \
    --ratings "$tmp/seen.st" -k "$K" -o "$tmp/content.st"
timed "topk, factor model" "$bin/topk" --model "$tmp/mf.st" --seen "$tmp/seen.st" --all -n 10
timed "topk, content model" "$bin/topk" --model "$tmp/content.st" --seen "$tmp/seen.st" --all -n 10
mf=$(cat "$tmp/cpu.topk, factor model")
ct=$(cat "$tmp/cpu.topk, content model")
bt=$(cat "$tmp/cpu.cbtrain $ITEMS products + $USERS profiles")
printf '   content topk / factor topk: %.2fx CPU; (cbtrain + topk) / topk: %.2fx (bound: 2x)\n' \
    "$(echo "$ct / $mf" | bc -l)" "$(echo "($bt + $ct) / $mf" | bc -l)"

echo "-- 3. scoring $SPARSE_USERS users against all $ITEMS items: dense K=$K sgemm (as topk) vs the"
echo "   exact sparse loop over an inverted index; agreement = share of the exact top 10 in the dense one"
"$tmp/content-gen" score "$tmp/content.st" "$tmp/seen.st" "$SPARSE_USERS" | sed 's/^/   /'
for k2 in 256; do
	"$bin/cbtrain" --catalog "$tmp/cat.ndjson" --ratings "$tmp/seen.st" -k $k2 -o "$tmp/c2.st" 2>/dev/null
	echo "   K=$k2:"
	"$tmp/content-gen" score "$tmp/c2.st" "$tmp/seen.st" "$SPARSE_USERS" | sed 's/^/   /'
done
