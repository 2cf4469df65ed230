#!/usr/bin/env bash
# bench/mailfmt.sh - mailfmt throughput (target: 20,000 messages/s) and mailsend's CPU use against a
# loopback SMTP server (target: limited by the server and --rate, not by CPU).
# Usage: bench/mailfmt.sh [N]   (N generated replies, default 50000). Needs no shared data.
set -eu
export LC_ALL=C
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RECMAIL_BIN:-$here/bin}
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
n=${1:-50000}
work=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "# mailfmt / mailsend benchmark"
echo "protocol: $n generated llmcall replies (3 catalog items each, 400-byte body, half non-ASCII"
echo "names), SOURCE_DATE_EPOCH fixed; best of 3 runs; machine: $(nproc) cores, $(uname -m)"
"$PY3" - "$n" > "$work/replies.ndjson" <<'PYEOF'
import json, sys
n = int(sys.argv[1])
body = ("Hi {f},\n\nWe picked three things we think you will like, starting with the Blue "
        "teapot that goes well with the Green teacup you bought last month.\n\n" * 2 + "Best,\nExample Shop")
for i in range(n):
    name = "Zoë Müller" if i % 2 else "Ann Lee"
    items = [{"item": "sku%d" % j, "title": "Product %d" % j, "price": 9.5 + j, "currency": "GBP",
              "url": "https://shop.example/p/sku%d" % j, "image": "https://shop.example/i/sku%d.jpg" % j,
              "reason": {"type": "similar", "because": "sku1", "because_title": "Green teacup"}}
             for j in range(3)]
    content = {"subject": "%s, three picks for you" % name.split()[0], "preheader": "Blue teapot and more",
               "body_text": body.format(f=name.split()[0])}
    print(json.dumps({"id": "u%d" % i, "ok": True, "content": json.dumps(content, ensure_ascii=False),
                      "model": "m", "meta": {"user": "u%d" % i, "email": "u%d@example.com" % i,
                      "name": name, "first_name": name.split()[0], "locale": "en-GB",
                      "campaign": "bench", "variant": "llm", "brand": "Example Shop", "items": items}},
                     ensure_ascii=False))
PYEOF
echo "input: $(wc -c < "$work/replies.ndjson") bytes"

best() { # best wall seconds of 3 runs of "$@" (stdout to /dev/null)
	local b=999999999999 t0 t1 d
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" > /dev/null
		t1=$(date +%s%N)
		d=$(( (t1 - t0) / 1000 ))
		[ "$d" -lt "$b" ] && b=$d
	done
	echo "$b"
}
rate() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.0f", n / (us / 1e6) }'; }

