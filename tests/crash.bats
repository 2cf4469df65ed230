#!/usr/bin/env bats
# tests/crash.bats - crash consistency of pipelines/campaign: SIGKILL at many points (stage
# boundaries, random offsets within the write and send stages), a re-run after each, then the
# invariants: each message delivered exactly once at the SMTP server, sent events equal to the
# deliveries (no user twice), no LLM reply asked for again after it was stored, no temporary file
# (*.tmp*, *.partial) left behind. It prints the kill points and the violations (0).
# By default 8 kill points (about a minute, in every make check); RECMAIL_CRASH=1 runs 31 (4 to 8
# minutes on 2 shared cores): RECMAIL_CRASH=1 bats tests/crash.bats.

load helpers

setup() {
	setup_scratch
	export SOURCE_DATE_EPOCH=1764000000
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY SMTP_URL SMTP_USER SMTP_PASSWORD JOBS
	shopgen --seed=7 --customers=40 --per-category=4 --out-dir="$TMP/shop" 2>/dev/null
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --port-file "$TMP/llm.port" --log "$TMP/llm.log" \
		>llm.out 2>&1 &
	FAKE_PID=$!
	"$PY3" "$RECMAIL_ROOT/tests/smtpd.py" --dir "$TMP/srv" --port-file "$TMP/smtp.port" \
		>smtpd.out 2>&1 &
	SMTPD_PID=$!
	wait_port "$TMP/llm.port"
	wait_port "$TMP/smtp.port"
	export LLM_BASE_URL="http://127.0.0.1:$(cat "$TMP/llm.port")/v1" LLM_MODEL=fake-model
	export LLM_API_KEY=sk-test-secret-0123456789
	export SMTP_URL="smtp://127.0.0.1:$(cat "$TMP/smtp.port")"
}

