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
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
	APPROVAL=none
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
	jq -e -s --arg u "$victim" 'map(select(.user == $u)) | length == 1 and .[0].skipped == "suppressed"' runs/second/capped.ndjson
	# nobody got two emails
	[ "$(jq -r '.rcpt | if type == "array" then .[] else . end' srv/received.ndjson |
		sort | uniq -d | wc -l)" -eq 0 ]
	# with FREQ_CAP_HOURS=0 nobody is capped any more, but the suppressed one still is: not even a
	# customer mailed this very second (0 hours is no cap, not a window of 0 seconds that the
	# same second still falls in: this is dated an hour ahead, so "ts >= now" always holds)
	jq -c 'select(.event == "sent") | .campaign = "other" | .ts = (now | floor) + 3600' runs/mailed.ndjson |
		head -n 1 >>runs/mailed.ndjson
	FREQ_CAP_HOURS=0 run pipelines_campaign -C third
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.skipped == "frequency_cap")' runs/third/capped.ndjson | wc -l)" -eq 0 ]
	jq -e -s --arg u "$victim" 'map(select(.user == $u)) | length == 1 and .[0].skipped == "suppressed"' runs/third/capped.ndjson
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

# --- issue 13: the campaign tells the truth. Each test is one case the issue names. ---

# shim_bin NAME SCRIPT: a bin/ of symlinks to the real programs with NAME replaced by SCRIPT
# (which finds the real program as $REAL); RECMAIL_BIN=$TMP/shim uses it
shim_bin() {
	mkdir -p shim
	for p in "${RECMAIL_BIN:-$RECMAIL_ROOT/bin}"/*; do ln -sf "$p" shim/; done
	rm -f "shim/$1"
	{ echo '#!/bin/bash'; echo "REAL=$(printf '%q' "${RECMAIL_BIN:-$RECMAIL_ROOT/bin}/$1")"; echo "$2"; } >"shim/$1"
	chmod +x "shim/$1"
}

# killed_in_send ID: runs campaign ID with the shim bin/ (a mailsend that touches send.killme and
# sleeps) and kills it there, in its send stage
killed_in_send() {
	local pid
	RECMAIL_BIN="$TMP/shim" setsid "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C "$1" >"first-$1.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do [ -e "runs/$1/send.killme" ] && break; sleep 0.1; done
	[ -e "runs/$1/send.killme" ] || return 1
	kill -KILL -- -"$pid"
	wait "$pid" || true
	rm -f "runs/$1/send.killme"
}

@test "campaign (13.1): an LLM answering 400 to every request fails the run by the loss budget; a re-run asks again only for what failed" {
	start_fakellm --mode=400
	echo 'LLM_OPTS="--parallel=8 --max-retries=2 --backoff=50 --breaker=0"' >>campaign.conf
	run pipelines_campaign -C lb
	[ "$status" -eq 65 ] || { echo "$output"; false; }
	grep -q 'stage write: FAILED with status 65: [0-9]* of [0-9]* records rejected' runs/lb/campaign.log
	grep 'stage write: FAILED' runs/lb/campaign.log | grep -q 'most common reasons: [0-9]* invalid_request_error (HTTP 400)'
	! grep -q 'campaign lb: finished' runs/lb/campaign.log
	[ ! -e runs/lb/.done/write ]
	failed=$(llm_requests)
	llm=$(jq -c 'select(.meta.variant == "llm")' runs/lb/prompts.ndjson | wc -l)
	[ "$failed" -eq "$llm" ]
	# the endpoint is fixed: the re-run asks for the failed records only, once each
	kill "$FAKE_PID"; wait "$FAKE_PID" || true
	rm -f llm.log llm.port
	start_fakellm
	run pipelines_campaign -C lb
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(llm_requests)" -eq "$llm" ]
	[ "$(jq -c '.body.messages' llm.log | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(jq -c 'select(.ok != true)' runs/lb/replies.ndjson | wc -l)" -eq 0 ]
	[ "$(find runs/lb/outbox -name '*.eml' | wc -l)" -eq "$(wc -l <runs/lb/prompts.ndjson)" ]
	# MAX_REJECT=1 never fails; the circuit breaker's stop is the run's status, and the log says why
	kill "$FAKE_PID"; wait "$FAKE_PID" || true
	rm -f llm.log llm.port
	start_fakellm --mode=400
	MAX_REJECT=1 run pipelines_campaign -C lb1
	[ "$status" -eq 0 ]
	grep -q 'stage write: done .* rejected=[1-9]' runs/lb1/campaign.log
	sed -i 's/ --breaker=0//' campaign.conf
	run pipelines_campaign -C br
	[ "$status" -eq 69 ]
	grep -q 'stage write: .*circuit breaker' runs/br/campaign.log
	grep -q 'stage write: FAILED with status 69: llmcall stopped early' runs/br/campaign.log
}

@test "campaign (13.2): a full disk in the write stage: the stage's own status (74) and a FAILED line in campaign.log" {
	mkdir fs
	if ! mount -t tmpfs -o size=4m tmpfs fs 2>mount.err; then
		skip "cannot mount a tmpfs here (root and CAP_SYS_ADMIN needed): $(cat mount.err)"
	fi
	# llmcall finds the disk full but for 16 KiB (its replies need more)
	shim_bin llmcall 'fs=$(dirname "$PWD")
avail=$(df --output=avail -B1 "$fs" | tail -1)
fallocate -l $((avail - 16384)) "$fs/filler" 2>/dev/null || dd if=/dev/zero of="$fs/filler" bs=4k 2>/dev/null
exec "$REAL" "$@"'
	echo "RUNS_DIR=$TMP/fs" >>campaign.conf
	st=0
	RECMAIL_BIN=$TMP/shim "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C full >out 2>&1 || st=$?
	cp fs/full/campaign.log log || true
	umount fs
	cat out
	[ "$st" -eq 74 ]
	grep -q 'stage write: FAILED with status 74' log
	# llmcall's summary never says more ok than done
	line=$(grep 'stage write: llmcall: [0-9]* done' log)
	done=$(echo "$line" | sed 's/.*llmcall: \([0-9]*\) done, \([0-9]*\) ok.*/\1/')
	ok=$(echo "$line" | sed 's/.*llmcall: \([0-9]*\) done, \([0-9]*\) ok.*/\2/')
	[ "$ok" -le "$done" ]
}

