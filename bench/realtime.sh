#!/usr/bin/env bash
# bench/realtime.sh - issue 24: topk --stream per-line latency, recserve requests/s and p99 under wrk,
# memory over many requests, and the time a model swap takes, on a synthetic USERS x ITEMS, k=64 model
# (default 1,000,000 x 50,000; bench/topk-gen.c). Baselines measured in the same run: the bare sgemm
# of one user, sgemv on one thread (line mode) and wrk against /healthz, which parses and answers without scoring (HTTP).
# Not a test: it prints figures and never fails on slowness. Needs wrk (Debian package wrk) for 2-4.
set -eu
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${RECMAIL_BIN:-$root/bin}"
USERS=${USERS:-1000000} ITEMS=${ITEMS:-50000}
LINES=${LINES:-3000} DURATION=${DURATION:-20} CONNS=${CONNS:-32} MEM_REQUESTS=${MEM_REQUESTS:-1000000}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
[ -x "$bin/recserve" ] && [ -f "$root/build/librecmail.a" ] || { echo "realtime.sh: run 'make' first"; exit 0; }
PKGS="openblas lapacke libcurl jansson libcrypto"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/lib" $(pkg-config --cflags $PKGS) -o "$tmp/gen" \
	"$root/bench/topk-gen.c" "$root/build/librecmail.a" $(pkg-config --libs $PKGS) -lm -pthread

