#!/usr/bin/env bats
# tests/mailsend.bats - mailsend against a real SMTP server on loopback (tests/smtpd.py, aiosmtpd)

load helpers

setup() {
	setup_scratch
	export SOURCE_DATE_EPOCH=1764000000
	unset SMTP_USER SMTP_PASSWORD RECMAIL_UNSUB_KEY
	LINK_KEY=link-key-for-tests-0123
	export RECMAIL_SHARE="$RECMAIL_ROOT/share"
	SMTPD_PID=
	MOUNTED=
}

teardown() {
	if [ -n "$MOUNTED" ]; then
		umount "$MOUNTED" || true
	fi
	if [ -n "$SMTPD_PID" ]; then
		kill "$SMTPD_PID" 2>/dev/null || true
		wait "$SMTPD_PID" 2>/dev/null || true
	fi
}

# start_smtpd [ARGS]: a server storing into $TMP/srv; sets PORT and URL
start_smtpd() {
	rm -f port
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$TMP/srv" --port-file "$TMP/port" "$@" \
	    > smtpd.log 2>&1 &
	SMTPD_PID=$!
	for _ in $(seq 100); do
		[ -s port ] && break
		sleep 0.1
	done
	PORT=$(cat port)
	URL="smtp://127.0.0.1:$PORT"
}

# make_mbox N [FILE]: N messages for u1..uN (u$i@example.com) written by mailfmt
make_mbox() {
	local i
	for i in $(seq "$1"); do
		jq -nc --arg u "u$i" '{id:$u, ok:true,
		  content:({subject:("Hello " + $u), preheader:"p", body_text:("Hi " + $u + ",\n.\nbye")}|tojson),
		  meta:{user:$u, email:($u + "@example.com"), name:("User " + $u), campaign:"c1",
		        variant:(if ($u|ltrimstr("u")|tonumber) % 2 == 0 then "template" else "llm" end),
		        items:[{item:"sku9", title:"Blue teapot", price:12.5, currency:"GBP",
		                url:"https://shop.example/p/sku9"}]}}'
	done | RECMAIL_UNSUB_KEY=$LINK_KEY mailfmt --no-unsubscribe --from 'Shop <shop@example.com>' > "${2:-out.mbox}"
}

# received_ids: Message-IDs the server stored, one a line, sorted
# received_count N: waits up to 5 s for the server to have stored N messages (it records a
# message just after answering 250, so the client may finish first), then prints the count
received_count() {
	local n=0
	for _ in $(seq 50); do
		n=$(cat srv/received.ndjson 2>/dev/null | wc -l)
		[ "$n" -ge "$1" ] && break
		sleep 0.1
	done
	sleep 0.2
	cat srv/received.ndjson 2>/dev/null | wc -l
}

received_ids() {
	jq -r '.message_id' srv/received.ndjson | sort
}

sent_ids() {
	"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --mbox "${1:-out.mbox}" | jq -r '.headers["message-id"][0]' | sort
}

@test "mailsend: --help and --version go to stdout; --url is required" {
	run mailsend --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run mailsend --version
	[ "$status" -eq 0 ]
	run mailsend < /dev/null
	[ "$status" -eq 64 ]
	run mailsend --url http://x.example < /dev/null
	[ "$status" -eq 64 ]
	run mailsend --url smtp://x.example --rate fast < /dev/null
	[ "$status" -eq 64 ]
}

@test "mailsend: every message is delivered once and a re-run sends nothing" {
	make_mbox 5
	start_smtpd
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(received_ids)" = "$(sent_ids)" ]
	[ "$(jq -r 'select(.status=="accepted")|.recipient' sent.ndjson | sort | tr '\n' ' ')" = \
	    "u1@example.com u2@example.com u3@example.com u4@example.com u5@example.com " ]
	[ "$(jq -r 'select(.status!="intent")|.reply' sent.ndjson | head -1)" = "250 2.0.0 stored as 0001" ]
	# each attempt: its intent, then its result in the line the intent reserved
	[ "$(jq -r '.status' sent.ndjson | head -4 | tr '\n' ' ')" = "intent accepted intent accepted " ]
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_count 5)" -eq 5 ]
	# envelope and content as sent: dot lines survive, the message parses
	[ "$(jq -r '.rcpt[0]' srv/received.ndjson | head -1)" = "u1@example.com" ]
	[ "$(jq -r '.mail_from' srv/received.ndjson | sort -u)" = "shop@example.com" ]
	"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --eml srv/0001.eml | jq -e '.parts[0].content|gsub("\r";"")|startswith("Hi u1,\n.\nbye\n")'
}

