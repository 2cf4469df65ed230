#!/usr/bin/env bats
# tests/trackd.bats - trackd: the click, open and unsubscribe links of mailfmt's messages, served

load helpers

setup() {
	setup_scratch
	unset RECMAIL_UNSUB_KEY
	export RECMAIL_SHARE="$RECMAIL_ROOT/share"
	printf 'k3y-for-tests-0123456789\n' > keys
	TRACKD_PID=
	SENT=$(($(date +%s) - 3600))
}

teardown() {
	if [ -n "$TRACKD_PID" ]; then kill "$TRACKD_PID" 2>/dev/null || true; wait "$TRACKD_PID" 2>/dev/null || true; fi
}

# start_trackd [OPTIONS]: trackd on a free port of 127.0.0.1, events ev.ndjson, list sup.ndjson
start_trackd() {
	: > trackd.log
	trackd --key-file "${KEYS:-keys}" --events ev.ndjson --suppress sup.ndjson --port 0 --sync-ms 50 "$@" \
	    2> trackd.log &
	TRACKD_PID=$!
	for _ in $(seq 100); do
		grep -q 'listening on' trackd.log && break
		sleep 0.05
	done
	PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' trackd.log)
	T="http://127.0.0.1:$PORT"
}

# message [KEYFILE] [DATE]: one message for customer c77 <Zoe@Example.com>, German, arm llm, with
# two products; its links in click1, click2, open, unsub (pointing at $T)
message() {
	jq -nc '{id:"c77", ok:true, content:({subject:"Hi", body_text:"Hello"}|tojson),
	  meta:{user:"c77", email:"Zoe@Example.com", campaign:"c1", variant:"llm", locale:"de-DE",
	        items:[{item:"sku9", url:"https://shop.example/p/9"},
	               {item:"sku4", url:"https://shop.example/p/4?x=1"}]}}' |
	    mailfmt --from 'Shop <shop@example.com>' --date "${2:-$SENT}" \
	        --click-base https://t.example/c --open-pixel https://t.example/o \
	        --unsub-url https://t.example/u --unsub-key-file "${1:-keys}" > m.mbox
	"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --mbox m.mbox > m.json
	jq -r '.parts[0].content, .parts[1].content' m.json |
	    grep -oE 'https://t\.example/[cou]\?t=[A-Za-z0-9_-]+' | sed "s#https://t.example#$T#" > links
	click1=$(grep -m1 '/c?' links)
	click2=$(grep '/c?' links | sed -n 2p)
	open=$(grep -m1 '/o?' links)
	unsub=$(grep -m1 '/u?' links)
}

# events: the event lines once the flusher has written them (waits for N lines)
events() {
	for _ in $(seq 100); do
		[ "$(wc -l < ev.ndjson)" -ge "$1" ] && break
		sleep 0.02
	done
	cat ev.ndjson
}

@test "trackd: a click redirects to the signed product link and records who clicked what" {
	start_trackd
	message
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$click2"
	[ "$output" = "302 https://shop.example/p/4?x=1&utm_source=recmail&utm_medium=email&utm_campaign=c1&utm_content=llm" ]
	[ "$(events 1 | jq -c '[.event,.user,.campaign,.variant,.item,(.ts|type)]')" = \
	    '["click","c77","c1","llm","sku4","number"]' ]
	! grep -qi 'zoe' ev.ndjson
}

@test "trackd: the open pixel is a 1x1 GIF; proxies and opens right after sending are flagged machine" {
	start_trackd
	message
	curl -s -D h -o pixel.gif -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' "$open"
	grep -qi '^content-type: image/gif' h
	[ "$(head -c 6 pixel.gif)" = "GIF89a" ]
	[ "$(wc -c < pixel.gif)" -eq 43 ]
	curl -s -o /dev/null -A 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' "$open"
	message keys "$(date +%s)"
	curl -s -o /dev/null -A 'Mozilla/5.0 Firefox/120.0' "$open"
	[ "$(events 3 | jq -c '[.event,.user,.variant,.machine]' | tr '\n' ' ')" = \
	    '["open","c77","llm",false] ["open","c77","llm",true] ["open","c77","llm",true] ' ]
}

