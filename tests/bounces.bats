#!/usr/bin/env bats
# tests/bounces.bats - bounces: DSNs (RFC 3464 and non-standard), ARF complaints (RFC 5965) and
# unsubscribe mails -> events and the suppression list; samples in tests/bounces/ after the RFCs' examples

load helpers

setup() {
	setup_scratch
	S="$RECMAIL_ROOT/tests/bounces"
	for u in a:aaaa1111:llm b:bbbb2222:template c:cccc3333:llm d:dddd4444:template e:eeee5555:llm \
	    f:ffff6666:template; do
		IFS=: read -r user id arm <<<"$u"
		jq -nc --arg u "$user" --arg id "<$id.c1@example.com>" --arg v "$arm" \
		    '{event:"sent", user:("u-" + $u), campaign:"c1", variant:$v, message_id:$id, ts:1764000000}'
	done > sent.ndjson
	jq -nc '{message_id:"<ffff6666.c1@example.com>", recipient:"fay@example.org", status:"accepted",
	    time:1764000000, attempt:1, reply:"250 OK"}' > sent-log.ndjson
	mkdir box
	cp "$S"/*.eml box/
}

@test "bounces: each report becomes one event of its customer and arm; the right ones are suppressed" {
	run_both bounces --sent sent.ndjson --sent-log sent-log.ndjson --suppress sup.ndjson --now 1764100000 box
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | jq -c '[.event,.user,.variant,.kind,.status,.message_id]' | sort > got
	cat > want <<-'EOF'
		["bounce","u-a","llm","hard","5.1.1","<aaaa1111.c1@example.com>"]
		["bounce","u-b","template","soft","4.4.1","<bbbb2222.c1@example.com>"]
		["bounce","u-d","template","hard","550","<dddd4444.c1@example.com>"]
		["bounce","u-e","llm","soft","4.2.2","<eeee5555.c1@example.com>"]
		["complaint","u-c","llm",null,null,"<cccc3333.c1@example.com>"]
		["unsubscribe","u-f","template",null,null,"<ffff6666.c1@example.com>"]
		EOF
	diff want got
	[ "$(printf '%s\n' "$output" | jq -r 'select(.event=="complaint") | .feedback_type')" = abuse ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.event=="unsubscribe") | .via')" = mailto ]
	printf '%s\n' "$output" | jq -e 'select(.ts != 1764100000)' > /dev/null && false
	# hard bounces, the complainer and the unsubscriber; not the soft bounces
	[ "$(jq -r '.email + " " + .reason' sup.ndjson | sort | tr '\n' ',')" = \
	    "ann@example.org bounce,cara@example.org complaint,dan@example.org bounce,fay@example.org unsubscribe," ]
	[[ "$stderr" == *"8 messages: 4 bounces (2 hard), 1 complaints, 1 unsubscribes, 0 not matched to a sent message, 2 others"* ]]
}

@test "bounces: --suppress-soft suppresses soft bounces too; an mbox on stdin reads the same" {
	for f in box/*.eml; do printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2025\n'; cat "$f"; echo; done > in.mbox
	bounces --sent sent.ndjson --suppress sup.ndjson --suppress-soft < in.mbox > ev.ndjson
	[ "$(jq -r .email sup.ndjson | sort | tr '\n' ' ')" = \
	    "ann@example.org bob@example.org cara@example.org dan@example.org eve@example.org fay@example.org " ]
	# without the sent-log the unsubscriber's mail cannot be matched: suppressed, no event
	[ "$(jq -r .event ev.ndjson | sort | uniq -c | tr -s ' ' | tr '\n' ',')" = " 4 bounce, 1 complaint," ]
}

@test "bounces: a report about a message not in --sent is suppressed and reported, not counted" {
	sed -i 's/aaaa1111/zzzz9999/' box/dsn-hard.eml
	run_both bounces --sent sent.ndjson --suppress sup.ndjson box
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"dsn-hard.eml: bounce for a message not in --sent (<zzzz9999.c1@example.com>)"* ]]
	! printf '%s\n' "$output" | grep -q zzzz9999
	grep -q '"ann@example.org"' sup.ndjson
}

@test "bounces: with a suppression key the list holds only keyed hashes, and still stops the next run" {
	printf 'suppression-key-for-tests-0123\n' > sup.key
	run_both bounces --sent sent.ndjson --sent-log sent-log.ndjson --suppress sup.ndjson \
	    --suppress-key-file sup.key --now 1764100000 box
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"no suppression key"* ]]
	[ "$(wc -l < sup.ndjson)" -eq 4 ]
	[ "$(grep -c '@' sup.ndjson)" -eq 0 ]
	for a in ann cara dan fay; do ! grep -qi "$a" sup.ndjson; done
	[ "$(jq -r .email_hmac sup.ndjson | grep -cE '^[0-9a-f]{64}$')" -eq 4 ]
	want=$(printf 'ann@example.org' | openssl dgst -sha256 -hmac 'suppression-key-for-tests-0123' -r | cut -d' ' -f1)
	[ "$(jq -r 'select(.reason=="bounce") | .email_hmac' sup.ndjson | grep -c "$want")" -eq 1 ]
	# the next run: the key in the environment (as the campaign exports it) finds exactly them
	for a in ann bob cara dan eve fay; do jq -nc --arg a "$a" '{user:("u-" + $a), email:($a + "@Example.org")}'; done > customers.ndjson
	[ "$(RECMAIL_SUPPRESS_KEY_FILE=sup.key suppress --list=sup.ndjson --match customers.ndjson | jq -r .user | tr '\n' ' ')" = \
	    "u-ann u-cara u-dan u-fay " ]
	# without a key: plain lines as before, with a warning
	rm sup.ndjson
	run_both bounces --sent sent.ndjson --suppress sup.ndjson box
	[[ "$stderr" == *"sup.ndjson: no suppression key: addresses are written in clear"* ]]
	grep -q '"email":"ann@example.org"' sup.ndjson
}

@test "bounces: parts in base64 and quoted-printable are decoded (RFC 6533 global DSN, ARF, QP headers, non-standard)" {
	jq -nc '"gggg7777.c1","hhhh8888.c1","iiii9999.c1.20251128T100000Z.0123456789abcdef0123456789abcdef",
	    "jjjj0000.c1","kkkk1234.c1" | {event:"sent", user:("u-" + .[0:1]), campaign:"c1", variant:"llm",
	    message_id:("<" + . + "@example.com>"), ts:1764000000}' > sent-enc.ndjson
	rm box/*; cp "$S"/encoded/*.eml box/
	run_both bounces --sent sent-enc.ndjson --suppress sup.ndjson --now 1764100000 box
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | jq -c '[.event,.user,.kind,.status]' | sort > got
	cat > want <<-'EOF'
		["bounce","u-g","hard","5.1.1"]
		["bounce","u-i","soft","4.4.7"]
		["bounce","u-j","hard","5.1.1"]
		["bounce","u-k","soft","4.2.2"]
		["complaint","u-h",null,null]
		EOF
	diff want got
	[ "$(jq -r '.email + " " + .reason' sup.ndjson | sort | tr '\n' ',')" = \
	    "gus@example.org bounce,hal@example.org complaint,jo@example.org bounce," ]
	[[ "$stderr" == *"5 messages: 4 bounces (2 hard), 1 complaints, 0 unsubscribes, 0 not matched to a sent message, 0 others"* ]]
}

@test "bounces: a bad --sent line is named; --sent is required; a missing mailbox exits 66" {
	printf '{"event":"sent","message_id":"<x>"}\n' > bad.ndjson
	run_both bounces --sent bad.ndjson box
	[ "$status" -eq 65 ]
	[[ "$stderr" == "bounces: bad.ndjson:1: "*'without "user" or "campaign"'* ]]
	run_both bounces box
	[ "$status" -eq 64 ]
	run_both bounces --sent sent.ndjson nowhere
	[ "$status" -eq 66 ]
	run bounces --help
	[[ "$output" == usage:*example:* ]]
}