@test "mailsend: reads maildirs and .eml directories" {
	make_mbox 2 /dev/null
	for i in 1 2 3; do
		jq -nc --arg u "m$i" '{id:$u, ok:true, content:({subject:"S", body_text:"B"}|tojson),
		  meta:{user:$u, email:($u + "@example.com"), campaign:"c1"}}'
	done > in.ndjson
	mailfmt --no-unsubscribe --from 'Shop <shop@example.com>' --maildir md < in.ndjson
	mailfmt --no-unsubscribe --from 'Shop <shop@example.com>' --campaign c2 --eml-dir eml < in.ndjson
	start_smtpd
	run mailsend --url "$URL" --rate 0 md eml
	[ "$status" -eq 0 ]
	[ "$(wc -l < srv/received.ndjson)" -eq 6 ]
	[ "$(jq -r '.message_id' srv/received.ndjson | sort -u | wc -l)" -eq 6 ]
}

@test "mailsend: a dropped connection mid-batch leaves, after a re-run, every message delivered once" {
	make_mbox 5
	start_smtpd --drop-at 3
	run mailsend --url "$URL" --rate 0 --retries 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 75 ]
	[[ "$output" == *"1 deferred"* ]]
	[ "$(wc -l < srv/received.ndjson)" -eq 4 ]
	[ "$(jq -r 'select(.status=="deferred")|.recipient' sent.ndjson)" = "u3@example.com" ]
	run mailsend --url "$URL" --rate 0 --retries 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_ids)" = "$(sent_ids)" ]
}

@test "mailsend: 451 and 421 replies are deferred, and a re-run delivers each message exactly once" {
	make_mbox 5
	start_smtpd --fail 451:2 --fail 421:4
	run mailsend --url "$URL" --rate 0 --retries 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 75 ]
	[ "$(received_count 3)" -eq 3 ] || { cat sent.ndjson srv/received.ndjson smtpd.log; false; }
	[ "$(jq -r 'select(.status=="deferred")|.reply[0:3]' sent.ndjson | tr '\n' ' ')" = "451 421 " ]
	run mailsend --url "$URL" --rate 0 --retries 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_ids)" = "$(sent_ids)" ]
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_count 5)" -eq 5 ]
}

@test "mailsend: a 4xx is retried with backoff within the run" {
	make_mbox 2
	start_smtpd --fail 451:1,2
	run mailsend --url "$URL" --rate 0 --retries 3 --backoff 0.2 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_ids)" = "$(sent_ids)" ]
	[ "$(jq -r 'select(.status!="intent")|"\(.recipient) \(.status) \(.attempt)"' sent.ndjson | tr '\n' ',')" = \
	    "u1@example.com deferred 1,u1@example.com deferred 2,u1@example.com accepted 3,u2@example.com accepted 1," ]
}

@test "mailsend: a 5xx is a permanent failure for that message only" {
	make_mbox 3
	start_smtpd --fail-rcpt u2@example.com:550
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 1 ]
	[[ "$output" == *"1 refused"* ]]
	[ "$(jq -r '.rcpt[0]' srv/received.ndjson | tr '\n' ' ')" = "u1@example.com u3@example.com " ]
	[ "$(jq -r 'select(.recipient=="u2@example.com")|.status' sent.ndjson | tr '\n' ' ')" = "intent failed " ]
	[ "$(jq -r 'select(.recipient=="u2@example.com")|.attempt' sent.ndjson | sort -u)" = "1" ]
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(jq -s 'map(select(.status!="intent"))|length' sent.ndjson)" -eq 3 ]
}

