#!/usr/bin/env bats
# tests/multihost.bats - pipelines/campaign-parallel --sshlogin on three worker hosts made on this
# machine (tests/netns-hosts: network namespaces, an OpenSSH server each, host keys pinned): the
# single-process run's lines byte for byte, a worker killed in the write stage, one LLM rate limit
# across the workers, and pipelines/forget erasing on the workers over ssh. Needs root (CI is);
# skips, saying why, where network namespaces cannot be made.

load helpers

NETNS_HOSTS="$RECMAIL_ROOT/tests/netns-hosts"

setup_file() {
	export LC_ALL=C
	H="$BATS_FILE_TMPDIR/hosts" SHOP="$BATS_FILE_TMPDIR/shop" NFS="$BATS_FILE_TMPDIR/nfs"
	export H SHOP NFS NO_HOSTS=""
	if ! NO_HOSTS=$("$NETNS_HOSTS" can); then
		echo "# multihost: skipped: $NO_HOSTS" >&3
		export NO_HOSTS
		return 0
	fi
	mkdir -p "$SHOP/runs" "$NFS"
	shopgen --seed=7 --customers=150 --per-category=4 --out-dir="$SHOP/data" 2>/dev/null
	# the LLM cache is "NFS": one directory that this host and every worker see at the same path
	ln -s "$NFS" "$SHOP/runs/llm-cache"
	# a worker sees the programs at this checkout's path (WORKER_BIN), but not the shop: its own
	# disk is there, and its own home (no login scripts of this machine's)
	local hide=(--hide "$SHOP")
	case $RECMAIL_ROOT/ in "$HOME"/*) ;; *) hide+=(--hide "$HOME") ;; esac
	"$NETNS_HOSTS" up "$H" 3 "${hide[@]}" --bind "$NFS:$SHOP/runs/llm-cache"
	echo "# multihost: worker hosts: $(awk '{ printf "%s%s=%s", (NR > 1 ? ", " : ""), $2, $3 }' "$H/names") (this host: $(cat "$H/addr"))" >&3
}

teardown_file() {
	if [ -z "${NO_HOSTS:-}" ]; then "$NETNS_HOSTS" down "$H"; fi
}

setup() {
	[ -z "${NO_HOSTS:-}" ] || skip "no worker hosts: $NO_HOSTS"
	cd "$SHOP" || return 1
	export SOURCE_DATE_EPOCH=1764000000 PARALLEL_SSH="ssh -F $H/ssh_config"
	unset SMTP_URL JOBS
	export RECMAIL_SUPPRESS_KEY=multihost-test-suppression-key-0123456789
	FAKE_PID=""
	rm -rf "${NFS:?}"/* llm.log llm.port
	cat >campaign.conf <<-EOF
	DATA_DIR=data
	RUNS_DIR=runs
	TRAIN_OPTS="--algo=ials --factors=8 --epochs=5 --alpha=10"
	TOPK_OPTS="-n 3 --max-per-category=2"
	ARMS="llm=0.5,template=0.5"
	LLM_OPTS="--parallel=2 --max-retries=2 --backoff=50"
	EOF
}

teardown() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
}

# start_fakellm [ARG]...: the fake LLM on this host's address on the workers' links
start_fakellm() {
	rm -f llm.port
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --bind "$(cat "$H/addr")" --port-file llm.port --log llm.log \
		"$@" >llm.out 2>&1 &
	FAKE_PID=$!
	wait_port llm.port
	LLM_BASE_URL="http://$(cat "$H/addr"):$(cat llm.port)/v1"
	export LLM_BASE_URL LLM_MODEL=fake-model
	export LLM_API_KEY=sk-test-secret-0123456789
}

# shards DIR: "program=jobs" for each per-user stage, from its joblog
shards() {
	local f
	for f in "$1"/joblog-*; do printf '%s=%d ' "${f##*/joblog-}" "$(($(wc -l <"$f") - 1))"; done
}