@test "trackd: GET of the unsubscribe link only asks; the one-click POST suppresses, synced before the 200" {
	start_trackd
	message
	run curl -s "$unsub"
	[[ "$output" == *'<html lang="de">'* ]]
	[[ "$output" == *'Möchten Sie diese E-Mails nicht mehr erhalten?'* ]]
	[ "$(grep -c '<form method="post">' <<<"$output")" -eq 1 ]
	[ ! -s sup.ndjson ]
	run curl -s -w '\n%{http_code}' -X POST -d 'List-Unsubscribe=One-Click' "$unsub"
	[ "${lines[-1]}" = 200 ]
	[[ "$output" == *'Sie sind abgemeldet'* ]]
	# no waiting: the suppression and the event were on disk before the answer
	[ "$(jq -c '[.email,.reason]' sup.ndjson)" = '["zoe@example.com","unsubscribe"]' ]
	[ "$(jq -c '[.event,.user,.campaign,.variant]' ev.ndjson)" = '["unsubscribe","c77","c1","llm"]' ]
	# a POST without the one-click body does nothing
	run curl -s -o /dev/null -w '%{http_code}' -X POST -d 'x=1' "$unsub"
	[ "$output" = 404 ]
	[ "$(wc -l < sup.ndjson)" -eq 1 ]
}

@test "trackd: with a suppression key the one-click POST adds only the keyed hash; the next run skips them" {
	printf 'suppression-key-for-tests-0123\n' > sup.key
	# an old plain line stays as it is, the new one is a hash (no address in the list)
	printf '{"email":"old@example.com","reason":"bounce","ts":1}\n' > sup.ndjson
	RECMAIL_SUPPRESS_KEY_FILE=sup.key start_trackd
	! grep -q 'no suppression key' trackd.log
	message
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$unsub")" = 200 ]
	[ "$(grep -ci zoe sup.ndjson)" -eq 0 ]
	want=$(printf 'zoe@example.com' | openssl dgst -sha256 -hmac 'suppression-key-for-tests-0123' -r | cut -d' ' -f1)
	[ "$(sed -n 2p sup.ndjson | jq -c '[.email_hmac,.reason,.email]')" = "[\"$want\",\"unsubscribe\",null]" ]
	# the next run: mailfmt and suppress --match recognise her, with the key only
	jq -nc '{id:"c77", ok:true, content:({subject:"Hi", body_text:"Hello"}|tojson),
	  meta:{user:"c77", email:"ZOE@example.com", campaign:"c2", variant:"llm", locale:"en"}}' > rec.ndjson
	RECMAIL_SUPPRESS_KEY_FILE=sup.key mailfmt --from 'Shop <shop@example.com>' --suppress sup.ndjson \
	    --unsub-url https://t.example/u --unsub-key-file keys rec.ndjson > next.mbox 2> fmt.err
	grep -q '1 suppressed' fmt.err
	[ ! -s next.mbox ]
	[ "$(RECMAIL_SUPPRESS_KEY_FILE=sup.key suppress --list=sup.ndjson --match <(jq -c .meta rec.ndjson) | jq -r .user)" = c77 ]
	# without the key the list is not read at all (nobody on it is mailed by mistake)
	run mailfmt --from 'Shop <shop@example.com>' --suppress sup.ndjson \
	    --unsub-url https://t.example/u --unsub-key-file keys rec.ndjson
	[ "$status" -eq 64 ]
	# a bad key is a usage error at start, not a failure at the first unsubscribe
	printf 'short\n' > bad.key
	run trackd --key-file keys --events e --suppress s --suppress-key-file bad.key
	[ "$status" -eq 64 ]
	[[ "$output" == *"bad.key: the suppression key must be 16 to 1024 bytes"* ]]
}

@test "trackd: without a suppression key the list gets the plain line, and trackd says so" {
	start_trackd
	grep -q 'sup.ndjson: no suppression key: unsubscribed addresses are written in clear' trackd.log
}

@test "trackd: the page's language follows the link, else Accept-Language, else English" {
	start_trackd
	message
	[[ "$(curl -s -H 'Accept-Language: fr-FR,fr;q=0.9' "$T/u?t=bad")" == *'<html lang="fr">'*'Ce lien n’est pas valide.'* ]]
	[[ "$(curl -s -H 'Accept-Language: es' "$T/u?t=bad")" == *'Este enlace no es válido.'* ]]
	[[ "$(curl -s "$T/u?t=bad")" == *'<html lang="en">'*'This link is not valid.'* ]]
	[[ "$(curl -s -H 'Accept-Language: fr' "$unsub")" == *'<html lang="de">'* ]]
}