@test "mailsend: the suppression list is checked again right before sending" {
	make_mbox 3
	echo '{"email":"U2@example.com","reason":"unsubscribe","ts":1764000000}' > sup.ndjson
	start_smtpd
	run mailsend --url "$URL" --rate 0 --suppress sup.ndjson --sent-log sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 suppressed"* ]]
	[ "$(jq -r '.rcpt[0]' srv/received.ndjson | tr '\n' ' ')" = "u1@example.com u3@example.com " ]
	[ "$(jq -r 'select(.status=="suppressed")|.recipient' sent.ndjson)" = "u2@example.com" ]
}

@test "mailsend: --events writes a sent event with user, campaign and variant from the X- headers" {
	make_mbox 2
	start_smtpd
	RECMAIL_UNSUB_KEY=$LINK_KEY mailsend --url "$URL" --rate 0 --events ev.ndjson out.mbox
	[ "$(jq -c '[.event,.user,.campaign,.variant]' ev.ndjson | tr '\n' ' ')" = \
	    '["sent","u1","c1","llm"] ["sent","u2","c1","template"] ' ]
	jq -e 'select(.ts|type=="number")' ev.ndjson > /dev/null
	[ "$(jq -r .message_id ev.ndjson | tr '\n' ' ')" = "$(grep -h '^Message-ID: ' out.mbox | cut -d' ' -f2 | tr '\n' ' ')" ]
	# the key from a file, an older key second, opens the same header
	printf 'newer-key-0123456789\n%s\n' "$LINK_KEY" > keys
	mailsend --url "$URL" --rate 0 --key-file keys --events ev2.ndjson out.mbox
	[ "$(jq -r .user ev2.ndjson | tr '\n' ' ')" = 'u1 u2 ' ]
}

@test "mailsend: --events refuses to send what it cannot name the customer of" {
	make_mbox 1
	start_smtpd
	run mailsend --url "$URL" --rate 0 --events ev.ndjson --sent-log sent.ndjson out.mbox
	[ "$status" -eq 64 ]
	[[ "$output" == *": X-Recmail-Ref does not open with the link keys (RECMAIL_UNSUB_KEY or --key-file)" ]]
	[ ! -s srv/received.ndjson ] || [ "$(wc -l < srv/received.ndjson)" -eq 0 ]
	[ ! -s ev.ndjson ]
}

@test "mailsend: an old message's X-Recmail-User names its customer, else its address does" {
	make_mbox 2
	sed -i -e '0,/^X-Recmail-Ref:.*/s//X-Recmail-User: old%2Fu1/' -e '/^X-Recmail-Ref:/d' out.mbox
	start_smtpd
	mailsend --url "$URL" --rate 0 --events ev.ndjson out.mbox
	[ "$(jq -r .user ev.ndjson | tr '\n' ' ')" = "old/u1 u2@example.com " ]
}

@test "mailsend: AUTH uses SMTP_USER/SMTP_PASSWORD and the password appears nowhere" {
	make_mbox 2
	start_smtpd --auth shop:s3cret-pw-xyz
	RECMAIL_UNSUB_KEY=$LINK_KEY SMTP_USER=shop SMTP_PASSWORD=s3cret-pw-xyz run mailsend \
	    --url "$URL" --rate 0 --sent-log sent.ndjson --events ev.ndjson --progress out.mbox
	[ "$status" -eq 0 ]
	[ "$(wc -l < srv/received.ndjson)" -eq 2 ]
	! grep -q 's3cret' sent.ndjson ev.ndjson
	[[ "$output" != *s3cret* ]]
	printf 'shop\nwrong-pw-abc\n' > auth
	rm -f sent.ndjson
	run mailsend --url "$URL" --rate 0 --auth-file auth --sent-log sent.ndjson out.mbox
	[ "$status" -eq 69 ]
	[[ "$output" != *wrong-pw* ]]
	! grep -q 'wrong-pw' sent.ndjson
	[ "$(wc -l < srv/received.ndjson)" -eq 2 ]
}