# same_lines SINGLE SHARDED: every file of the per-user stages is the same, byte for byte (replies
# but for their latency, the attempts they took and their cache key, which names the endpoint's
# address); prints what it compared
same_lines() {
	local f n=0
	for f in recs.ndjson recs-capped.ndjson assigned.ndjson prompts.ndjson rejects-prompt.ndjson \
		rejects-mail.ndjson; do
		cmp "$1/$f" "$2/$f"
		n=$((n + $(wc -l <"$1/$f")))
	done
	cmp <(jq -c 'del(.latency_ms, .attempts, .cache_key)' "$1/replies.ndjson") \
		<(jq -c 'del(.latency_ms, .attempts, .cache_key)' "$2/replies.ndjson")
	n=$((n + $(wc -l <"$1/replies.ndjson")))
	diff -r "$1/outbox" "$2/outbox"
	echo "# multihost: equal: $n lines of recs, assigned, prompts, replies, rejects; $(find "$2/outbox" -name '*.eml' | wc -l) messages byte for byte" >&3
}

# on_workers: the files the workers keep on their own disks
on_workers() { find "$H"/w*/disk/1 -type f; }

# from_first RUN: RUN is the first test's sharded run up to the prompts (its replies gone, so
# that nothing is resumed), for a test to run the write and format stages again
from_first() {
	[ -d "$BATS_FILE_TMPDIR/sharded" ] || skip "needs the sharded run of the first test"
	rm -rf "$1"
	cp -a "$BATS_FILE_TMPDIR/sharded" "$1"
	rm -f "$1"/replies.* "$1"/joblog-*
}

