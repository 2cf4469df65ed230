#!/usr/bin/env bats
# tests/approval.bats - the approval gate and test sends of pipelines/campaign (pipelines/approval),
# against a real SMTP server on loopback (tests/smtpd.py)

load helpers

setup_file() {
	export LC_ALL=C
	SHOP="$BATS_FILE_TMPDIR/shop"
	mkdir -p "$SHOP"
	shopgen --seed=3 --customers=60 --per-category=4 --out-dir="$SHOP/data" 2>/dev/null
	export SHOP
}

setup() {
	setup_scratch
	export SOURCE_DATE_EPOCH=1764000000
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY SMTP_URL SMTP_USER SMTP_PASSWORD JOBS APPROVAL
	SMTPD_PID=""
	cat >campaign.conf <<-EOF
	DATA_DIR=$SHOP/data
	RUNS_DIR=runs
	TRAIN_OPTS="--algo=ials --factors=8 --epochs=5 --alpha=10"
	TOPK_OPTS="-n 3 --max-per-category=2"
	ARMS="template=0.9,holdout=0.1"
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
	EOF
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$TMP/srv" --port-file "$TMP/smtp.port" \
		>smtpd.out 2>&1 &
	SMTPD_PID=$!
	wait_port "$TMP/smtp.port"
	export SMTP_URL="smtp://127.0.0.1:$(cat "$TMP/smtp.port")"
}

teardown() {
	if [ -n "$SMTPD_PID" ]; then
		kill "$SMTPD_PID" 2>/dev/null || true
		wait "$SMTPD_PID" 2>/dev/null || true
	fi
}

campaign() { "$RECMAIL_ROOT/pipelines/campaign" "$@" -c campaign.conf; }
received() { if [ -f srv/received.ndjson ]; then wc -l <srv/received.ndjson | tr -d ' '; else echo 0; fi; }
outbox_count() { find runs/a1/outbox -name '*.eml' | wc -l | tr -d ' '; }

@test "approval: with SMTP_URL the run stops before sending, exits 0 and says it waits for approval" {
	run_both campaign -C a1
	[ "$status" -eq 0 ]
	[ "$(received)" -eq 0 ]
	[ -s runs/a1/report.html ]
	grep -q "stage send: waiting for approval (not approved)" runs/a1/campaign.log
	[[ "$stderr" == *"pipelines/campaign approve $TMP/runs/a1 --by NAME --send -c campaign.conf"* ]]
	[ ! -e runs/a1/.done/send ]
	# a re-run (cron) still waits, still exit 0, still nothing sent
	run campaign -C a1
	[ "$status" -eq 0 ]
	[ "$(received)" -eq 0 ]
}

@test "approval: approve --by NAME --send records who approved which outbox, sends once, never twice" {
	campaign -C a1 2>/dev/null
	run_both campaign approve runs/a1 --by 'Ann Lee' --send
	[ "$status" -eq 0 ]
	n=$(outbox_count)
	[ "$n" -gt 10 ]
	[ "$(received)" -eq "$n" ]
	[ "$(jq -r .by runs/a1/approval.json)" = "Ann Lee" ]
	[ "$(jq -r .messages runs/a1/approval.json)" -eq "$n" ]
	[ "$(jq -r .digest runs/a1/approval.json)" = "$("$RECMAIL_ROOT/pipelines/approval" digest runs/a1)" ]
	# the digest is of every file's name and content
	want=$(cd runs/a1/outbox && find . -maxdepth 1 -name '*.eml' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
	[ "$(jq -r .digest runs/a1/approval.json)" = "$want" ]
	grep -q "approved by Ann Lee: $n messages" runs/a1/campaign.log
	grep -q "stage send: approved by Ann Lee" runs/a1/campaign.log
	run campaign -C a1
	[ "$status" -eq 0 ]
	[ "$(received)" -eq "$n" ]
	# approving needs a name
	run campaign approve runs/a1
	[ "$status" -eq 64 ]
}

@test "approval: an outbox changed after approval is refused with 77 and nothing is sent" {
	campaign -C a1 2>/dev/null
	campaign approve runs/a1 --by ann 2>/dev/null
	f=$(find runs/a1/outbox -name '*.eml' | sort | sed -n 1p)
	printf 'x\n' >>"$f"
	run_both campaign -C a1
	[ "$status" -eq 77 ]
	[ "$(received)" -eq 0 ]
	[[ "$stderr" == *"REFUSED: the outbox changed after ann approved it"* ]]
	# a new approval of the outbox as it is now lets it go
	campaign approve runs/a1 --by ann --send 2>/dev/null
	[ "$(received)" -eq "$(outbox_count)" ]
}

@test "approval: an expired approval waits again; APPROVAL=none sends without one" {
	campaign -C a1 2>/dev/null
	campaign approve runs/a1 --by ann 2>/dev/null
	jq -c '.expires = "2020-01-01T00:00:00Z"' runs/a1/approval.json >x && mv x runs/a1/approval.json
	run_both campaign -C a1
	[ "$status" -eq 0 ]
	[ "$(received)" -eq 0 ]
	[[ "$stderr" == *"waiting for approval (the approval by ann expired at 2020-01-01T00:00:00Z)"* ]]
	APPROVAL=none run campaign -C a1
	[ "$status" -eq 0 ]
	[ "$(received)" -eq "$(outbox_count)" ]
	APPROVAL=maybe run campaign -C a2
	[ "$status" -eq 64 ]
}

@test "approval: test-send mails samples of every arm and language to the seeds, marked as tests, counted nowhere" {
	campaign -C a1 2>/dev/null
	run_both campaign test-send runs/a1 --to seed1@example.org --to seed2@example.org
	[ "$status" -eq 0 ]
	# one per (arm, language) of the ok replies, for each seed
	pairs=$(jq -r 'select(.ok) | "\(.meta.variant) \(.meta.locale)"' runs/a1/replies.ndjson | sort -u | wc -l)
	[ "$(received)" -eq $((2 * pairs)) ]
	[ "$(jq -r '.rcpt[]' srv/received.ndjson | sort -u | tr '\n' ' ')" = "seed1@example.org seed2@example.org " ]
	for f in srv/0*.eml; do
		tr -d "\r" <"$f" | grep -q "^X-Campaign: a1\.test$"
	done
	"$PY3" - srv <<-'EOF'
	import email, email.policy, glob, sys
	for p in glob.glob(sys.argv[1] + "/0*.eml"):
	    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
	    assert m["Subject"].startswith("[TEST] "), m["Subject"]
	EOF
	# never a customer's Message-ID, never in the run's sent-log, events or the mailed log
	[ -z "$(comm -12 <(jq -r .message_id srv/received.ndjson | sort) <(find runs/a1/outbox -name '*.eml' -exec grep -h '^Message-ID:' {} + | cut -d' ' -f2 | sort))" ]
	[ ! -e runs/a1/sent-log.ndjson ]
	[ ! -s runs/mailed.ndjson ]
	[ ! -e runs/a1/.done/send ]
	[[ "$stderr" == *"test-send: $((2 * pairs)) test messages"* ]]
	# the real send afterwards: every customer once, the mailed log only them
	campaign approve runs/a1 --by ann --send 2>/dev/null
	[ "$(received)" -eq $((2 * pairs + $(outbox_count))) ]
	[ "$(jq -c 'select(.campaign == "a1")' runs/mailed.ndjson | wc -l)" -eq "$(outbox_count)" ]
	run campaign test-send runs/a1
	[ "$status" -eq 64 ]
}