@test "mailsend: refuses to send a password over plain smtp:// to a remote host" {
	make_mbox 1
	SMTP_USER=shop SMTP_PASSWORD=pw run mailsend --url smtp://mail.example.com out.mbox
	[ "$status" -eq 64 ]
	[[ "$output" == *"--starttls"* ]]
}

@test "mailsend: STARTTLS verifies the server against --cacert and fails closed without it" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost -keyout key.pem -out cert.pem 2>/dev/null
	make_mbox 2
	start_smtpd --tls cert.pem key.pem
	run mailsend --url "smtp://localhost:$PORT" --starttls --rate 0 out.mbox
	[ "$status" -eq 69 ]
	[ ! -e srv/received.ndjson ]
	run mailsend --url "smtp://localhost:$PORT" --starttls --cacert cert.pem --rate 0 out.mbox
	[ "$status" -eq 0 ]
	[ "$(wc -l < srv/received.ndjson)" -eq 2 ]
}

@test "mailsend: --rate spaces the messages" {
	make_mbox 6
	start_smtpd
	start=$(date +%s%N)
	mailsend --url "$URL" --rate 10 out.mbox
	end=$(date +%s%N)
	[ "$(wc -l < srv/received.ndjson)" -eq 6 ]
	# six starts at 10/s: at least 5 gaps of 100 ms
	[ $(( (end - start) / 1000000 )) -ge 500 ]
}

@test "mailsend: a sent log in use by another run is refused" {
	make_mbox 1
	: > sent.ndjson
	flock sent.ndjson sleep 3 &
	sleep 0.3
	run mailsend --url smtp://127.0.0.1:9 --sent-log sent.ndjson out.mbox
	wait
	[ "$status" -eq 75 ]
	[[ "$output" == *"in use by another mailsend"* ]]
}

@test "mailsend: messages without Message-ID or To are reported, not sent" {
	printf 'From x Thu Jan  1 00:00:00 1970\nFrom: a@example.com\nTo: b@example.com\nSubject: no id\n\nbody\n\n' > bad.mbox
	printf 'From x Thu Jan  1 00:00:00 1970\nFrom: a@example.com\nMessage-ID: <1@x>\nSubject: no to\n\nbody\n' >> bad.mbox
	start_smtpd
	run mailsend --url "$URL" --rate 0 bad.mbox
	[ "$status" -eq 65 ]
	[[ "$output" == *"bad.mbox:1: no Message-ID"* ]]
	[[ "$output" == *"bad.mbox:8: <1@x>: no valid To address"* ]]
	[ ! -e srv/received.ndjson ]
}

# mount_small_fs DIR SIZE: a tmpfs of SIZE at DIR (unmounted by teardown); skips, saying why,
# when this user cannot mount one
mount_small_fs() {
	mkdir -p "$1"
	if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>mount.err; then
		skip "cannot mount a tmpfs here (root and CAP_SYS_ADMIN needed): $(cat mount.err)"
	fi
	MOUNTED="$TMP/$1"
}

@test "mailsend: a full disk under the sent log stops before the message goes, and a re-run delivers each message exactly once" {
	mount_small_fs fs 16k
	make_mbox 30
	# three of the four pages taken: room for a few messages' records only
	dd if=/dev/zero of=fs/fill bs=4096 count=3 2>/dev/null
	start_smtpd
	run mailsend --url "$URL" --rate 0 --sent-log fs/sent.ndjson out.mbox
	[ "$status" -eq 74 ]
	[[ "$output" == *"fs/sent.ndjson: No space left on device"* ]]
	n=$(received_count 1)
	[ "$n" -ge 1 ] && [ "$n" -lt 30 ]
	# every message the server took is logged as accepted, and the log reads whole
	[ "$(jq -r 'select(.status=="accepted")|.message_id' fs/sent.ndjson | sort)" = "$(received_ids)" ]
	rm fs/fill
	run mailsend --url "$URL" --rate 0 --sent-log fs/sent.ndjson out.mbox
	[ "$status" -eq 0 ]
	[ "$(received_count 30)" -eq 30 ]
	[ "$(received_ids)" = "$(sent_ids)" ]
}