cpu_s() { # CPU seconds (user + system) of process $1 so far
	awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
# wrk_ms FILE PCT: a latency percentile of wrk --latency's output, in ms
wrk_ms() {
	awk -v p="$2%" '$1 == p { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
	    printf "%.2f", u == "us" ? v / 1000 : u == "s" ? v * 1000 : v }' "$1"
}
wrk_rps() { awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$1"; }
wrk_bad() { awk '/Non-2xx/ { n += $NF } /Socket errors/ { for (i = 4; i <= NF; i += 2) n += $i } END { print n + 0 }' "$1"; }

echo "== realtime benchmark ($(nproc) cores, OpenBLAS $(pkg-config --modversion openblas 2>/dev/null || echo '?'), load average $(cut -d' ' -f1 /proc/loadavg), $(free -g | awk '/^Mem/ { print $7 }') GiB available)"
echo "   model: $USERS users x $ITEMS items, k=64, no --seen, -n 10"
"$tmp/gen" model "$tmp/big.st" "$USERS" "$ITEMS" 64
printf '   model file: %s MB\n' "$(( $(stat -c %s "$tmp/big.st") / 1000000 ))"
sg1=$("$tmp/gen" sgemv "$ITEMS" 66)
echo
echo "-- 1. line mode: topk --stream as a coprocess, $LINES lines one at a time (80% known users,"
echo "   10% unknown, 10% known with 3 context items); round trip from write to answer read"
"${PY3:-python3}" "$root/bench/realtime-lines.py" "$LINES" "$USERS" "$ITEMS" -- "$bin/topk" --stream \
	--model "$tmp/big.st" -n 10 | tee "$tmp/lines" | sed 's/^/   /'
p99=$(awk '$1 == "all" { print $8 }' "$tmp/lines")
p50=$(awk '$1 == "all" { print $5 }' "$tmp/lines")
printf '   baseline: the bare product of one user (sgemv %s x 66, one thread, median of 101): %.3f ms; p50 = %.1f x it\n' "$ITEMS" \
	"$(echo "$sg1 * 1000" | bc -l)" "$(echo "$p50 / ($sg1 * 1000)" | bc -l)"
printf '   target p99 < 2 ms: %s\n' "$(if [ "$(echo "$p99 < 2" | bc)" = 1 ]; then echo met; else echo MISSED; fi)"

command -v wrk >/dev/null || { echo; echo "-- 2-4 skipped: wrk is not installed (apt-get install wrk)"; exit 0; }
echo
echo "-- 2. HTTP: recserve (2 HTTP threads, one batching thread), wrk -t2 -c$CONNS -d${DURATION}s on the"
echo "   same 2 cores; requests as in 1 (bench/realtime.lua)"
"$bin/recserve" --model "$tmp/big.st" -n 10 --port 0 --max-connections 2000 2>"$tmp/log" &
pid=$!
for _ in $(seq 600); do grep -q 'listening on' "$tmp/log" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log")
sed 's/^/   /' "$tmp/log"
url="http://127.0.0.1:$port"
wrk -t2 -c"$CONNS" -d5s --latency "$url/healthz" >"$tmp/wh"
c0=$(cpu_s "$pid")
USERS=$USERS ITEMS=$ITEMS wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$root/bench/realtime.lua" "$url/" >"$tmp/w"
c1=$(cpu_s "$pid")
rps=$(wrk_rps "$tmp/w")
printf '   recommendations: %s requests/s, p50 %s ms, p99 %s ms, %s failed; recserve CPU %.1f s for %s s\n' \
	"$rps" "$(wrk_ms "$tmp/w" 50)" "$(wrk_ms "$tmp/w" 99)" "$(wrk_bad "$tmp/w")" "$(echo "$c1 - $c0" | bc -l)" "$DURATION"
printf '   baseline /healthz (no scoring): %s requests/s, p99 %s ms; recommendations at %.3f x its rate\n' \
	"$(wrk_rps "$tmp/wh")" "$(wrk_ms "$tmp/wh" 99)" "$(echo "$rps / $(wrk_rps "$tmp/wh")" | bc -l)"
curl -s "$url/healthz" | sed 's/^/   healthz: /'; echo
printf '   targets: >= 1000 requests/s: %s; p99 < 20 ms: %s\n' \
	"$(if [ "$rps" -ge 1000 ]; then echo met; else echo MISSED; fi)" \
	"$(if [ "$(echo "$(wrk_ms "$tmp/w" 99) < 20" | bc)" = 1 ]; then echo met; else echo MISSED; fi)"

echo
secs=$(( MEM_REQUESTS / (rps > 0 ? rps : 1) + 1 ))
echo "-- 3. memory over about $MEM_REQUESTS requests (${secs} s of wrk at the rate of 2): resident MiB every ~10%"
r0=$(rss_mb "$pid")
USERS=$USERS ITEMS=$ITEMS wrk -t2 -c"$CONNS" -d"${secs}s" -s "$root/bench/realtime.lua" "$url/" >"$tmp/wm" &
w=$!
samples="$r0"
for _ in $(seq 10); do sleep "$(echo "$secs / 10" | bc -l)"; samples="$samples $(rss_mb "$pid")"; done
wait "$w"
n=$(awk '/requests in/ { print $1 }' "$tmp/wm")
printf '   %s requests (%s failed); RSS MiB: %s\n' "$n" "$(wrk_bad "$tmp/wm")" "$samples"

echo
echo "-- 4. model swap under load: SIGHUP (the same 1M model file) 5 s into a 20 s wrk run"
USERS=$USERS ITEMS=$ITEMS wrk -t2 -c"$CONNS" -d20s --latency -s "$root/bench/realtime.lua" "$url/" >"$tmp/ws" &
w=$!
sleep 5
r1=$(rss_mb "$pid")
kill -HUP "$pid"
for _ in $(seq 600); do grep -q 'generation 2:' "$tmp/log" && break; sleep 0.05; done
wait "$w"
grep 'generation 2:\|refused' "$tmp/log" | sed 's/^/   /'
printf '   during the run: %s requests/s, p99 %s ms, %s failed; RSS before the swap %s MiB, after %s MiB\n' \
	"$(wrk_rps "$tmp/ws")" "$(wrk_ms "$tmp/ws" 99)" "$(wrk_bad "$tmp/ws")" "$r1" "$(rss_mb "$pid")"
kill -TERM "$pid"; wait "$pid" || true; pid=
tail -1 "$tmp/log" | sed 's/^/   /'
