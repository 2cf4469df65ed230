#!/usr/bin/env bash
# bench/trackd.sh - trackd under wrk: clicks per second, p99 latency and CPU per click (target:
# 10,000/s, p99 under 5 ms on 2 cores) for each libmicrohttpd thread model and sync interval,
# against the default (epoll, 2 threads, --sync-ms 200) measured in the same run; then trackd's
# memory over many requests (target: flat over 1 million).
# Usage: bench/trackd.sh [REQUESTS [REPEATS]]   (defaults 1000000 and 3). Needs wrk (Debian
# package) and no shared data. WRK_SECONDS (default 5) per comparison run; BENCH_NICE=N runs
# trackd and wrk under nice -n N (e.g. -10 on a machine other jobs load, to see trackd's own
# latency rather than the scheduler's; needs root); BENCH_CONFIGS=name,name runs only those;
# MEM_SECONDS (default 3) per memory run.
set -eu
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
total=${1:-1000000}
repeats=${2:-3}
secs=${WRK_SECONDS:-5}
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
command -v wrk > /dev/null || { echo "bench/trackd: wrk is not installed (scripts/install-deps)"; exit 0; }
cd "$work"
openssl rand -hex 32 > keys
tick=$(getconf CLK_TCK)
nice=${BENCH_NICE:-0}

# start [TRACKD OPTIONS]: a fresh trackd on a free port, its click link in $url
start() {
	rm -f ev.ndjson
	nice -n "$nice" "$bin/trackd" --key-file keys --events ev.ndjson --suppress sup.ndjson --port 0 "$@" \
	    2> trackd.log &
	pid=$!
	# a loaded machine can take seconds to start it
	for _ in $(seq 400); do grep -q 'listening on' trackd.log && break; sleep 0.05; done
	port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' trackd.log)
	url=$(sed "s#PORT#$port#" link)
	for _ in 1 2 3 4 5; do
		[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url")" = 302 ] && return 0
		sleep 1
	done
	echo "bench/trackd: the click does not redirect ($(cat trackd.log))"
	exit 1
}
stop() {
	kill "$pid"
	wait "$pid" || true
	pid=
}
# cpu: trackd's user+system CPU seconds so far (from /proc)
cpu() { awk -v t="$tick" '{printf "%.3f", ($14 + $15) / t}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
# load WRKARGS...: one wrk run; sets reqs rps p50 p99 (in ms) and cpus (trackd's CPU seconds)
ms() { awk '{v = $1; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; printf "%.2f", v}'; }
load() {
	local c0
	c0=$(cpu)
	nice -n "$nice" wrk "$@" --latency "$url" > wrk.out
	cpus=$(echo "$(cpu) $c0" | awk '{printf "%.2f", $1 - $2}')
	reqs=$(awk '/requests in/ {print $1}' wrk.out)
	rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' wrk.out)
	p50=$(awk '$1 == "50%" {print $2}' wrk.out | ms)
	p99=$(awk '$1 == "99%" {print $2}' wrk.out | ms)
}

# one click link, made by mailfmt as a campaign makes it
jq -nc '{id:"c1", ok:true, content:({subject:"Hi", body_text:"Hello"}|tojson),
  meta:{user:"c1042", email:"ann@example.com", campaign:"2026-11-w48", variant:"llm",
        items:[{item:"sku9", url:"https://shop.example/p/sku9"}]}}' |
    "$bin/mailfmt" --no-unsubscribe --from shop@example.com --date "$(date +%s)" --unsub-key-file keys \
        --click-base "http://127.0.0.1:PORT/c" > m.mbox
/usr/bin/python3 "$here/tests/mailparse.py" --mbox m.mbox | jq -r '.parts[0].content' |
    grep -o "http://127.0.0.1:PORT/c?t=[A-Za-z0-9_-]*" | head -1 > link

# paced: each of 20 connections waits 1 ms after each answer (wrk's timers make that about 2 ms a
# request), so about 10,000 requests/s are
# offered: the latency at the target's rate rather than at saturation
echo 'function delay() return 1 end' > pace.lua

