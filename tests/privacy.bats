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
	ARMS="llm=0.5,template=0.5"
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
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
	run mailfmt --from='Shop <shop@example.com>' --campaign=again --suppress=runs/suppress.ndjson \
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
