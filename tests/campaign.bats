#!/usr/bin/env bats
# tests/campaign.bats - pipelines/campaign end to end on a small example shop, with the fake
# LLM server (tests/fakellm.py) and a real SMTP server on loopback (tests/smtpd.py)

load helpers

setup_file() {
	export LC_ALL=C
	SHOP="$BATS_FILE_TMPDIR/shop"
	mkdir -p "$SHOP"
	shopgen --seed=7 --customers=150 --per-category=4 --out-dir="$SHOP/data" 2>/dev/null
	export SHOP
}

setup() {
	setup_scratch
	export SOURCE_DATE_EPOCH=1764000000
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY SMTP_URL SMTP_USER SMTP_PASSWORD JOBS
	FAKE_PID="" SMTPD_PID=""
	cat >campaign.conf <<-EOF
	DATA_DIR=$SHOP/data
	RUNS_DIR=runs
	TRAIN_OPTS="--algo=ials --factors=8 --epochs=5 --alpha=10"
	TOPK_OPTS="-n 3 --max-per-category=2"
	ARMS="llm=0.5,template=0.5"
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
	LLM_OPTS="--parallel=8 --max-retries=2 --backoff=50"
	EOF
}

teardown() {
	for p in $FAKE_PID $SMTPD_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

start_fakellm() {
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --port-file "$TMP/llm.port" --log "$TMP/llm.log" \
		"$@" >llm.out 2>&1 &
	FAKE_PID=$!
	wait_port "$TMP/llm.port"
	export LLM_BASE_URL="http://127.0.0.1:$(cat "$TMP/llm.port")/v1" LLM_MODEL=fake-model
	export LLM_API_KEY=sk-test-secret-0123456789
}

start_smtpd() {
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$TMP/srv" --port-file "$TMP/smtp.port" "$@" \
		>smtpd.out 2>&1 &
	SMTPD_PID=$!
	wait_port "$TMP/smtp.port"
	export SMTP_URL="smtp://127.0.0.1:$(cat "$TMP/smtp.port")"
}

received() { if [ -f srv/received.ndjson ]; then wc -l <srv/received.ndjson | tr -d ' '; else echo 0; fi; }
llm_requests() { if [ -f llm.log ]; then wc -l <llm.log | tr -d ' '; else echo 0; fi; }

@test "campaign: runs the example shop end to end with the fake LLM and a local SMTP server" {
	start_fakellm
	start_smtpd
	run pipelines_campaign -C c1
	[ "$status" -eq 0 ]
	run_dir=runs/c1
	for s in ingest train recommend cap assign prompt write format send; do
		grep -q "stage $s: done in=" "$run_dir/campaign.log"
	done
	# every customer has a recommendation line that follows the contract
	[ "$(wc -l <"$run_dir/recs.ndjson")" -eq 150 ]
	jq -f "$RECMAIL_ROOT/tests/recs-contract.jq" "$run_dir/recs.ndjson" >/dev/null
	# the LLM arm went to the endpoint, the template arm did not
	llm=$(jq -c 'select(.meta.variant == "llm")' "$run_dir/prompts.ndjson" | wc -l)
	tpl=$(jq -c 'select(.meta.variant == "template")' "$run_dir/prompts.ndjson" | wc -l)
	[ "$llm" -gt 0 ] && [ "$tpl" -gt 0 ]
	[ "$(llm_requests)" -eq "$llm" ]
	# every prompt is accounted for: a message in the outbox or a reject
	prompts=$(wc -l <"$run_dir/prompts.ndjson")
	msgs=$(find "$run_dir/outbox" -name '*.eml' | wc -l)
	rejects=$(wc -l <"$run_dir/rejects-mail.ndjson")
	[ $((msgs + rejects)) -eq "$prompts" ]
	# and every message was received exactly once
	[ "$(received)" -eq "$msgs" ]
	[ "$(jq -r .message_id srv/received.ndjson | sort | uniq -d | wc -l)" -eq 0 ]
	# the key never reaches the run directory or the log
	! grep -r -q "sk-test-secret" "$run_dir"
}

pipelines_campaign() {
	"$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf "$@"
}

@test "campaign: a run killed after the write stage resumes without repeating stages or re-sending" {
	start_fakellm
	start_smtpd
	# a mailfmt that hangs, so that the run is killed between write and format
	mkdir shim
	for p in "${RECMAIL_BIN:-$RECMAIL_ROOT/bin}"/*; do ln -s "$p" shim/; done
	rm shim/mailfmt
	printf '#!/bin/sh\nsleep 60\n' >shim/mailfmt
	chmod +x shim/mailfmt
	RECMAIL_BIN="$TMP/shim" setsid "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C c2 \
		>first.out 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		[ -e runs/c2/.done/write ] && break
		sleep 0.1
	done
	[ -e runs/c2/.done/write ]
	sleep 0.5
	kill -KILL -- -"$pid"
	wait "$pid" || true
	[ ! -e runs/c2/.done/format ]
	before=$(llm_requests)
	[ "$before" -gt 0 ]

	run pipelines_campaign -C c2 --wait
	[ "$status" -eq 0 ]
	for s in ingest train recommend cap assign prompt write; do
		[ "$(grep -c "stage $s: already done, skipped" runs/c2/campaign.log)" -eq 1 ]
	done
	grep -q "stage format: done" runs/c2/campaign.log
	grep -q "stage send: done" runs/c2/campaign.log
	# nothing was asked of the LLM again
	[ "$(llm_requests)" -eq "$before" ]
	msgs=$(find runs/c2/outbox -name '*.eml' | wc -l)
	[ "$(received)" -eq "$msgs" ]

	# a third run finds everything done and sends nothing
	run pipelines_campaign -C c2
	[ "$status" -eq 0 ]
	grep -q "stage send: already done, skipped" runs/c2/campaign.log
	[ "$(received)" -eq "$msgs" ]
}

@test "campaign: a second run while one holds the lock exits 75 at once; --wait queues behind it" {
	mkdir -p runs
	(flock runs/.lock sleep 3) &
	holder=$!
	sleep 0.3
	run pipelines_campaign -C c3
	[ "$status" -eq 75 ]
	[[ "$output" == *"another campaign run holds"* ]]
	[ ! -e runs/c3/.done/ingest ]
	run pipelines_campaign -C c3 --wait
	[ "$status" -eq 0 ]
	wait "$holder"
	grep -q "stage format: done" runs/c3/campaign.log
}

@test "campaign: two runs started at once: one runs, the other exits cleanly, nothing is corrupted" {
	pipelines_campaign -C c4 >a.out 2>&1 &
	a=$!
	pipelines_campaign -C c4 >b.out 2>&1 &
	b=$!
	sa=0 sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	# one of them did the work; the other either lost the lock (75) or found it done (0)
	[ "$sa" -eq 0 ] || [ "$sb" -eq 0 ]
	[ "$sa" -eq 0 ] || [ "$sa" -eq 75 ]
	[ "$sb" -eq 0 ] || [ "$sb" -eq 75 ]
	[ "$(grep -c "stage format: done" runs/c4/campaign.log)" -eq 1 ]
	msgs=$(find runs/c4/outbox -name '*.eml' | wc -l)
	[ "$msgs" -gt 0 ]
	[ "$msgs" -eq "$(jq -c 'select(.ok)' runs/c4/replies.ndjson | wc -l)" ]
	! ls runs/c4 | grep -q '\.tmp'
}

@test "campaign: customers mailed in the last FREQ_CAP_HOURS are skipped; the suppression list always wins" {
	start_smtpd
	run pipelines_campaign -C first
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sent=$(jq -c 'select(.event == "sent")' runs/mailed.ndjson | wc -l)
	[ "$sent" -gt 0 ]
	# suppress one customer (whether mailed or not), by an upper-case spelling of the address
	victim=$(jq -r .user "$SHOP/data/customers.ndjson" | tail -n 1)
	email=$(jq -r --arg u "$victim" 'select(.user == $u) | .email' "$SHOP/data/customers.ndjson")
	jq -nc --arg e "$(echo "$email" | tr a-z A-Z)" '{email:$e, reason:"unsubscribe"}' >runs/suppress.ndjson
	capped=$(jq -r --arg v "$victim" 'select(.event == "sent" and .user != $v) | .user' runs/mailed.ndjson |
		sort -u | wc -l)
	run pipelines_campaign -C second
	[ "$status" -eq 0 ]
	# everyone mailed by "first" is capped, the suppressed customer is skipped as suppressed
	[ "$(jq -c 'select(.skipped == "frequency_cap")' runs/second/capped.ndjson | wc -l)" -eq "$capped" ]
	jq -e --arg u "$victim" 'select(.user == $u) | .skipped == "suppressed"' runs/second/capped.ndjson
	# nobody got two emails
	[ "$(jq -r '.rcpt | if type == "array" then .[] else . end' srv/received.ndjson |
		sort | uniq -d | wc -l)" -eq 0 ]
	# with FREQ_CAP_HOURS=0 nobody is capped any more, but the suppressed one still is
	FREQ_CAP_HOURS=0 run pipelines_campaign -C third
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.skipped == "frequency_cap")' runs/third/capped.ndjson | wc -l)" -eq 0 ]
	jq -e --arg u "$victim" 'select(.user == $u) | .skipped == "suppressed"' runs/third/capped.ndjson
}

@test "campaign-parallel: sharded output equals the single-process output as a set of lines" {
	run pipelines_campaign -C same -r runs/single
	[ "$status" -eq 0 ]
	PARALLEL_BLOCK=2k run "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf -C same \
		-r runs/sharded -j 3
	[ "$status" -eq 0 ]
	for f in recs.ndjson assigned.ndjson prompts.ndjson; do
		diff <(sort "runs/single/$f") <(sort "runs/sharded/$f")
	done
	# replies differ only in timing
	diff <(jq -c 'del(.latency_ms)' runs/single/replies.ndjson | sort) \
		<(jq -c 'del(.latency_ms)' runs/sharded/replies.ndjson | sort)
	diff <(cd runs/single/outbox && ls) <(cd runs/sharded/outbox && ls)
	for f in runs/single/outbox/*.eml; do
		cmp "$f" "runs/sharded/outbox/$(basename "$f")"
	done
}

@test "campaign: a missing input, a bad campaign id and an unknown option are clear errors" {
	run "$RECMAIL_ROOT/pipelines/campaign" -c nonexistent.conf
	[ "$status" -eq 66 ]
	[[ "$output" == *"nonexistent.conf"* ]]
	run pipelines_campaign -C 'bad id;rm'
	[ "$status" -eq 64 ]
	run pipelines_campaign --bogus
	[ "$status" -eq 64 ]
	run "$RECMAIL_ROOT/pipelines/campaign" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: pipelines/campaign"* ]]
}

@test "campaign: RECOMMENDER=hybrid on the example shop recommends products that have no history yet" {
	shopgen --seed=7 --customers=150 --per-category=4 --new-products=12 --out-dir=newshop 2>/dev/null
	cat >>campaign.conf <<-EOF
	DATA_DIR=$TMP/newshop
	ARMS="template=1"
	RECOMMENDER=hybrid
	CONTENT_OPTS="--factors=64"
	EOF
	run pipelines_campaign -C h1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run_dir=runs/h1
	grep -q "stage recommend: done in=150" "$run_dir/campaign.log"
	[ -s "$run_dir/content.st" ]
	jq -f "$RECMAIL_ROOT/tests/recs-contract.jq" "$run_dir/recs.ndjson" >/dev/null
	[ "$(jq -r .source "$run_dir/recs.ndjson" | sort -u)" = blend ]
	# products 49-60 have no event at all; the hybrid recommends some, with a content reason
	new=$(jq -r '.recs[] | select((.item | ltrimstr("sku") | tonumber) > 48) | .item' \
	    "$run_dir/recs.ndjson" | wc -l)
	[ "$new" -gt 0 ]
	jq -e -s '[.[].recs[] | select((.item | ltrimstr("sku") | tonumber) > 48) | .reason.type] |
	    index("content") != null' "$run_dir/recs.ndjson" >/dev/null
	# and the letters say why in words: a content reason's text, in the customer's language
	jq -r 'select(.ok) | .content | fromjson | .body_text' "$run_dir/replies.ndjson" |
	    grep -qE "In the same category as|From the same brand as|Much like|Aus derselben Kategorie|Ganz ähnlich wie|Dans la même catégorie|Dans l’esprit de|De la misma categoría|En la línea de"
	[ -n "$(ls -A "$run_dir/outbox")" ]
	# a bad RECOMMENDER is a usage error
	echo 'RECOMMENDER=magic' >>campaign.conf
	run pipelines_campaign -C h2
	[ "$status" -eq 64 ]
	[[ "$output" == *"RECOMMENDER=magic: not cf, content or hybrid"* ]]
}
