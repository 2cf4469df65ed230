#!/usr/bin/env bash
# bench/llmcall.sh - llmcall's throughput, CPU per request and memory against tests/fakellm.py
#
# 1. 2000 prompts, --parallel 64, the fake server answering after 100 ms:
#    target 4 s wall (ideal 2000/64 x 0.1 s = 3.1 s), llmcall CPU (user+sys) < 1 ms per request.
# 2. peak memory (max RSS) for 1,000 and BENCH_BIG (default 100,000) prompts with a server that
#    answers at once: must be the same (the reorder window bounds what is held).
# Not a test: it prints figures and never fails on slowness.
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
BIG=${BENCH_BIG:-100000}
work=$(mktemp -d)
# start_fake runs in a command substitution (a subshell): servers are found by their pid files
cleanup() {
	local f
	for f in "$work"/*.pid; do
		[ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$bin/llmcall" ]; then
	echo "llmcall bench: $bin/llmcall is missing (run make)" >&2
	exit 0
fi

# start_fake NAME [options]: prints the base URL
start_fake() {
	local name=$1 i
	shift
	"$PY3" "$here/tests/fakellm.py" --port-file "$work/$name.port" "$@" >/dev/null 2>&1 &
	echo $! >"$work/$name.pid"
	for i in $(seq 1 200); do
		[ -s "$work/$name.port" ] && break
		sleep 0.05
	done
	echo "http://127.0.0.1:$(cat "$work/$name.port")/v1"
}

# gen N FILE: N prompt records of about 700 bytes each
gen() {
	"$PY3" - "$1" >"$2" <<'EOF'
import json, sys
pad = "Recent purchases: green teacup, milk jug, linen napkins. " * 10
for i in range(int(sys.argv[1])):
    print(json.dumps({"id": "u%d" % i,
        "messages": [{"role": "system", "content": "You write short shop emails as JSON."},
                     {"role": "user", "content": "Customer %d. %s Recommend: Blue teapot." % (i, pad)}],
        "meta": {"user": "u%d" % i, "first_name": "Zoe", "variant": "llm",
                 "items": [{"item": "sku9", "title": "Blue teapot", "price": 12.5, "currency": "GBP"}]}}))
EOF
}

# measure LABEL BASE INPUT [llmcall options]: prints "wall user sys maxrss_kb lines"
measure() {
	local base=$2 input=$3 out tf
	shift 3
	out="$work/out.ndjson"
	tf="$work/time.txt"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$tf" "$bin/llmcall" --base-url="$base" --model=bench \
			"$@" "$input" >"$out" 2>"$work/err.txt"
		echo "$(cat "$tf") $(wc -l <"$out")"
	else
		# no GNU time: wall clock from date, CPU and peak RSS from /proc at exit are not
		# available portably, so only wall time is reported
		local t0 t1
		t0=$(date +%s.%N)
		"$bin/llmcall" --base-url="$base" --model=bench "$@" "$input" >"$out" 2>"$work/err.txt"
		t1=$(date +%s.%N)
		echo "$(echo "$t1 - $t0" | bc) ? ? ? $(wc -l <"$out")"
	fi
}

echo "llmcall bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "protocol: tests/fakellm.py (Python ThreadingHTTPServer, HTTP/1.1 keep-alive) on 127.0.0.1"
echo

slow=$(start_fake slow --delay=100)
fast=$(start_fake fast)
gen 2000 "$work/p2000.ndjson"
gen 1000 "$work/p1000.ndjson"
gen "$BIG" "$work/pbig.ndjson"

echo "1) 2000 prompts, --parallel 64, server delay 100 ms (ideal 3.1 s, target < 4 s)"
read -r wall usr sys rss lines < <(measure a "$slow" "$work/p2000.ndjson" --parallel=64)
cpu_ms=$(echo "scale=3; ($usr + $sys) * 1000 / 2000" | bc)
printf '   wall %s s   lines %s   llmcall user %s s + sys %s s = %s ms CPU per request (target < 1)   max RSS %s KB\n' \
	"$wall" "$lines" "$usr" "$sys" "$cpu_ms" "$rss"
echo "   $(grep -o '[0-9.]* requests/s' "$work/err.txt")"
if [ "$(echo "$wall < 4" | bc)" = 1 ]; then echo "   wall: within the 4 s target"; else echo "   wall: OVER the 4 s target"; fi
if [ "$(echo "$cpu_ms < 1" | bc)" = 1 ]; then echo "   CPU: within 1 ms/request"; else echo "   CPU: OVER 1 ms/request"; fi
echo

echo "2) peak memory, --parallel 64, server without delay"
read -r wall1 usr1 sys1 rss1 lines1 < <(measure b "$fast" "$work/p1000.ndjson" --parallel=64)
printf '   %7d prompts: wall %6s s   max RSS %s KB   lines %s\n' 1000 "$wall1" "$rss1" "$lines1"
read -r wall2 usr2 sys2 rss2 lines2 < <(measure c "$fast" "$work/pbig.ndjson" --parallel=64)
printf '   %7d prompts: wall %6s s   max RSS %s KB   lines %s   CPU %s ms/request\n' "$BIG" "$wall2" "$rss2" \
	"$lines2" "$(echo "scale=3; ($usr2 + $sys2) * 1000 / $BIG" | bc)"
echo "   $(grep -o '[0-9.]* requests/s' "$work/err.txt") (bounded by the Python fake server)"
if [ "$rss1" != "?" ]; then
	diff=$((rss2 - rss1))
	echo "   difference: $diff KB ($(echo "scale=1; 100 * $diff / $rss1" | bc)% of the 1,000-prompt peak);" \
		"the input is $(($(stat -c %s "$work/pbig.ndjson") / 1024)) KB"
fi