@test "trackd: a tampered, foreign, misrouted or expired token is a 404 and records nothing" {
	start_trackd --click-days 1
	message
	tok=${click1##*t=}
	flip=$(printf '%s' "$tok" | sed 's/^\(.\{20\}\)./\1A/')
	[ "$flip" != "$tok" ] || flip=$(printf '%s' "$tok" | sed 's/^\(.\{20\}\)./\1B/')
	for u in "$T/c?t=$flip" "$T/c?t=${tok%?}" "$T/o?t=$tok" "$T/u?t=$tok" "$T/c?t=" "$T/c?t=$tok$tok"; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 404 ] || { echo "not 404: $u"; false; }
	done
	printf 'another-key-0123456789\n' > other
	message other
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$click1")" = 404 ]
	message keys $((SENT - 2 * 86400))
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$click1")" = 404 ]
	# an expired open still gets its image, without an event
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$open")" = 200 ]
	# the unsubscribe link never expires
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$unsub")" = 200 ]
	[ "$(events 1 | jq -r .event)" = unsubscribe ]
}

@test "trackd: a rotated key: mail sealed with the old key still works, new mail uses the new" {
	message
	printf 'new-key-for-tests-0123456\nk3y-for-tests-0123456789\n' > both
	KEYS=both start_trackd
	message keys
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$click1")" = 302 ]
	message both
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$click1")" = 302 ]
	[ "$(events 2 | wc -l)" -eq 2 ]
}

@test "trackd: links of mail sent before tokens: the old unsubscribe works, old clicks only as signed" {
	start_trackd
	sig=$(printf 'c1\nann@example.com' | openssl dgst -sha256 -hmac 'k3y-for-tests-0123456789' -r | cut -d' ' -f1)
	old="$T/u?c=c1&e=Ann%40Example.com&t=$sig"
	[[ "$(curl -s "$old")" == *'<form method="post">'* ]]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$old")" = 200 ]
	[ "$(jq -r .email sup.ndjson)" = "ann@example.com" ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$T/u?c=c1&e=bob%40example.com&t=$sig")" = 404 ]
	target='https://shop.example/p/9?utm_source=recmail'
	s=$(printf '%s' "$target" | openssl dgst -sha256 -hmac 'k3y-for-tests-0123456789' -r | cut -d' ' -f1)
	enc=$(jq -rn --arg u "$target" '$u|@uri')
	[ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$T/c?u=$enc&c=c1&r=u1&s=$s")" = "302 $target" ]
	# no open redirect: another target with that signature, or none, goes nowhere
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/c?u=https%3A%2F%2Fevil.example%2F&c=c1&r=u1&s=$s")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/c?u=https%3A%2F%2Fevil.example%2F")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/o?c=c1&r=u1&v=llm")" = 200 ]
	# the old click's r= and the old pixel were never signed: followed or shown, never recorded
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/c?u=$enc&c=c1&r=forged-user&s=$s")" = 302 ]
	sleep 0.2
	[ "$(jq -r .event ev.ndjson)" = unsubscribe ]
	! grep -q 'u1\|forged-user' ev.ndjson
}

@test "trackd: every malformed path and method is a 404 or 405 and records nothing" {
	start_trackd
	message
	tok=${click1##*t=}
	for p in / /x /c/ //c /cc /C "/c/../c?t=$tok" "/c%3Ft=$tok" "/c?t=%00$tok" "/c?t=$tok%0D%0A" \
	    "/c?t=$tok&u=https%3A%2F%2Fevil.example" "/$(printf 'a%.0s' $(seq 5000))" "/u?t=$tok#x" \
	    "/o?t=%zz" "/healthz/x"; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$T$p")
		[ "$code" = 404 ] || { echo "$p: $code"; false; }
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$click1")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$click1")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @<(head -c 5000 /dev/zero | tr '\0' a) "$unsub")" = 413 ]
	sleep 0.2
	[ ! -s ev.ndjson ]
	[ ! -s sup.ndjson ]
	[ "$(curl -s "$T/healthz")" = ok ]
}