teardown() {
	for p in ${FAKE_PID:-} ${SMTPD_PID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# conf N: the campaign configuration of kill point N (its own runs directory, so that the
# frequency cap of one point does not skip the customers of the next)
conf() {
	cat >"c$1.conf" <<-EOF
	DATA_DIR=$TMP/shop
	RUNS_DIR=$TMP/runs$1
	TRAIN_OPTS="--algo=ials --factors=8 --epochs=5 --alpha=10"
	TOPK_OPTS="-n 3 --max-per-category=2"
	MAILSEND_OPTS="--rate=0 --retries=1 --backoff=1"
	APPROVAL=none
	LLM_OPTS="--parallel=8 --max-retries=2 --backoff=50"
	EOF
}

# wait_for FILE: up to 20 s
wait_for() {
	for _ in $(seq 400); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# violation TEXT: counts and prints one broken invariant of delivery
violation() {
	violations=$((violations + 1))
	echo "kill point $n ($where): $1" >&3
}

# pipeline_violation TEXT: the same for the pipeline's own invariants (sent events, temporary files)
pipeline_violation() {
	pviolations=$((pviolations + 1))
	echo "kill point $n ($where): pipeline: $1" >&3
}

# check N: the invariants of kill point N after its re-run
check() {
	local run="$TMP/runs$1/k$1" ids dup
	ids=$(grep -h -i '^Message-ID:' "$run"/outbox/*.eml | sed 's/^[^:]*: *//' | tr -d '\r' | sort)
	[ -n "$ids" ] || { violation "no messages in the outbox"; return; }
	# each message of the outbox reached the server exactly once
	dup=$(jq -r .message_id srv/received.ndjson | sort | comm -12 - <(printf '%s\n' "$ids") | uniq -c |
	    awk '$1 != 1' | wc -l)
	[ "$dup" -eq 0 ] || violation "$dup messages delivered more than once"
	[ "$(jq -r .message_id srv/received.ndjson | sort -u | comm -12 - <(printf '%s\n' "$ids") | wc -l)" \
	    -eq "$(printf '%s\n' "$ids" | wc -l)" ] || violation "messages never delivered"
	# the sent events are the deliveries: one per message, no user twice
	[ "$(jq -r --arg c "k$1" 'select(.campaign == $c and .event == "sent") | .user' \
	    "$TMP/runs$1/mailed.ndjson" | sort | uniq | wc -l)" -eq "$(printf '%s\n' "$ids" | wc -l)" ] ||
	    pipeline_violation "sent events differ from the deliveries"
	[ "$(jq -r --arg c "k$1" 'select(.campaign == $c and .event == "sent") | .user' \
	    "$TMP/runs$1/mailed.ndjson" | sort | uniq -d | wc -l)" -eq 0 ] ||
	    pipeline_violation "a user has two sent events"
	# no reply asked for twice, beyond the requests in flight when the write stage was killed
	dup=$(tail -n +"$((llm_before + 1))" llm.log | jq -c '.body.messages' | sort | uniq -d | wc -l)
	if [ "$where" = write ]; then
		[ "$dup" -le 8 ] || violation "$dup LLM requests repeated (more than the 8 in flight)"
	else
		[ "$dup" -eq 0 ] || violation "$dup LLM requests repeated after their replies were stored"
	fi
	repeats=$((repeats + dup))
	# nothing temporary is left behind
	if [ -n "$(find "$TMP/runs$1" -name '*.tmp*' -o -name '*.partial' -o -name '.*.tmp*')" ]; then
		pipeline_violation "temporary files left: $(find "$TMP/runs$1" -name '*.tmp*' -o -name '*.partial' | tr '\n' ' ')"
	fi
}

# crash_points N_WRITE N_SEND STAGE...: the kill points (after each STAGE, and N random offsets
# inside the write and the send stage), run and checked
crash_points() {
	local nw=$1 ns=$2
	shift 2
	RANDOM=15
	violations=0 pviolations=0 repeats=0 n=0
	points=()
	for s in "$@"; do points+=("after:$s"); done
	for _ in $(seq "$nw"); do points+=("write:$((RANDOM % 400))"); done
	for _ in $(seq "$ns"); do points+=("send:$((RANDOM % 350))"); done
	: >llm.log
	for p in "${points[@]}"; do
		n=$((n + 1))
		where=${p%%:*}
		conf "$n"
		llm_before=$(wc -l <llm.log)
		setsid "$RECMAIL_ROOT/pipelines/campaign" -c "c$n.conf" -C "k$n" >"first$n.out" 2>&1 &
		pid=$!
		case $p in
		after:*) wait_for "$TMP/runs$n/k$n/.done/${p#after:}" || true ;;
		write:*) wait_for "$TMP/runs$n/k$n/.done/prompt" && sleep "0.$(printf %03d "${p#write:}")" ;;
		send:*) wait_for "$TMP/runs$n/k$n/.done/format" && sleep "0.$(printf %03d "${p#send:}")" ;;
		esac
		kill -KILL -- -"$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		[ "$where" = after ] && where="after ${p#after:}"
		# a kill meant for the end of a stage can land in the write stage that followed it: then
		# its requests in flight may be asked again, as for a kill inside the write stage
		if [ "$p" != "${p#after:}" ] && [ ! -e "$TMP/runs$n/k$n/.done/write" ] &&
		    grep -q 'stage write: start' "$TMP/runs$n/k$n/campaign.log" 2>/dev/null; then
			where=write
		fi
		if ! "$RECMAIL_ROOT/pipelines/campaign" -c "c$n.conf" -C "k$n" --wait >"second$n.out" 2>&1; then
			violation "the re-run failed: $(tail -1 "second$n.out")"
			continue
		fi
		sleep 0.2 # the server stores a message just after its 250
		check "$n"
	done
	echo "crash: ${#points[@]} kill points, $violations violations, $pviolations pipeline violations," \
	    "$repeats LLM requests repeated (in flight at a kill)" >&3
	[ "$violations" -eq 0 ]
	[ "$pviolations" -eq 0 ]
}

@test "crash: SIGKILL at 8 points of the example campaign (31 with RECMAIL_CRASH=1), each re-run: every message delivered once, sent events equal the deliveries, no LLM reply asked for twice, no temporary file left" {
	if [ "${RECMAIL_CRASH:-0}" = 1 ]; then
		crash_points 11 11 ingest train recommend cap assign prompt write format send
		[ "${#points[@]}" -ge 30 ]
	else
		crash_points 3 3 prompt format
		[ "${#points[@]}" -eq 8 ]
	fi
}
