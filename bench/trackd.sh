#!/usr/bin/env bash
# bench/trackd.sh - trackd under wrk: clicks per second and p99 latency (target: 10,000/s, p99 under
# 5 ms on 2 cores), and trackd's memory over many requests (target: flat over 1 million).
# Usage: bench/trackd.sh [REQUESTS]   (default 1000000; the figures come from 10 s runs of wrk
# repeated until REQUESTS clicks were served). Needs wrk (Debian package) and no shared data.
set -eu
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
total=${1:-1000000}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-32}
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
"$bin/trackd" --key-file keys --events ev.ndjson --suppress sup.ndjson --port 0 2> trackd.log &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' trackd.log && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' trackd.log)
jq -nc '{id:"c1", ok:true, content:({subject:"Hi", body_text:"Hello"}|tojson),
  meta:{user:"c1042", email:"ann@example.com", campaign:"2026-11-w48", variant:"llm",
        items:[{item:"sku9", url:"https://shop.example/p/sku9"}]}}' |
    "$bin/mailfmt" --no-unsubscribe --from shop@example.com --date "$(date +%s)" --unsub-key-file keys \
        --click-base "http://127.0.0.1:$port/c" > m.mbox
url=$(/usr/bin/python3 "$here/tests/mailparse.py" --mbox m.mbox | jq -r '.parts[0].content' |
    grep -o "http://127.0.0.1:$port/c?t=[A-Za-z0-9_-]*" | head -1)
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 302 ] || { echo "bench/trackd: the click does not redirect"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "# trackd benchmark"
echo "protocol: wrk -t$threads -c$conns -d10s --latency on one click link (AES-GCM open, 302,"
echo "event queued and synced every 200 ms), wrk and trackd on the same $(nproc) cores; runs repeated"
echo "until $total clicks; RSS of trackd after each run"
printf '%-5s %-10s %-12s %-9s %-9s %-10s\n' run clicks requests/s p50 p99 rss_kb
echo "start                                          $(rss)"
served=0
run=0
while [ "$served" -lt "$total" ]; do
	run=$((run + 1))
	wrk -t"$threads" -c"$conns" -d10s --latency "$url" > wrk.out
	reqs=$(awk '/requests in/ {print $1}' wrk.out)
	rps=$(awk '/^Requests\/sec/ {print $2}' wrk.out)
	p50=$(awk '$1 == "50%" {print $2}' wrk.out)
	p99=$(awk '$1 == "99%" {print $2}' wrk.out)
	non=$(awk '/Non-2xx or 3xx/ {print $5}' wrk.out)
	served=$((served + reqs))
	printf '%-5s %-10s %-12s %-9s %-9s %-10s%s\n' "$run" "$served" "$rps" "$p50" "$p99" "$(rss)" \
	    "${non:+  ($non non-3xx answers)}"
done
kill "$pid"
wait "$pid" || true
pid=
events=$(wc -l < ev.ndjson)
echo "events written: $events for $served clicks ($(du -h ev.ndjson | cut -f1)); $(tail -1 trackd.log | sed 's/^trackd: //')"
echo "target: 10,000 requests/s with p99 under 5 ms; memory flat (rss of the last runs like the first)"
