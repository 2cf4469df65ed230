#!/usr/bin/env bats
# tests/loop.bats - the closed loop end to end: mail sent over SMTP, read through trackd (an open,
# two clicks, a one-click unsubscribe), a bounce mailbox and an order export fed back, abreport's
# counts per arm, the next send skipping the unsubscribed and bounced, events2ratings' clicks

load helpers

setup() {
	setup_scratch
	unset RECMAIL_UNSUB_KEY
	export RECMAIL_SHARE="$RECMAIL_ROOT/share"
	openssl rand -hex 32 > keys
	SMTPD_PID= TRACKD_PID=
}

teardown() {
	for p in $SMTPD_PID $TRACKD_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

# replies for u1..u6 (odd: llm, even: template; u6 in the holdout gets no reply), two products each
replies() {
	for i in 1 2 3 4 5; do
		jq -nc --arg u "u$i" --argjson i "$i" '{id:$u, ok:true,
		  content:({subject:"Picked for you", body_text:"Hello"}|tojson),
		  meta:{user:$u, email:($u + "@example.org"), campaign:"c1",
		        variant:(if $i % 2 == 1 then "llm" else "template" end), locale:"en-GB",
		        items:[{item:"sku9", url:"https://shop.example/p/9"}, {item:"sku4", url:"https://shop.example/p/4"}]}}'
	done
}

