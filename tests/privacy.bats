#!/usr/bin/env bats
# tests/privacy.bats - customer data stays private (docs/PRIVACY.md): file modes of a campaign
# run, the hashed suppression list, retention and erasure. One finished campaign (fake LLM, real
# SMTP on loopback, umask 022) is made once per file and copied into every test.

load helpers

setup_file() {
	export LC_ALL=C
	BASE="$BATS_FILE_TMPDIR/base"
	mkdir -p "$BASE"
	cd "$BASE" || return 1
	shopgen --seed=11 --customers=40 --per-category=3 --out-dir="$BASE/data" 2>/dev/null
	write_conf >campaign.conf
	export SOURCE_DATE_EPOCH=1764000000 RECMAIL_SUPPRESS_KEY=test-suppress-key-0123456789
	unset LLM_BASE_URL SMTP_URL JOBS RECMAIL_GROUP_READ GROUP_READ
	start_servers "$BASE"
	(umask 022 && "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C first) 2>"$BASE/campaign.err"
	stop_servers
	export BASE
}

setup() {
	setup_scratch
	cp -a "$BASE/." .
	export SOURCE_DATE_EPOCH=1764000000 RECMAIL_SUPPRESS_KEY=test-suppress-key-0123456789
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY SMTP_URL JOBS RECMAIL_GROUP_READ GROUP_READ
	FAKE_PID="" SMTPD_PID=""
}

teardown() { stop_servers; }

write_conf() {
	cat <<-EOF
	DATA_DIR=data
	RUNS_DIR=runs
	TRAIN_OPTS="--algo=ials --factors=4 --epochs=3 --alpha=10"
	TOPK_OPTS="-n 2"
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
	APPROVAL=none
	LLM_OPTS="--parallel=4 --max-retries=1 --backoff=10"
	FREQ_CAP_HOURS=0
	EOF
}

# start_servers DIR: the fake LLM and the SMTP server, their files in DIR
start_servers() {
	rm -rf "$1/llm.port" "$1/smtp.port" "$1/srv" "$1/llm.log"
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --port-file "$1/llm.port" --log "$1/llm.log" \
		>"$1/llm.out" 2>&1 &
	FAKE_PID=$!
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$1/srv" --port-file "$1/smtp.port" \
		>"$1/smtpd.out" 2>&1 &
	SMTPD_PID=$!
	wait_port "$1/llm.port" && wait_port "$1/smtp.port"
	export LLM_BASE_URL="http://127.0.0.1:$(cat "$1/llm.port")/v1" LLM_MODEL=fake-model
	export LLM_API_KEY=sk-test-secret-0123456789
	export SMTP_URL="smtp://127.0.0.1:$(cat "$1/smtp.port")"
}

stop_servers() {
	for p in ${FAKE_PID:-} ${SMTPD_PID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	FAKE_PID="" SMTPD_PID=""
}

# modes DIR: "MODE TYPE PATH" for every file and directory under DIR whose mode is not private
loose_modes() {
	find "$1" \( -type f ! -perm "$2" -o -type d ! -perm "$3" \) -printf '%m %y %p\n'
}

@test "privacy: the finished example campaign sent mail and left a cache, a sent-log and the mailed log" {
	grep -q 'stage send: done' runs/first/campaign.log
	[ -n "$(find runs/llm-cache -type f)" ]
	[ -s runs/first/sent-log.ndjson ]
	[ -s runs/mailed.ndjson ]
	[ -n "$(find runs/first/outbox -name '*.eml')" ]
}

@test "privacy: every file a campaign run leaves is 0600 and every directory 0700, under umask 022" {
	run loose_modes runs 600 700
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# and the run did leave files of every kind
	[ "$(find runs -type f | wc -l)" -gt 20 ]
}

@test "privacy: GROUP_READ=1 makes a run's files 0640 and directories 0750, whatever the umask" {
	rm -rf runs
	start_servers "$PWD"
	echo GROUP_READ=1 >>campaign.conf
	(umask 077 && "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C grp) 2>err
	grep -q 'stage send: done' runs/grp/campaign.log
	run loose_modes runs 640 750
	[ "$output" = "" ]
	[ "$(find runs -type f | wc -l)" -gt 20 ]
}

# victim: a customer the first run mailed; sets VICTIM, EMAIL, NAME
pick_victim() {
	VICTIM=$(jq -r 'select(.event == "sent") | .user' runs/mailed.ndjson | sort | head -1)
	EMAIL=$(jq -r --arg u "$VICTIM" 'select(.user == $u) | .email' data/customers.ndjson)
	NAME=$(jq -r --arg u "$VICTIM" 'select(.user == $u) | .name' data/customers.ndjson)
	[ -n "$VICTIM" ] && [ -n "$EMAIL" ] && [ -n "$NAME" ]
}

@test "privacy: an address on the hashed list is never mailed: the cap skips it, mailfmt and mailsend refuse it" {
	pick_victim
	suppress --list=runs/suppress.ndjson --add="$(tr a-z A-Z <<<"$EMAIL")" --reason=unsubscribe
	# the list names nobody
	! grep -qiF "$EMAIL" runs/suppress.ndjson
	start_servers "$PWD"
	"$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C second 2>err
	jq -e -s --arg u "$VICTIM" 'map(select(.user == $u)) == [{user: $u, skipped: "suppressed"}]' runs/second/capped.ndjson
	[ "$(jq -c --arg u "$VICTIM" 'select(.meta.user == $u)' runs/second/prompts.ndjson)" = "" ]
	[ "$(wc -l <srv/received.ndjson)" -gt 0 ]
	! grep -qF "$EMAIL" srv/received.ndjson
	# the later stages hold the line too, given the first run's records and messages
	run mailfmt --from="Shop <shop@example.com>" --unsub-mailto=unsubscribe@example.com --campaign=again --suppress=runs/suppress.ndjson \
		--rejects=rej.ndjson --eml-dir=out <runs/first/replies.ndjson
	jq -e -s --arg u "$VICTIM" 'map(select(.user == $u)) | length == 1 and .[0].kind == "suppressed"' rej.ndjson
	run mailsend --url="$SMTP_URL" --rate=0 --suppress=runs/suppress.ndjson --sent-log=sl.ndjson \
		runs/first/outbox
	jq -e -s --arg e "$EMAIL" 'map(select(.recipient == $e)) | length > 0 and all(.status == "suppressed")' sl.ndjson
	[ "$(grep -cF "$EMAIL" srv/received.ndjson)" -eq 0 ]
}

@test "privacy: a plain list of the old format migrated to hashes still suppresses everyone on it" {
	pick_victim
	jq -nc --arg e "$EMAIL" '{email: $e, reason: "bounce", ts: 1700000000}' >runs/suppress.ndjson
	run suppress --list=runs/suppress.ndjson --migrate
	[ "$status" -eq 0 ]
	! grep -qF "$EMAIL" runs/suppress.ndjson
	[ "$(jq -r .reason runs/suppress.ndjson)" = bounce ]
	"$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C second 2>err
	jq -e -s --arg u "$VICTIM" 'map(select(.user == $u)) == [{user: $u, skipped: "suppressed"}]' runs/second/capped.ndjson
}

@test "privacy: a hashed list without its key stops the campaign before anyone is mailed" {
	pick_victim
	suppress --list=runs/suppress.ndjson --add="$EMAIL"
	unset RECMAIL_SUPPRESS_KEY
	start_servers "$PWD"
	run "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C second
	[ "$status" -eq 64 ]
	[[ "$output" == *"holds hashed addresses: set RECMAIL_SUPPRESS_KEY or RECMAIL_SUPPRESS_KEY_FILE"* ]]
	[[ "$output" == *"stage cap: FAILED with status 64"* ]]
	[ ! -e srv/received.ndjson ] || [ "$(wc -l <srv/received.ndjson)" -eq 0 ]
	# SUPPRESS_KEY_FILE in the configuration gives the key
	printf 'test-suppress-key-0123456789\n' >suppress.key
	echo SUPPRESS_KEY_FILE=suppress.key >>campaign.conf
	"$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C second 2>err
	jq -e -s --arg u "$VICTIM" 'map(select(.user == $u)) == [{user: $u, skipped: "suppressed"}]' runs/second/capped.ndjson
}

# victim_llm: a customer of the first run's LLM arm (their reply is in the cache), mailed, with a
# name no other customer has; sets VICTIM, EMAIL, NAME
victim_llm() {
	VICTIM=$(jq -r -s --slurpfile c data/customers.ndjson --slurpfile m runs/mailed.ndjson '
		($c | group_by(.name) | map(select(length == 1) | .[0].user)) as $unique
		| ($m | map(.user)) as $mailed
		| map(select(.meta.variant == "llm") | .meta.user)
		| map(select(. as $u | ($unique | index($u)) and ($mailed | index($u)))) | sort | .[0] // ""' \
		runs/first/prompts.ndjson)
	EMAIL=$(jq -r --arg u "$VICTIM" 'select(.user == $u) | .email' data/customers.ndjson)
	NAME=$(jq -r --arg u "$VICTIM" 'select(.user == $u) | .name' data/customers.ndjson)
	[ -n "$VICTIM" ] && [ -n "$EMAIL" ] && [ -n "$NAME" ]
}

# hits DIR...: the files that still hold the victim's name, address or id
hits() { grep -r -a -l -i -F -e "$EMAIL" -e "$NAME" -e "$VICTIM" "$@"; }

@test "privacy: forget erases a customer from a finished run: no file holds their name, address or id" {
	victim_llm
	# before: they are everywhere
	[ "$(hits runs data | wc -l)" -gt 10 ]
	key=$(jq -r --arg u "$VICTIM" 'select(.meta.user == $u) | .cache_key' runs/first/replies.ndjson)
	[ -f "runs/llm-cache/${key:0:2}/$key" ]
	entries=$(find runs/llm-cache -type f | wc -l)
	others=$(jq -c --arg u "$VICTIM" 'select(.user != $u)' runs/first/recs.ndjson | wc -l)
	cp data/customers.ndjson customers.orig
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user "$VICTIM" --input data/ratings.ndjson
	[ "$status" -eq 0 ]
	echo "$output" >report
	# the report says what went, and names files, never the customer
	jq -e -s 'any(.[]; .removed == "file" and (.file | endswith(".eml")))' <<<"$output"
	jq -e -s 'any(.[]; .removed == "file" and (.file | contains("/llm-cache/")))' <<<"$output"
	jq -e -s 'any(.[]; .removed == "file" and (.file | endswith("/model.st")))' <<<"$output"
	for f in data/customers.ndjson data/events.ndjson runs/first/prompts.ndjson runs/first/replies.ndjson \
	    runs/first/sent-log.ndjson runs/mailed.ndjson; do
		jq -e -s --arg f "$PWD/$f" 'any(.[]; .removed == "lines" and .file == $f and .lines > 0)' <<<"$output"
	done
	jq -e -s 'any(.[]; .suppressed)' <<<"$output"
	[[ "$output" != *"$VICTIM"* && "$output" != *"$EMAIL"* && "$output" != *"$NAME"* ]]
	# after: nowhere, not even in the suppression list; everyone else is still there
	run hits runs data
	[ "$status" -eq 1 ] && [ "$output" = "" ]
	[ "$(wc -l <runs/first/recs.ndjson)" -eq "$others" ]
	[ ! -e "runs/llm-cache/${key:0:2}/$key" ]
	[ "$(find runs/llm-cache -type f | wc -l)" -eq $((entries - 1)) ]
	[ "$(stat -c %a data/customers.ndjson)" = "$(stat -c %a customers.orig)" ]
	[ ! -e runs/first/.done/train ] && [ -e runs/first/.done/recommend ]

	# the next campaign, even with the customer back in the table (a re-import), does not mail them
	cp customers.orig data/customers.ndjson
	start_servers "$PWD"
	"$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C second 2>err
	jq -e -s --arg u "$VICTIM" 'map(select(.user == $u)) == [{user: $u, skipped: "suppressed"}]' \
		runs/second/capped.ndjson
	[ "$(wc -l <srv/received.ndjson)" -gt 0 ]
	! grep -qiF "$EMAIL" srv/received.ndjson
}

@test "privacy: forget by address finds the id; a second erasure is harmless; --dry-run changes nothing" {
	victim_llm
	cp -a runs runs.before
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --email "$(tr a-z A-Z <<<"$EMAIL")" --dry-run
	[ "$status" -eq 0 ]
	jq -e -s 'any(.[]; .removed == "file" and (.file | endswith(".eml")))' <<<"$output"
	diff -r runs.before runs
	cp data/events.ndjson extra-events.ndjson
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --email "$EMAIL" --input extra-events.ndjson \
		--input data/ratings.ndjson
	[ "$status" -eq 0 ]
	jq -e -s --arg f "$PWD/extra-events.ndjson" 'any(.[]; .removed == "lines" and .file == $f)' <<<"$output"
	run hits runs data extra-events.ndjson
	[ "$status" -eq 1 ]
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --email "$EMAIL" --user "$VICTIM"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"forget: warning: not in the customer table (erased already?)"* ]]
	[ "$(jq -s 'map(select(.removed)) | length' <<<"$output")" -eq 0 ]
}

@test "privacy: forget erases on the worker hosts through FORGET_HOST_CMD, and a failing host is exit 75" {
	victim_llm
	# a "host" sees the same paths: the hook maps this directory to hosts/HOST
	mkdir -p hosts/w1
	cp -a runs data campaign.conf hosts/w1/
	cat >hosthook <<-EOF
	#!/bin/sh
	# hosthook HOST COMMAND: COMMAND as if run on HOST (this test's files at hosts/HOST)
	[ -d "$PWD/hosts/\$1" ] || { echo "ssh: \$1: unreachable" >&2; exit 255; }
	exec bash -c "\$(printf '%s' "\$2" | sed "s|$PWD/|$PWD/hosts/\$1/|g")"
	EOF
	chmod +x hosthook
	export FORGET_HOST_CMD="$PWD/hosthook" WORKER_HOSTS=w1
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user "$VICTIM" --input data/ratings.ndjson
	[ "$status" -eq 0 ]
	jq -e -s 'any(.[]; .host == "w1" and .status == 0)' <<<"$output"
	jq -e -s 'any(.[]; .host == "w1" and .removed == "file" and (.file | contains("/hosts/w1/runs/")))' <<<"$output"
	run hits runs data hosts/w1
	[ "$status" -eq 1 ] && [ "$output" = "" ]
	WORKER_HOSTS="w1 down" run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user "$VICTIM"
	[ "$status" -eq 75 ]
	jq -e -s 'any(.[]; .host == "down" and .status == 255)' <<<"$output"
	[[ "$stderr" == *"forget: down: the erasure there failed with status 255; run again"* ]]
}

@test "privacy: forget needs the suppression key and a known customer, and waits for the campaign's lock" {
	run_both env -u RECMAIL_SUPPRESS_KEY "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user c00001
	[ "$status" -eq 64 ]
	[[ "$stderr" == "forget: no suppression key"* ]]
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf
	[ "$status" -eq 64 ]
	flock runs/.lock sleep 3 &
	sleep 0.5
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user c00001
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"a campaign run holds"* ]]
	run_both "$RECMAIL_ROOT/pipelines/forget" -c campaign.conf --user c00001 --wait
	[ "$status" -eq 0 ]
	wait
}