@test "campaign (13.3): what a failing stage prints on stderr is in campaign.log, with the stage's name" {
	cp -r "$SHOP/data" data
	echo '{"item": broken' >>data/catalog.ndjson
	echo "DATA_DIR=$TMP/data" >>campaign.conf
	run pipelines_campaign -C bad
	[ "$status" -eq 65 ]
	grep -q 'stage recommend: FAILED with status 65' runs/bad/campaign.log
	# the reason, with file and line, is in the log, not only on the terminal
	grep -q "^[0-9T:-]*Z stage recommend: topk: .*catalog.ndjson:$(wc -l <data/catalog.ndjson)" runs/bad/campaign.log
}

@test "campaign (13.4): command line > environment > configuration file > default, and the log says where each value came from" {
	start_fakellm
	mkdir elsewhere
	CAMPAIGN=from-env TOPK_OPTS="-n 2" RUNS_DIR=elsewhere/runs run pipelines_campaign -C from-cli
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e runs/from-cli ] && [ ! -e elsewhere/runs/from-env ]
	log=elsewhere/runs/from-cli/campaign.log
	[ "$(jq '.recs | length' elsewhere/runs/from-cli/recs.ndjson | sort -u)" = 2 ]
	grep -q 'config: TOPK_OPTS=-n 2 (environment)' "$log"
	grep -q 'config: CAMPAIGN=from-cli (command-line)' "$log"
	grep -q 'config: TRAIN_OPTS=--algo=ials --factors=8 --epochs=5 --alpha=10 (config)' "$log"
	grep -q 'config: BRAND=Example Shop (default)' "$log"
	grep -q 'config: LLM_API_KEY=(set, hidden) (environment)' "$log"
	! grep -q 'sk-test-secret' "$log"
}

@test "campaign (13.5): every variable pipelines/campaign reads is described in docs/CAMPAIGN.md" {
	script=$RECMAIL_ROOT/pipelines/campaign
	vars=$( { grep -oE '\$\{?[A-Z][A-Z0-9_]+' "$script" | tr -d '${'
		sed -n '/^knobs=(/,/)/p' "$script" | grep -oE '\b[A-Z][A-Z0-9_]+\b'; } |
		grep -vxE 'PATH|LC_ALL|BASH_SOURCE|BASH_COMMAND|PWD|NF' | sort -u)
	[ "$(echo "$vars" | wc -l)" -gt 30 ]
	missing=""
	for v in $vars; do
		grep -q "\`$v\`" "$RECMAIL_ROOT/docs/CAMPAIGN.md" || missing+=" $v"
	done
	[ -z "$missing" ] || { echo "not in docs/CAMPAIGN.md:$missing"; false; }
}

@test "campaign (13.6): a product missing from the catalog is never recommended, so every email carries its products" {
	cp -r "$SHOP/data" data
	# the most bought product leaves the catalog (as POSTAGE is not a product on Online Retail)
	gone=$(jq -r 'select(.event == "purchase") | .item' data/events.ndjson | sort | uniq -c | sort -rn | awk 'NR==1 {print $2}')
	jq -c --arg g "$gone" 'select(.item != $g)' "$SHOP/data/catalog.ndjson" >data/catalog.ndjson
	echo "DATA_DIR=$TMP/data" >>campaign.conf
	run pipelines_campaign -C miss
	[ "$status" -eq 0 ]
	[ "$(jq -r '.recs[].item' runs/miss/recs.ndjson | grep -cxF "$gone" || true)" -eq 0 ]
	# mkprompt left nothing out: every prompt names as many products as its recommendation line
	grep -q 'items left out: 0 not in the catalog' runs/miss/campaign.log
}