export SOURCE_DATE_EPOCH=1764000000 RECMAIL_UNSUB_KEY=bench-key-0123456789abcdef
fmt=("$bin/mailfmt" --from 'Example Shop <shop@example.com>' --unsub-mailto u@example.com
     --unsub-url https://shop.example/u --click-base https://t.example/c)
for jobs in "" 1; do
	if [ -z "$jobs" ]; then
		how="default --jobs (the $(nproc) CPUs)"; jo=()
	else
		how="--jobs 1 (one thread: the baseline)"; jo=(--jobs 1)
	fi
	us=$(best "${fmt[@]}" "${jo[@]}" "$work/replies.ndjson")
	r=$(rate "$n" "$us")
	echo "mailfmt mbox to stdout, $how: $n messages in $((us / 1000)) ms = $r messages/s"
	awk -v r="$r" 'BEGIN { printf "  target 20000 messages/s: %s (%.1fx)\n", ((r + 0 >= 20000) ? "met" : "NOT met"), r / 20000 }'
	t=$( { /usr/bin/time -f '%U %S' "${fmt[@]}" "${jo[@]}" "$work/replies.ndjson" > /dev/null; } 2>&1 | tail -1)
	awk -v t="$t" -v n="$n" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { split(t, a, " "); c = a[1] + a[2];
		printf "  CPU time %.2f s (user+sys) = %.0f messages per CPU-second (load average %s on %d cores while measuring: wall figures are inflated by other work)\n", c, n / c, l, '"$(nproc)"' }'
done
"${fmt[@]}" "$work/replies.ndjson" | wc -c | awk -v n="$n" '{ printf "  output %.1f KiB per message\n", $1 / n / 1024 }'
m=$( { /usr/bin/time -f '%M' "${fmt[@]}" "$work/replies.ndjson" > /dev/null; } 2>&1 | tail -1)
head -n $((n / 10)) "$work/replies.ndjson" > "$work/small.ndjson"
m10=$( { /usr/bin/time -f '%M' "${fmt[@]}" "$work/small.ndjson" > /dev/null; } 2>&1 | tail -1)
echo "  peak RSS: $m KiB for $n messages, $m10 KiB for $((n / 10)) (streaming; the duplicate check keeps ~60 B per message)"

openssl genpkey -algorithm ED25519 -out "$work/ed.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null
head -n 5000 "$work/replies.ndjson" > "$work/5k.ndjson"
for k in ed rsa; do
	us=$(best "${fmt[@]}" --dkim-key "$work/$k.pem" --dkim-selector s1 "$work/5k.ndjson")
	echo "mailfmt with DKIM ($k): 5000 messages in $((us / 1000)) ms = $(rate 5000 "$us") messages/s"
done
# directories: a new one per run (the first run of a campaign), then a re-run over the same files
best_dir() { # best wall microseconds of 3 runs of "$@" --eml-dir NEWDIR
	local b=999999999999 t0 t1 d k
	for k in 1 2 3; do
		rm -rf "$work/eml"
		t0=$(date +%s%N)
		"$@" --eml-dir "$work/eml" > /dev/null
		t1=$(date +%s%N)
		d=$(( (t1 - t0) / 1000 ))
		[ "$d" -lt "$b" ] && b=$d
	done
	echo "$b"
}
us=$(best_dir "${fmt[@]}" --sync end "$work/5k.ndjson")
echo "mailfmt --eml-dir, new directory, --sync end (one syncfs at the end): 5000 in $((us / 1000)) ms = $(rate 5000 "$us") messages/s"
us=$(best_dir "${fmt[@]}" --sync each "$work/5k.ndjson")
echo "mailfmt --eml-dir, new directory, --sync each (fsync per file): 5000 in $((us / 1000)) ms = $(rate 5000 "$us") messages/s"
us=$(best "${fmt[@]}" --eml-dir "$work/eml" "$work/5k.ndjson")
echo "mailfmt --eml-dir, re-run replacing the same 5000 files, --sync end: $((us / 1000)) ms = $(rate 5000 "$us") messages/s"
echo "  (file creation is the file system's work: ext4 flushes a file that a rename replaces)"

# mailsend: the server (python aiosmtpd on loopback) is the bottleneck, not mailsend
"$PY3" "$here/tests/smtpd.py" --dir "$work/srv" --port-file "$work/port" > /dev/null 2>&1 &
srv_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="smtp://127.0.0.1:$(cat "$work/port")"
head -n 500 "$work/replies.ndjson" | "${fmt[@]}" > "$work/500.mbox"
t=$( { /usr/bin/time -f '%e %U %S' "$bin/mailsend" --url "$url" --rate 0 --sent-log "$work/sent.ndjson" "$work/500.mbox"; } 2>&1 | tail -1)
echo "mailsend --rate 0, 500 messages, fsync'd sent log: wall/user/sys s = $t"
awk -v t="$t" 'BEGIN { split(t, a, " "); printf "  %.0f messages/s; mailsend CPU %.0f%% of wall: the server and the per-message fsync set the pace\n", 500 / a[1], 100 * (a[2] + a[3]) / a[1] }'
head -n 100 "$work/replies.ndjson" | "${fmt[@]}" --campaign bench2 > "$work/100.mbox"
t=$( { /usr/bin/time -f '%e %U %S' "$bin/mailsend" --url "$url" --rate 50 "$work/100.mbox"; } 2>&1 | tail -1)
echo "mailsend --rate 50, 100 messages: wall/user/sys s = $t (expected wall >= 1.98 s: 99 gaps of 20 ms)"