@test "mailsend: a sent log that is not a regular file (/dev/zero, /dev/full) is refused at once" {
	make_mbox 1
	for dev in /dev/zero /dev/full; do
		run timeout 10 mailsend --url smtp://127.0.0.1:9 --sent-log "$dev" out.mbox
		[ "$status" -eq 73 ]
		[ "$output" = "mailsend: $dev: the sent log must be a regular file" ]
	done
}

@test "mailsend: an endless mailbox (/dev/zero) stops with an error after a bounded amount of reading" {
	run timeout 20 mailsend --url smtp://127.0.0.1:9 /dev/zero
	[ "$status" -eq 65 ]
	[ "$output" = "mailsend: /dev/zero:1: line longer than 1048576 bytes and no end in 268435456 bytes: stopped reading" ]
}

@test "mailsend: a message with a NUL byte in its header is unusable, not sent under a cut Message-ID" {
	printf 'From x Thu Jan  1 00:00:00 1970\nFrom: a@example.com\nTo: b@example.com\nMessage-ID: <1@x\0a>\n\nbody\n\n' > nul.mbox
	printf 'From x Thu Jan  1 00:00:00 1970\nFrom: a@example.com\nTo: b@example.com\nMessage-ID: <1@x\0b>\n\nbody\n' >> nul.mbox
	start_smtpd
	run mailsend --url "$URL" --rate 0 --sent-log sent.ndjson nul.mbox
	[ "$status" -eq 65 ]
	[[ "$output" == *"nul.mbox:1: a NUL byte in the header: cannot be sent"* ]]
	[[ "$output" == *"nul.mbox:8: a NUL byte in the header: cannot be sent"* ]]
	[ ! -e srv/received.ndjson ]
}

@test "mailsend: --suppress-refused puts an address the server does not know on the suppression list" {
	make_mbox 3
	: > sup.ndjson
	start_smtpd --fail-rcpt u2@example.com:550 --fail 554:2
	run mailsend --url "$URL" --rate 0 --retries 0 --suppress sup.ndjson --suppress-refused \
	    --sent-log sent.ndjson out.mbox
	[ "$status" -eq 1 ]
	[[ "$(jq -r 'select(.recipient=="u2@example.com" and .status=="failed") | .reply' sent.ndjson)" == "550 5.1.1 "* ]]
	# the refusal is the RCPT reply, not the 221 of the QUIT after it
	[[ "$output" == *": refused: server replied 550"* ]]
	[ "$(jq -r '.email + " " + .reason' sup.ndjson)" = "u2@example.com bounce" ]
	run mailsend --url "$URL" --rate 0 --suppress-refused out.mbox
	[ "$status" -eq 64 ]
	[[ "$output" == *"--suppress-refused needs --suppress"* ]]
}

@test "mailsend: --suppress-refused with a suppression key adds the hash, not the address; the next run skips it" {
	make_mbox 3
	printf '{"email":"old@example.com","reason":"bounce","ts":1}\n' > sup.ndjson
	printf 'suppression-key-for-tests-0123\n' > sup.key
	start_smtpd --fail-rcpt u2@example.com:550
	RECMAIL_SUPPRESS_KEY_FILE=sup.key run mailsend --url "$URL" --rate 0 --retries 0 --suppress sup.ndjson \
	    --suppress-refused --sent-log sent.ndjson out.mbox
	[ "$status" -eq 1 ]
	[ "$(grep -c u2 sup.ndjson)" -eq 0 ]
	want=$(printf 'u2@example.com' | openssl dgst -sha256 -hmac 'suppression-key-for-tests-0123' -r | cut -d' ' -f1)
	[ "$(sed -n 2p sup.ndjson | jq -c '[.email_hmac,.reason]')" = "[\"$want\",\"bounce\"]" ]
	# the next run (a new sent-log, as a new campaign has) does not even try u2
	RECMAIL_SUPPRESS_KEY_FILE=sup.key run mailsend --url "$URL" --rate 0 --suppress sup.ndjson \
	    --sent-log sent2.ndjson out.mbox
	[ "$(jq -r 'select(.recipient=="u2@example.com") | .status' sent2.ndjson)" = suppressed ]
}