@test "campaign (13.7): no LLM and an llm arm is refused; the default without an LLM is a real experiment, template against holdout" {
	echo 'ARMS="llm=0.5,template=0.5"' >>campaign.conf
	run pipelines_campaign -C fake
	[ "$status" -eq 78 ]
	[[ "$output" == *"would get the same treatment"* ]]
	[[ "$output" == *"ARMS=template=1"* ]]
	[ ! -e runs/fake ]
	sed -i '/^ARMS=/d' campaign.conf
	run pipelines_campaign -C honest
	[ "$status" -eq 0 ]
	[ "$(jq -r .variant runs/honest/assigned.ndjson | sort -u | paste -sd,)" = holdout,template ]
	[ "$(jq -r .model runs/honest/replies.ndjson | sort -u)" = template ]
	[ "$(grep -h '^X-Variant:' runs/honest/outbox/*.eml | sort -u)" = 'X-Variant: template' ]
	# the holdout is not a loss: counted apart, by reason
	holdout=$(jq -c 'select(.variant == "holdout")' runs/honest/assigned.ndjson | wc -l)
	[ "$holdout" -gt 0 ]
	grep -q "stage prompt: done in=150 out=$((150 - holdout)) rejected=0 excluded=$holdout (holdout=$holdout)" runs/honest/campaign.log
}

@test "campaign (13.8): killed in the send stage after the server took a message, the re-run leaves exactly one sent event per delivery" {
	start_smtpd
	# the kill falls after the server's 250 and the sent log's line, before the sent event
	shim_bin mailsend '"$REAL" "$@"; st=$?
sed -i "\$d" events-sent.ndjson
: >send.killme
sleep 60
exit $st'
	killed_in_send ks
	run pipelines_campaign -C ks
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	delivered=$(received)
	[ "$delivered" -eq "$(find runs/ks/outbox -name '*.eml' | wc -l)" ]
	[ "$(jq -c 'select(.event == "sent" and .campaign == "ks")' runs/mailed.ndjson | wc -l)" -eq "$delivered" ]
	diff <(jq -r 'select(.event == "sent") | .message_id' runs/mailed.ndjson | sort) \
		<(jq -r .message_id srv/received.ndjson | sort)
	# each event names the writer of its email
	[ "$(jq -r 'select(.event == "sent") | .writer' runs/mailed.ndjson | sort -u)" = template ]
	# and a third run changes nothing
	run pipelines_campaign -C ks --from-stage send
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.event == "sent" and .campaign == "ks")' runs/mailed.ndjson | wc -l)" -eq "$delivered" ]
	[ "$(received)" -eq "$delivered" ]
}

@test "campaign (13.8): a run killed in its send stage and not yet re-run still counts for the frequency cap of the next campaign" {
	start_smtpd
	shim_bin mailsend '"$REAL" "$@"; st=$?
: >send.killme
sleep 60
exit $st'
	killed_in_send ka
	mailed=$(received)
	[ "$mailed" -gt 0 ]
	[ "$(jq -c 'select(.campaign == "ka")' runs/mailed.ndjson | wc -l)" -eq 0 ]
	# the next campaign skips everyone ka's server took, though ka's events are not logged yet
	run pipelines_campaign -C kb
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -c 'select(.skipped == "frequency_cap")' runs/kb/capped.ndjson | wc -l)" -eq "$mailed" ]
	[ "$(jq -r '.rcpt | if type == "array" then .[] else . end' srv/received.ndjson | sort | uniq -d | wc -l)" -eq 0 ]
}