echo "# trackd benchmark"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start (shared with other jobs:"
echo "latency percentiles include their scheduling; CPU per click does not); trackd and wrk at nice $nice"
echo
echo "## thread models and sync intervals: wrk -t1 -c16 -d${secs}s per run, $repeats rounds, configurations"
echo "interleaved within a round; medians of the rounds; ratio = requests/s over the baseline's"
configs=("epoll|--model epoll --threads 2|-t1 -c16" "poll|--model poll --threads 2|-t1 -c16"
    "per-connection|--model per-connection|-t1 -c16" "epoll-1-thread|--model epoll --threads 1|-t1 -c16"
    "sync-20ms|--sync-ms 20|-t1 -c16" "sync-1000ms|--sync-ms 1000|-t1 -c16"
    "epoll-4-conns|--model epoll --threads 2|-t1 -c4"
    "paced-10k|--model epoll --threads 2|-t1 -c20 -s pace.lua")
if [ -n "${BENCH_CONFIGS:-}" ]; then
	keep=()
	for c in "${configs[@]}"; do case ",$BENCH_CONFIGS," in *",${c%%|*},"*) keep+=("$c") ;; esac; done
	configs=("${keep[@]}")
fi
: > rows
for round in $(seq "$repeats"); do
	for c in "${configs[@]}"; do
		IFS='|' read -r name opts wargs <<<"$c"
		# shellcheck disable=SC2086
		start $opts
		# shellcheck disable=SC2086
		load $wargs -d"${secs}s"
		stop
		echo "$name $round $rps $p50 $p99 $cpus $reqs" >> rows
	done
done
printf '%-16s %-11s %-7s %-9s %-9s %-13s %s\n' config requests/s ratio p50_ms p99_ms cpu_us/click "p99 of each round"
base=$(awk '$1 == "epoll"' rows | sort -k3,3n | awk '{a[NR] = $3} END {print a[int((NR + 1) / 2)]}')
for c in "${configs[@]}"; do
	name=${c%%|*}
	awk -v n="$name" -v base="$base" '$1 == n {r[++k] = $3; l50[k] = $4; l99[k] = $5; us[k] = $6 * 1e6 / $7; all = all sep $5; sep = ","}
	    function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((k + 1) / 2)] }
	    END { m = med(r, k); printf "%-16s %-11.0f %-7.2f %-9.2f %-9.2f %-13.1f %s\n", n, m, m / base, med(l50, k), med(l99, k), med(us, k), all }' rows
done
echo "baseline: epoll, 2 polling threads, --sync-ms 200, 16 connections, as fast as wrk can;"
echo "paced-10k: the baseline's trackd offered about 10,000 requests/s (20 connections, each waiting 1 ms)"
echo

echo "## memory over $total clicks: default trackd, wrk -t2 -c32 -d${MEM_SECONDS:-3}s runs until $total are served"
start
printf '%-5s %-10s %-12s %-9s %-9s %-10s %-10s\n' run clicks requests/s p50_ms p99_ms rss_kb cpu_s
printf '%-5s %-10s %-12s %-9s %-9s %-10s %-10s\n' start 0 - - - "$(rss)" "$(cpu)"
rss0=$(rss)
served=0
run=0
while [ "$served" -lt "$total" ]; do
	run=$((run + 1))
	load -t2 -c32 -d"${MEM_SECONDS:-3}s"
	served=$((served + reqs))
	if [ "$run" -eq 1 ]; then rss1=$(rss); fi
	printf '%-5s %-10s %-12s %-9s %-9s %-10s %-10s\n' "$run" "$served" "$rps" "$p50" "$p99" "$(rss)" "$(cpu)"
done
rssn=$(rss) peak=$(hwm) cpun=$(cpu)
stop
events=$(wc -l < ev.ndjson)
echo "rss: ${rss0} kB at start, ${rss1} kB after the first run, ${rssn} kB after $served clicks (peak ${peak} kB);"
echo "     growth after the first run: $((rssn - rss1)) kB"
echo "cpu: ${cpun} s for $served clicks, $(echo "$cpun $served" | awk '{printf "%.1f", $1 * 1e6 / $2}') us per click"
echo "events written: $events for $served clicks (the +1 per start is the check click);"
echo "     $(tail -1 trackd.log | sed 's/^trackd: //')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "target: 10,000 requests/s with p99 under 5 ms; memory flat (rss of the last runs like the first)"