# the_loop: the whole loop; with RECMAIL_SUPPRESS_KEY_FILE set, the list must hold no address
the_loop() {
	# trackd and the SMTP server
	trackd --key-file keys --events track.ndjson --suppress sup.ndjson --port 0 --sync-ms 20 2> trackd.log &
	TRACKD_PID=$!
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$TMP/srv" --port-file "$TMP/port" > smtpd.log 2>&1 &
	SMTPD_PID=$!
	for _ in $(seq 100); do [ -s port ] && grep -q 'listening on' trackd.log && break; sleep 0.05; done
	T="http://127.0.0.1:$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' trackd.log)"
	printf '{"user":"u6","campaign":"c1","variant":"holdout"}\n' > assigned.ndjson
	: > sup.ndjson
	sent_at=$(($(date +%s) - 3600))

	# 1. the campaign: formatted with tracked links, sent over SMTP
	replies | mailfmt --from 'Shop <shop@example.com>' --date "$sent_at" --unsub-key-file keys \
	    --click-base "$T/c" --open-pixel "$T/o" --unsub-url https://t.example/u \
	    --unsub-mailto unsubscribe@example.com --suppress sup.ndjson > out.mbox
	mailsend --url "smtp://127.0.0.1:$(cat port)" --rate 0 --key-file keys --sent-log sent-log.ndjson \
	    --events sent.ndjson --suppress sup.ndjson out.mbox
	[ "$(wc -l < srv/received.ndjson)" -eq 5 ]

	# 2. the recipients "read" what was delivered: u1 opens and clicks twice, u2 clicks once, u3
	#    unsubscribes with one click (as a mail client does: POST to the List-Unsubscribe URL)
	link() { # FILE KIND: the first link of that kind in a delivered message
		"$PY3" "$RECMAIL_ROOT/tests/mailparse.py" --eml "$1" |
		    jq -r '.parts[0].content, .parts[1].content, (.headers["list-unsubscribe"] // [] | .[])' |
		    grep -oE "(http://127\.0\.0\.1:[0-9]+|https://t\.example)/$2\?t=[A-Za-z0-9_-]+" | sed -n "${3:-1}p" |
		    sed "s#https://t.example#$T#"
	}
	m() { grep -l "^To: .*<\?$1@example.org" srv/*.eml | head -1; }
	curl -s -o /dev/null -A 'Mozilla/5.0 Firefox/120.0' "$(link "$(m u1)" o)"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$(link "$(m u1)" c 1)")" = 302 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$(link "$(m u1)" c 2)")" = 302 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$(link "$(m u2)" c 1)")" = 302 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d List-Unsubscribe=One-Click "$(link "$(m u3)" u)")" = 200 ]
	kill "$TRACKD_PID"; wait "$TRACKD_PID" || true; TRACKD_PID=

	# 3. u4's mail bounced (a DSN naming its Message-ID); the order export
	id4=$(jq -r 'select(.rcpt[0]=="u4@example.org") | .message_id' srv/received.ndjson)
	mkdir box
	sed "s/<aaaa1111.c1@example.com>/$id4/; s/Ann@Example.org/u4@example.org/g; s/ann@example.org/u4@example.org/g" \
	    "$RECMAIL_ROOT/tests/bounces/dsn-hard.eml" > box/1.eml
	bounces --sent sent.ndjson --sent-log sent-log.ndjson --suppress sup.ndjson box > bounce-ev.ndjson
	now=$(date +%s)
	printf '{"user":"u1","ts":%d,"revenue":25,"order":"o1"}\n{"user":"u6","ts":%d,"revenue":40,"order":"o2"}\n{"user":"u9","ts":%d,"revenue":9,"order":"o3"}\n' \
	    "$now" "$now" "$now" > orders.ndjson
	attribute -e sent.ndjson -e track.ndjson -a assigned.ndjson orders.ndjson > purchases.ndjson

	# 4. abreport: the exact counts per arm
	cat sent.ndjson track.ndjson bounce-ev.ndjson purchases.ndjson > events.ndjson
	abreport -c c1 --arms llm=0.45,template=0.45,holdout=0.1 --assignments assigned.ndjson --human-opens \
	    events.ndjson > report.ndjson
	[ "$(jq -c 'select(.kind=="arm") | [.arm, .recipients, .open.count, .click.count, .unsubscribe.count,
	    .bounce.count, .conversion.count, .revenue.total]' report.ndjson | tr '\n' ' ')" = \
	    '["llm",3,1,1,1,0,1,25] ["template",2,0,1,0,1,0,0] ["holdout",1,0,0,0,0,1,40] ' ]

	# 5. the next run mails neither the unsubscribed u3 nor the bounced u4
	for i in 1 2 3 4 5 6; do jq -nc --arg u "u$i" '{user:$u, email:($u + "@Example.org")}'; done > customers.ndjson
	[ "$(suppress --list=sup.ndjson --match customers.ndjson | jq -r .user | tr '\n' ' ')" = "u3 u4 " ]
	if [ -n "${RECMAIL_SUPPRESS_KEY_FILE:-}" ]; then
		[ "$(wc -l < sup.ndjson)" -eq 2 ] && [ "$(grep -c '@' sup.ndjson)" -eq 0 ]
		[ "$(jq -r .reason sup.ndjson | sort | tr '\n' ' ')" = "bounce unsubscribe " ]
	else
		[ "$(jq -r .email sup.ndjson | sort | tr '\n' ' ')" = "u3@example.org u4@example.org " ]
	fi
	replies | sed 's/"c1"/"c2"/' | mailfmt --from 'Shop <shop@example.com>' --unsub-key-file keys \
	    --unsub-url https://t.example/u --suppress sup.ndjson > next.mbox 2> next.err || true
	[ "$(grep -c '^To: ' next.mbox)" -eq 3 ]
	! grep -qE '^To: .*(u3|u4)@' next.mbox

	# 6. events2ratings: the clicks (and the purchase) are interactions for the next training run
	events2ratings -c c1 events.ndjson > interactions.ndjson 2> e2r.err
	[ "$(jq -c '[.user,.item,.event]' interactions.ndjson | sort | tr '\n' ' ')" = \
	    '["u1","sku4","click"] ["u1","sku9","click"] ["u2","sku9","click"] ' ]
}

@test "loop: send, read through trackd, bounces and orders back, abreport per arm, the next run skips, clicks train" {
	unset RECMAIL_SUPPRESS_KEY RECMAIL_SUPPRESS_KEY_FILE
	the_loop
}

@test "loop: the same with a suppression key: trackd and bounces add hashes only, the next run still skips them" {
	unset RECMAIL_SUPPRESS_KEY
	openssl rand -hex 24 > "$TMP/sup.key"
	export RECMAIL_SUPPRESS_KEY_FILE="$TMP/sup.key"
	the_loop
}