@test "multihost: campaign-parallel over three ssh workers writes the single-process run's lines byte for byte" {
	start_fakellm
	run "$RECMAIL_ROOT/pipelines/campaign" -c campaign.conf -C same -r runs/single
	[ "$status" -eq 0 ]
	cp -a runs/single "$BATS_FILE_TMPDIR/single"
	rm -rf "${NFS:?}"/*
	: >llm.log
	run "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf -C same \
		-r runs/sharded --sshlogin 2/w1,2/w2,2/w3
	[ "$status" -eq 0 ]
	grep -q 'workers: 2/w1,2/w2,2/w3 (6 jobs at once, side files: ship)' runs/sharded/campaign.log
	echo "# multihost: 3 hosts, 6 jobs at once; shards: $(shards runs/sharded)" >&3
	same_lines runs/single runs/sharded
	cp -a runs/sharded "$BATS_FILE_TMPDIR/sharded"
	# the jobs ran on every worker, and every worker called the LLM
	for h in w1 w2 w3; do
		[ "$(awk -v h="$h" '$2 == h' runs/sharded/joblog-* | wc -l)" -gt 0 ]
	done
	[ "$(jq -r .peer llm.log | sort -u | wc -l)" -eq 3 ]
	# nothing of the run stays on a worker's disk (--cleanup), and the secrets were never on a
	# command line there: the fake LLM saw the key in the header only
	[ "$(on_workers | wc -l)" -eq 0 ]
	run ! grep -q sk-test-secret runs/sharded/joblog-*
}

@test "multihost: a worker killed in the write stage: the run finishes on the other two, every reply once, no LLM request repeated" {
	start_fakellm --delay 300
	cat >>campaign.conf <<-EOF
	LLM_OPTS="--parallel=1 --max-retries=2 --backoff=50"
	EOF
	from_first runs/killed
	"$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf -C same \
		-r runs/killed --sshlogin 2/w1,2/w2,2/w3 --from-stage write >killed.out 2>&1 &
	local pid=$! total
	total=$(jq -c 'select(.meta.variant != "template")' "$BATS_FILE_TMPDIR/single/prompts.ndjson" | wc -l)
	# the kill point: a third of the LLM requests made
	for _ in $(seq 600); do
		if [ -f llm.log ] && [ "$(wc -l <llm.log)" -ge $((total / 3)) ]; then break; fi
		sleep 0.1
	done
	local at
	at=$(wc -l <llm.log)
	find "$NFS" -type f -printf '%f\n' | sort >cached-at-kill
	date +%s.%N >kill.time
	"$NETNS_HOSTS" kill "$H" w2
	echo "# multihost: killed w2 in the write stage after $at of $total LLM requests ($(wc -l <cached-at-kill) replies cached)" >&3
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { cat killed.out; false; }
	grep -q 'stage write: done' runs/killed/campaign.log
	# w2 took part until the kill; the rest ran on w1 and w3
	grep -q 'workers: 2/w1,2/w2,2/w3 (6 jobs at once' runs/killed/campaign.log
	grep -q 'worker w2: does not answer over ssh' runs/killed/campaign.log
	echo "# multihost: after the kill: shards $(shards runs/killed)" >&3
	same_lines "$BATS_FILE_TMPDIR/single" runs/killed
	# every customer's reply exactly once
	[ "$(jq -r .id runs/killed/replies.ndjson | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(wc -l <runs/killed/replies.ndjson)" -eq "$(wc -l <runs/killed/prompts.ndjson)" ]
	# no request repeated once its reply was in the shared cache: the requests after the kill
	# are for records whose replies were not cached at the kill
	jq -r '.messages | tojson' runs/killed/prompts.ndjson >prompt-messages
	jq -r '.id' runs/killed/prompts.ndjson >prompt-ids
	paste -d '\t' prompt-ids prompt-messages >by-messages
	jq -r '[.id, (.cache_key // "")] | @tsv' runs/killed/replies.ndjson >keys-by-id
	jq -r --argjson t "$(cat kill.time)" 'select(.t > $t) | .body.messages | tojson' llm.log >after-kill
	local repeated
	repeated=$(awk -F '\t' 'FILENAME == ARGV[1] { key[$1] = $2; next }
		FILENAME == ARGV[2] { cached[$1] = 1; next }
		FILENAME == ARGV[3] { id[substr($0, index($0, "\t") + 1)] = $1; next }
		(key[id[$0]] in cached) { n++ } END { print n + 0 }' keys-by-id cached-at-kill by-messages after-kill)
	[ "$repeated" -eq 0 ]
	local dup
	dup=$(jq -r '.body.messages | tojson' llm.log | sort | uniq -d | wc -l)
	echo "# multihost: LLM requests: $(wc -l <llm.log) for $total records; asked twice: $dup (in flight on w2 at the kill, at most 2); repeated after success: $repeated" >&3
	[ "$dup" -le 2 ]
	# the dead worker's disk still holds what was shipped to it, owner-only (the shop's 0644
	# customer table included): pipelines/forget erases it there (next test)
	"$NETNS_HOSTS" start "$H" w2
	[ "$(on_workers | wc -l)" -gt 0 ]
	[ "$(on_workers | xargs stat -c %a | sort -u)" = 600 ]
}

@test "multihost: --rpm is split across the jobs of all hosts: the endpoint sees the configured rate in total" {
	start_fakellm
	cat >>campaign.conf <<-EOF
	LLM_OPTS="--parallel=4 --rpm=480"
	EOF
	from_first runs/rate
	run "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf -C same \
		-r runs/rate --sshlogin 2/w1,2/w2,2/w3 --from-stage write
	[ "$status" -eq 0 ]
	grep -q 'stage write: --rpm=480 split over 6 jobs: --rpm=80 each' runs/rate/campaign.log
	[ "$(jq -r .peer llm.log | sort -u | wc -l)" -eq 3 ]
	# 480 a minute is 8 a second. Each job's bucket lets one request go at once (its burst, 80/60
	# requests), so in any window of W seconds the endpoint sees at most 8 W + 6 x 1.34 requests,
	# and one more a job when the network delays one request and not the next (arrival times);
	# unsplit, six jobs would each send 8 a second (all 71 requests within 2 s)
	local n first last max5 max1
	n=$(wc -l <llm.log)
	jq -r .t llm.log | sort -n >times.txt
	first=$(head -1 times.txt) last=$(tail -1 times.txt)
	max1=$(awk '{ t[NR] = $1 } END { m = 0; j = 1; for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 1) j++; if (i - j + 1 > m) m = i - j + 1 } print m }' times.txt)
	max5=$(awk '{ t[NR] = $1 } END { m = 0; j = 1; for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 5) j++; if (i - j + 1 > m) m = i - j + 1 } print m }' times.txt)
	echo "# multihost: rate: $n requests from 3 workers in $(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.1f", b - a }') s: at most $max1 in a second, $max5 in 5 s (configured 8/s: 40 in 5 s + 8 of burst + 6 of jitter)" >&3
	[ "$max5" -le 54 ]
	[ "$max1" -le 16 ]
	# and the run took as long as the rate says: n requests at 8 a second
	awk -v a="$first" -v b="$last" -v n="$n" 'BEGIN { exit !(b - a >= (n - 8) / 8) }'
}

@test "multihost: forget erases a customer on the worker hosts over ssh, caches of their own included" {
	start_fakellm
	# a second runs directory whose LLM cache is not shared: each worker keeps its own
	sed 's/^RUNS_DIR=.*/RUNS_DIR=own-runs/' campaign.conf >own.conf
	mkdir -p own-runs
	from_first own-runs/own
	run "$RECMAIL_ROOT/pipelines/campaign-parallel" -c own.conf -C same -r own-runs/own \
		--sshlogin 2/w1,2/w2,2/w3 --from-stage write
	[ "$status" -eq 0 ]
	[ ! -d own-runs/llm-cache ] || [ "$(find own-runs/llm-cache -type f | wc -l)" -eq 0 ]
	local victim email name key
	# a customer whose name no other customer has (the shop's names repeat)
	victim=$(jq -r -s --slurpfile c data/customers.ndjson '($c | group_by(.name) | map(select(length == 1) | .[0].user)) as $u
		| map(select(.model == "fake-model" and (.id as $i | $u | index($i))) | .id) | .[0]' own-runs/own/replies.ndjson)
	[ "$victim" != null ]
	key=$(jq -r --arg u "$victim" 'select(.id == $u) | .cache_key' own-runs/own/replies.ndjson)
	email=$(jq -r --arg u "$victim" 'select(.user == $u) | .email' data/customers.ndjson)
	name=$(jq -r --arg u "$victim" 'select(.user == $u) | .name' data/customers.ndjson)
	# the victim's reply is cached on the worker that wrote it (and nowhere else)
	[ "$(find "$H"/w*/disk/1 -name "$key" | wc -l)" -eq 1 ]
	local c
	# both runs directories, each with its workers (the address too: after the first, the
	# customer table no longer has it)
	for c in campaign.conf own.conf; do
		run_both env WORKER_HOSTS="w1 w2 w3" FORGET_HOST_CMD="ssh -F $H/ssh_config" \
			"$RECMAIL_ROOT/pipelines/forget" -c "$c" --user "$victim" --email "$email" \
			--input data/ratings.ndjson
		[ "$status" -eq 0 ] || { echo "$stderr"; false; }
		for h in w1 w2 w3; do
			jq -e -s --arg h "$h" 'any(.[]; .host == $h and .status == 0)' <<<"$output"
		done
		if [ "$c" = own.conf ]; then
			jq -e -s --arg k "$key" 'any(.[]; .host != null and .removed == "file" and (.file | endswith($k)))' <<<"$output"
		fi
	done
	[ "$(find "$H"/w*/disk/1 -name "$key" | wc -l)" -eq 0 ]
	# other customers' cache entries stay
	[ "$(find "$H"/w*/disk/1 -path '*llm-cache*' -type f | wc -l)" -gt 0 ]
	local hits
	hits=$({ on_workers; find runs/ own-runs data -type f; } |
		xargs grep -l -a -i -F -e "$email" -e "\"$victim\"" -e "$name" | wc -l) || true
	echo "# multihost: forget over ssh on w1 w2 w3: the customer's reply in a worker's own LLM cache: 1 before, 0 after; files naming them on the workers and here: $hits" >&3
	[ "$hits" -eq 0 ] || { { on_workers; find runs/ own-runs data -type f; } |
		xargs grep -l -a -i -F -e "$email" -e "\"$victim\"" -e "$name"; false; }
}

@test "multihost: the worker check refuses WORKER_FILES=shared when the workers do not see the run directory, and workers without the programs" {
	start_fakellm
	WORKER_FILES=shared run_both "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf \
		-C check -r runs/check --sshlogin 2/w1,2/w2,2/w3
	[ "$status" -eq 64 ] || { echo "status $status: $stderr"; false; }
	[[ "$stderr" == *"campaign: worker w1 does not see this run directory: WORKER_FILES=shared needs a shared filesystem"* ]]
	WORKER_BIN=/nonexistent run_both "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf \
		-C check -r runs/check --sshlogin 2/w1,2/w2,2/w3
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"campaign: worker w1: the recmail programs are not in WORKER_BIN (/nonexistent) or PATH there"* ]]
	# a host that does not answer is left out, and with none left the run stops
	run_both "$RECMAIL_ROOT/pipelines/campaign-parallel" -c campaign.conf -C check -r runs/check \
		--sshlogin 2/nohost
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"worker nohost: does not answer over ssh"* ]]
	[[ "$stderr" == *"campaign: no worker of --sshlogin '2/nohost' answers"* ]]
	# nothing of the probes is left in the run directory
	[ "$(find runs/check -name '.probe*' | wc -l)" -eq 0 ]
}