@test "campaign (13.9): a re-run whose inputs changed re-runs the stages that depend on them" {
	cp -r "$SHOP/data" data
	echo "DATA_DIR=$TMP/data" >>campaign.conf
	run pipelines_campaign -C pin
	[ "$status" -eq 0 ]
	# the same inputs: nothing runs again
	run pipelines_campaign -C pin
	[ "$(grep -c 'already done, skipped' runs/pin/campaign.log)" -eq 8 ]
	# a price changes: from recommend on; the email shows the new price
	item=$(jq -r '.meta.items[0].item' runs/pin/prompts.ndjson | head -1)
	jq -c --arg i "$item" 'if .item == $i then .price = 77.77 else . end' "$SHOP/data/catalog.ndjson" >data/catalog.ndjson
	run pipelines_campaign -C pin
	[ "$status" -eq 0 ]
	grep -q 'stage recommend: its inputs changed since it ran (CATALOG)' runs/pin/campaign.log
	jq -s -e --arg i "$item" '[.[].meta.items[] | select(.item == $i) | .price] | length > 0 and all(. == 77.77)' \
		runs/pin/prompts.ndjson >/dev/null
	"$PY3" - runs/pin/outbox <<-'PY'
	import email, email.policy, pathlib, re, sys
	texts = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
	         .get_body(preferencelist=("plain",)).get_content() for p in pathlib.Path(sys.argv[1]).glob("*.eml")]
	sys.exit(0 if any(re.search(r"77[.,]77", t) for t in texts) else 1)
	PY
	# another campaign mailed a customer since: the frequency cap is taken again
	victim=$(jq -r .user runs/pin/recs-capped.ndjson | head -1)
	jq -nc --arg u "$victim" --argjson t "$(date +%s)" '{event: "sent", user: $u, campaign: "other", ts: $t}' >>runs/mailed.ndjson
	run pipelines_campaign -C pin
	grep -q 'stage cap: its inputs changed since it ran (MAILED_LOG)' runs/pin/campaign.log
	jq -s -e --arg u "$victim" 'map(select(.user == $u)) | length == 1 and .[0].skipped == "frequency_cap"' runs/pin/capped.ndjson
	# a later day: the messages are dated again
	SOURCE_DATE_EPOCH=$((SOURCE_DATE_EPOCH + 3 * 86400)) run pipelines_campaign -C pin
	grep -q 'stage format: its inputs changed since it ran (day)' runs/pin/campaign.log
	grep -q '^Date: .* 27 Nov 2025' "$(find runs/pin/outbox -name '*.eml' | head -1)"
}

@test "campaign (13.10): examples/movielens/run finds the shared data by default and says what its counts mean" {
	skip_unless_data ml-100k/u.data
	# a copy of the repository elsewhere, the shared data named by RECMAIL_SHARED_DATA (as the tests do)
	mkdir -p repo/examples repo/pipelines
	cp -r "$RECMAIL_ROOT/examples/movielens" repo/examples/
	cp "$RECMAIL_ROOT/pipelines/campaign" "$RECMAIL_ROOT/pipelines/campaign-review" \
		"$RECMAIL_ROOT/pipelines/approval" "$RECMAIL_ROOT/pipelines/spamcheck" repo/pipelines/
	ln -s "${RECMAIL_BIN:-$RECMAIL_ROOT/bin}" repo/bin
	# no data anywhere: it says where it looked and why it skips
	RECMAIL_SHARED_DATA=$TMP/none run env -u ML100K repo/examples/movielens/run
	[ "$status" -eq 0 ]
	[[ "$output" == *"skipping: no u.data in $TMP/none/ml-100k"*"set ML100K=DIR"* ]]
	RECMAIL_SHARED_DATA=$SHARED_DATA TRAIN_OPTS="--algo=ials --factors=8 --epochs=3" run env -u ML100K repo/examples/movielens/run
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *skipping* ]]
	[ "$(find repo/examples/movielens/runs/movielens-demo/outbox -name '*.eml' | wc -l)" -gt 800 ]
	# the demo's own messages say what its counts are
	[[ "$output" == *"943 customers"* ]]
	# the shop's purchase-only history matrix is explained where ratings2mat drops the other events
	run pipelines_campaign -C seen
	grep -q 'stage ingest: ratings2mat: dropped [0-9]* rows: [0-9]* unknown-event' runs/seen/campaign.log
	grep -q 'stage ingest: seen.st is the purchase history' runs/seen/campaign.log
}

@test "campaign (13.11): make install installs the pipelines and their docs; make uninstall removes everything" {
	make -s -C "$RECMAIL_ROOT" install DESTDIR="$TMP/dest" PREFIX=/usr >make.out 2>&1 || { cat make.out; false; }
	for p in campaign campaign-parallel retention forget; do
		[ -x "dest/usr/share/recmail/pipelines/$p" ]
		[ -L "dest/usr/bin/recmail-$p" ]
	done
	[ -f dest/usr/share/doc/recmail/CAMPAIGN.md ]
	run dest/usr/bin/recmail-campaign --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: pipelines/campaign"* ]]
	# the installed pipeline runs with the installed programs
	sed -i "s#^DATA_DIR=.*#DATA_DIR=$SHOP/data#" campaign.conf
	PATH=/usr/bin:/bin run dest/usr/bin/recmail-campaign -c campaign.conf -C inst
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	make -s -C "$RECMAIL_ROOT" uninstall DESTDIR="$TMP/dest" PREFIX=/usr >make.out 2>&1
	[ -z "$(find dest -type f -o -type l)" ] || { find dest; false; }
	[ ! -e dest/usr/share/recmail ] && [ ! -e dest/usr/share/doc/recmail ]
}