# age DIR DAYS: every file and directory under DIR last written DAYS days ago
age() { find "$1" -exec touch -h -d "@$(($(date +%s) - $2 * 86400))" {} +; }

@test "privacy: retention removes runs and cache entries older than N days and keeps what is needed" {
	cp -a runs/first runs/old
	cp -a runs/first runs/unsent
	rm -f runs/unsent/.done/send
	age runs/old 40
	age runs/unsent 40
	age runs/llm-cache 40
	touch runs/llm-cache/zz-new-entry
	cp runs/suppress.ndjson suppress.before
	now=$(date +%s)
	{
		jq -nc --argjson t $((now - 50 * 86400)) '{event: "sent", user: "c00001", ts: $t}'
		jq -nc --argjson t $((now - 20 * 86400)) '{event: "sent", user: "c00002", ts: $t}'
		jq -nc --argjson t $((now - 3600)) '{event: "sent", user: "c00003", ts: $t}'
	} >runs/mailed.ndjson
	run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf --days 30
	[ "$status" -eq 0 ]
	jq -e -s --arg d "$PWD/runs/old" 'any(.[]; .removed == "run" and .dir == $d and .age_days == 40)' <<<"$output"
	jq -e -s --arg d "$PWD/runs/unsent" 'any(.[]; .kept == "run" and .dir == $d)' <<<"$output"
	[ ! -e runs/old ] && [ -d runs/unsent ] && [ -d runs/first ]
	[ "$(find runs/llm-cache -type f)" = runs/llm-cache/zz-new-entry ]
	[ "$(jq -r .user runs/mailed.ndjson | tr '\n' ' ')" = "c00002 c00003 " ]
	cmp suppress.before runs/suppress.ndjson
	[ "$(stat -c %a runs/mailed.ndjson)" = 600 ]
	# the frequency cap wins over --days: a 2-day window keeps a line of yesterday at 72 hours
	jq -nc --argjson t $((now - 30 * 3600)) '{event: "sent", user: "c00004", ts: $t}' >runs/mailed.ndjson
	RUNS_DIR=$PWD/runs FREQ_CAP_HOURS=72 "$RECMAIL_ROOT/pipelines/retention" --days 1 >/dev/null
	[ "$(jq -r .user runs/mailed.ndjson)" = c00004 ]
}

@test "privacy: retention --dry-run reports and changes nothing; it takes the campaign's lock; bad --days is 64" {
	cp -a runs/first runs/old
	age runs/old 40
	cp -a runs runs.before
	run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf --days 30 --dry-run
	[ "$status" -eq 0 ]
	jq -e -s 'any(.[]; .removed == "run")' <<<"$output"
	diff -r runs.before runs
	flock runs/.lock sleep 3 &
	sleep 0.5
	run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf --days 30
	[ "$status" -eq 75 ]
	[[ "$stderr" == "retention: a campaign run holds $PWD/runs/.lock; try again later (or use --wait)" ]]
	[ -d runs/old ]
	run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf --days 30 --wait
	[ "$status" -eq 0 ]
	[ ! -e runs/old ]
	wait
	for bad in 0 -3 abc ''; do
		run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf --days "$bad"
		[ "$status" -eq 64 ]
	done
	run_both "$RECMAIL_ROOT/pipelines/retention" -c campaign.conf
	[ "$status" -eq 64 ]
}