@test "trackd: a huge header is refused, a flood of bad tokens records nothing, the server stays up" {
	start_trackd
	message
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$click1")
	[ "$code" = 431 ] || [ "$code" = 413 ]
	"$PY3" - "$PORT" <<-'EOF'
		import http.client, random, string, sys
		c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
		rnd = random.Random(7)
		for i in range(3000):
		    t = "".join(rnd.choice(string.ascii_letters + string.digits + "-_") for _ in range(rnd.randrange(0, 300)))
		    c.request("GET", "/%s?t=%s" % ("cou"[i % 3], t))
		    r = c.getresponse(); r.read()
		    assert r.status in (404, 200), r.status
		EOF
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$click1")" = 302 ]
	[ "$(events 1 | wc -l)" -eq 1 ]
	[ "$(jq -r .event ev.ndjson)" = click ]
}

@test "trackd: a slow client is dropped after --timeout and does not hold up the others" {
	start_trackd --timeout 1
	message
	"$PY3" - "$PORT" "$click1" <<-'EOF'
		import socket, subprocess, sys, time
		slow = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(20)]
		for s in slow:
		    s.sendall(b"GET /c?t=")          # and never the rest
		code = subprocess.run(["curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}",
		    sys.argv[2]], capture_output=True, text=True).stdout
		assert code == "302", code
		time.sleep(2.5)
		for s in slow:
		    s.settimeout(2)
		    assert s.recv(100) == b"", "a slow connection is still open"
		EOF
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/healthz")" = 200 ]
}

@test "trackd: a torn last line is cut at start, and SIGHUP reopens the file for logrotate" {
	printf '{"event":"click","user":"a"}\n{"event":"cli' > ev.ndjson
	start_trackd
	message
	grep -q 'ev.ndjson: cut a torn last line of 13 bytes' trackd.log
	curl -s -o /dev/null "$click1"
	events 2 > /dev/null
	[ "$(jq -r .event ev.ndjson | tr '\n' ' ')" = "click click " ]
	mv ev.ndjson ev.ndjson.1
	kill -HUP "$TRACKD_PID"
	sleep 0.3
	curl -s -o /dev/null "$click2"
	events 1 > /dev/null
	[ "$(jq -r .item ev.ndjson)" = sku4 ]
	[ "$(wc -l < ev.ndjson.1)" -eq 2 ]
	kill "$TRACKD_PID"; wait "$TRACKD_PID"; TRACKD_PID=
	grep -q '1 clicks\|2 clicks' trackd.log
}

@test "trackd: the unsubscribe page in headless Chromium: one button, and its click unsubscribes" {
	command -v chromium > /dev/null || skip "chromium is not installed"
	start_trackd
	message
	node --experimental-websocket "$RECMAIL_ROOT/tests/cdp.js" "$unsub" page.png unsubscribe \
	    > after.html 2> cdp.log || { cat cdp.log; false; }
	# the screenshot of the question page: a PNG of the window's size
	[ "$(head -c 8 page.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	[ "$(od -An -tu1 -j16 -N4 page.png | tr -s ' ' | sed 's/^ //')" = "0 0 3 32" ]     # 800 wide
	# the DOM after the click is the answer page, and the address is suppressed
	grep -qF '<p id="msg">Sie sind abgemeldet und erhalten diese E-Mails nicht mehr.</p>' after.html
	! grep -q '<form' after.html
	[ "$(jq -r .email sup.ndjson)" = "zoe@example.com" ]
	[ "$(jq -r .event ev.ndjson)" = unsubscribe ]
}

@test "trackd: --events and --suppress are required, keys too; --help and --version go to stdout" {
	run_both trackd --suppress s --key-file keys
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--events and --suppress are required"* ]]
	run_both trackd --events e --suppress s
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"no link key"* ]]
	printf 'short\n' > bad
	run_both trackd --events e --suppress s --key-file bad
	[ "$status" -eq 64 ]
	[[ "$stderr" == "trackd: bad:1: a link key must be at least 16 bytes" ]]
	run_both trackd --events e --suppress s --key-file keys --port 70000
	[ "$status" -eq 64 ]
	run trackd --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:*example:* ]]
	run trackd --version
	[[ "$output" == "trackd (recmail) "* ]]
}
