#!/usr/bin/env bats
# llmcall: prompt records -> replies, against tests/fakellm.py on a loopback port
load helpers

KEY="sk-test-0123456789abcdefSECRET"

# One fake server for the whole suite (its start-up is the slow part); each
# test empties its request log and per-record counters through GET /_reset.
setup_file() {
	LOG="$BATS_FILE_TMPDIR/requests.ndjson"
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --port-file "$BATS_FILE_TMPDIR/port" --log "$LOG" \
		--slow-ms=300 3>&- >/dev/null 2>"$BATS_FILE_TMPDIR/fake.err" &
	FAKE_PID=$!
	local i
	for i in $(seq 1 200); do
		[ -s "$BATS_FILE_TMPDIR/port" ] && break
		sleep 0.05
	done
	[ -s "$BATS_FILE_TMPDIR/port" ]
	BASE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/v1"
	export FAKE_PID BASE LOG
}

teardown_file() {
	kill "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
}

setup() {
	setup_scratch
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY
	curl -fsS "${BASE%/v1}/_reset" >/dev/null
}

# prompts: one prompt record (FORMATS 2.5) per "id<TAB>text[<TAB>variant]" line of stdin
prompts() {
	jq -Rc 'split("\t") as [$id, $c, $v] | {id:$id,
	  messages:[{role:"system",content:"You write short, friendly shop emails as JSON."},
	            {role:"user",content:$c}],
	  meta:{user:$id, first_name:"Zoe", locale:"en-GB", campaign:"w48", variant:($v // "llm"),
	        brand:"Example Shop",
	        items:[{item:"sku9",title:"Blue teapot",category:"kitchen",price:12.5,currency:"GBP",
	                reason:{type:"popular"}}]}}'
}

requests() { grep -c . "$LOG" || true; }

llm() { LLM_API_KEY="$KEY" llmcall --base-url="$BASE" --model=test-model --backoff=20 "$@"; }

@test "llmcall: --help shows every option and an example on stdout" {
	run llmcall --help
	[ "$status" -eq 0 ]
	for o in --base-url --model --api-key-file --azure --api-key-header --backend --template-variants \
	    --max-tokens --token-param --temperature --no-response-format --parallel --unordered --rpm \
	    --tpm --max-retries --timeout --cache --resume --skip-bad --progress Example; do
		[[ "$output" == *"$o"* ]]
	done
	run llmcall --version
	[ "$status" -eq 0 ]
	[[ "$output" == "llmcall (recmail) "* ]]
}

@test "llmcall: bad options are usage errors" {
	run llmcall --parallel=0 --backend=template
	[ "$status" -eq 64 ]
	run llmcall --base-url=http://127.0.0.1:9/v1
	[ "$status" -eq 64 ]
	[[ "$output" == *"no model"* ]]
	run llmcall --backend=llm --model=m
	[ "$status" -eq 64 ]
	run llmcall --backend=template --token-param=n_predict
	[ "$status" -eq 64 ]
}

@test "llmcall: request bodies follow the chat-completions format field by field" {
	printf 'c1\thello\n' | prompts >in.ndjson
	jq -c '. + {response_format:{type:"json_object"}}' in.ndjson >rf.ndjson
	run_both llm --max-tokens=300 --temperature=0.4 rf.ndjson || true
	[ "$status" -eq 0 ]
	run jq -c '.body' "$LOG"
	body=$output
	[ "$(jq -r '.model' <<<"$body")" = "test-model" ]
	[ "$(jq -c '.messages' <<<"$body")" = "$(jq -c '.messages' in.ndjson)" ]
	[ "$(jq -r '.max_tokens' <<<"$body")" = "300" ]
	[ "$(jq -r 'has("max_completion_tokens")' <<<"$body")" = "false" ]
	[ "$(jq -r '.temperature' <<<"$body")" = "0.4" ]
	[ "$(jq -c '.response_format' <<<"$body")" = '{"type":"json_object"}' ]
	[ "$(jq -r 'keys_unsorted|sort|join(",")' <<<"$body")" = "max_tokens,messages,model,response_format,temperature" ]
	[ "$(jq -r '.path' "$LOG")" = "/v1/chat/completions" ]

	: >"$LOG"
	run_both llm --token-param=max_completion_tokens --no-response-format rf.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.body.max_completion_tokens' "$LOG")" = "1024" ]
	[ "$(jq -r '.body | has("max_tokens") or has("response_format") or has("temperature")' "$LOG")" = "false" ]
}

@test "llmcall: an ok reply line carries content, model, usage, latency, attempts and meta" {
	printf 'c1\thello\n' | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .ok, .model, .attempts, .usage.total_tokens > 0, (.latency_ms|type)] | @tsv' <<<"$output")" = \
	    "$(printf 'c1\ttrue\ttest-model\t1\ttrue\tnumber')" ]
	[ "$(jq -r '.content | fromjson | .subject' <<<"$output")" = "A few picks for you" ]
	[ "$(jq -c '.meta' <<<"$output")" = "$(jq -c '.meta' in.ndjson)" ]
}

@test "llmcall: sends the key as a Bearer header and never prints it" {
	printf 'c1\tok\nc2\trefused [[fake:401]]\n' | prompts >in.ndjson
	run_both llm --parallel=1 --progress in.ndjson || true
	[ "$status" -eq 69 ]
	[ "$(jq -r '.auth' "$LOG" | sort -u)" = "Bearer $KEY" ]
	[[ "$output" != *"$KEY"* ]]
	[[ "$stderr" != *"$KEY"* ]]
	[[ "$output" != *"SECRET"* && "$stderr" != *"SECRET"* ]]
	[ "$(jq -r '.error.status' <<<"$(sed -n 2p <<<"$output")")" = "401" ]
}

@test "llmcall: --api-key-file and --azure send the key in the api-key header with api-version" {
	printf '%s\n' "$KEY" >key.txt
	printf 'c1\thello\n' | prompts >in.ndjson
	run_both llmcall --base-url="$BASE/" --model=dep --azure --api-version=2024-10-21 --api-key-file=key.txt in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.path, .api_key, (.auth // "none")] | @tsv' "$LOG")" = \
	    "$(printf '/v1/chat/completions?api-version=2024-10-21\t%s\tnone' "$KEY")" ]
	[ "$(jq -r '.body | has("max_completion_tokens")' "$LOG")" = "true" ]
	[[ "$output$stderr" != *"$KEY"* ]]
}

@test "llmcall: exactly one line per input, in input order, under every fault" {
	prompts >in.ndjson <<-EOF
		r1	a [[fake:500,ok]]
		r2	b [[fake:slow]]
		r3	c [[fake:503,ok]]
		r4	d [[fake:badjson,ok]]
		r5	e [[fake:truncated,ok]]
		r6	f [[fake:reset,ok]]
		r7	g [[fake:never]]
		r8	h [[fake:429:0,ok]]
		r9	i [[fake:fenced]]
		r10	j
	EOF
	run_both llm --parallel=4 --timeout=1 --max-retries=1 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r .id <<<"$output" | paste -sd,)" = "r1,r2,r3,r4,r5,r6,r7,r8,r9,r10" ]
	[ "$(jq -r 'select(.ok) | .id' <<<"$output" | paste -sd,)" = "r1,r2,r3,r4,r5,r6,r8,r9,r10" ]
	[ "$(jq -r 'select(.id=="r7") | [.error.type, .error.status, .error.attempts] | @tsv' <<<"$output")" = \
	    "$(printf 'timeout\t0\t2')" ]
	[ "$(jq -r 'select(.id=="r1" or .id=="r3" or .id=="r4" or .id=="r8") | .attempts' <<<"$output" | sort -u)" = "2" ]
	[ "$(jq -r 'select(.id=="r9") | .content | fromjson | .subject' <<<"$output")" = "A few picks for you" ]
}

@test "llmcall: Retry-After in seconds is honoured before the retry" {
	printf 'c1\tx [[fake:429:1,ok]]\n' | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.attempts' <<<"$output")" = "2" ]
	run jq -s '.[1].t - .[0].t >= 0.95' "$LOG"
	[ "$output" = "true" ]
}

@test "llmcall: Retry-After as an HTTP date is honoured" {
	printf 'c1\tx [[fake:429date:2,ok]]\n' | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	run jq -s '.[1].t - .[0].t >= 0.9' "$LOG"
	[ "$output" = "true" ]
}

@test "llmcall: retries stop after --max-retries and the record is reported" {
	printf 'c1\tx [[fake:500]]\nc2\ty [[fake:400]]\nc3\tz\n' | prompts >in.ndjson
	run_both llm --max-retries=2 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, .error.status, .error.attempts] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'c1\tfalse\t500\t3 c2\tfalse\t400\t1 c3\ttrue\t\t')" ]
	[ "$(requests)" -eq 5 ]
	[[ "$stderr" == *"3 done, 1 ok, 2 failed"* ]]
}

@test "llmcall: a reply over 8 MiB fails its record as too_large, once, and the others go on" {
	printf 'h1\tx [[fake:huge,ok]]\nh2\ty\n' | prompts >in.ndjson
	run_both llm --max-retries=2 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, (.error.type // ""), (.error.attempts // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'h1\tfalse\ttoo_large\t1 h2\ttrue\t\t')" ]
	[ "$(jq -r 'select(.id=="h1") | .error.message' <<<"$output")" = "the reply is larger than 8388608 bytes" ]
	[ "$(requests)" -eq 2 ]
}

@test "llmcall: insufficient_quota stops the run, reports every record and --resume finishes it" {
	for i in 1 2 3 4 5 6; do
		if [ "$i" = 3 ]; then printf 'q%s\tx%s [[fake:quota,ok]]\n' $i $i; else printf 'q%s\tx%s\n' $i $i; fi
	done | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 75 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(jq -r '[.id, .ok, (.error.type // "")] | @tsv' first.ndjson | paste -sd' ')" = \
	    "$(printf 'q1\ttrue\t q2\ttrue\t q3\tfalse\tinsufficient_quota q4\tfalse\tnot_sent q5\tfalse\tnot_sent q6\tfalse\tnot_sent')" ]
	[ "$(requests)" -eq 3 ]
	[[ "$stderr" == *"insufficient_quota"*"--resume"* ]]

	: >"$LOG"
	run_both llm --parallel=1 --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .ok] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'q1\ttrue q2\ttrue q3\ttrue q4\ttrue q5\ttrue q6\ttrue')" ]
	[ "$(jq -r '.body.messages[1].content' "$LOG" | paste -sd,)" = "x3 [[fake:quota,ok]],x4,x5,x6" ]
	[ "$(sed -n 1,2p <<<"$output")" = "$(sed -n 1,2p first.ndjson)" ]
}

@test "llmcall: --resume repeats nothing that succeeded" {
	printf 'a\ta\nb\tb [[fake:400,ok]]\nc\tc\n' | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >first.ndjson
	: >"$LOG"
	run_both llm --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 1 ]
	[ "$(jq -r '.body.messages[1].content' "$LOG")" = "b [[fake:400,ok]]" ]
	[ "$(jq -r '[.id, .ok] | @tsv' <<<"$output" | paste -sd' ')" = "$(printf 'a\ttrue b\ttrue c\ttrue')" ]
	[[ "$stderr" == *"2 resumed"* ]]
}

@test "llmcall: --resume reads a torn last line, a CRLF file and a BOM, and resumes the whole lines" {
	printf 'a\ta\nb\tb\nc\tc\n' | prompts >in.ndjson
	run_both llm in.ndjson
	[ "$status" -eq 0 ]
	# a BOM, CRLF line ends, and c's line torn by a kill: a and b are resumed, c is sent again
	{ printf '\xef\xbb\xbf'; sed -n 1p <<<"$output" | tr -d '\n'; printf '\r\n'
	  sed -n 2p <<<"$output"; sed -n 3p <<<"$output" | head -c 40; } >first.ndjson
	: >"$LOG"
	run_both llm --resume=first.ndjson in.ndjson
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 1 ]
	[ "$(jq -r '.body.messages[1].content' "$LOG")" = "c" ]
	[ "$(jq -r .id <<<"$output" | paste -sd' ')" = "a b c" ]
	[[ "$stderr" == *"2 resumed"* ]]
	# the resumed lines are copied whole, byte for byte (no BOM, no CR)
	[ "$(sed -n 1p <<<"$output")" = "$(sed -n 1p first.ndjson | tail -c +4 | tr -d '\r')" ]
}

@test "llmcall: an endless or huge --resume or --api-key-file stops with an error after bounded work" {
	printf 'a\ta\n' | prompts >in.ndjson
	LLM_API_KEY="$KEY" run_both timeout 60 llmcall --base-url="$BASE" --model=m --resume=/dev/zero in.ndjson
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"--resume: /dev/zero:1: line longer than 33554432 bytes"* ]]
	[ "$(requests)" -eq 0 ]
	run_both timeout 10 llmcall --base-url="$BASE" --model=m --api-key-file=/dev/zero in.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "llmcall: /dev/zero: the API key holds a NUL byte (not a key file)" ]
	head -c 100000 /dev/zero | tr '\0' k >big.key
	run_both timeout 10 llmcall --base-url="$BASE" --model=m --api-key-file=big.key in.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "llmcall: big.key: no end of line in the first 16384 bytes (not a key file)" ]
	: >empty.key
	run_both llmcall --base-url="$BASE" --model=m --api-key-file=empty.key in.ndjson
	[ "$status" -eq 65 ]
	[ "$stderr" = "llmcall: empty.key: empty key file" ]
	# a key of its own line, with a second line after it, is still read
	printf '%s\nsecond line\n' "$KEY" >k.txt
	run_both llmcall --base-url="$BASE" --model=m --api-key-file=k.txt in.ndjson
	[ "$status" -eq 0 ]
	[ "$(jq -r .auth "$LOG")" = "Bearer $KEY" ]
	[ "$(requests)" -eq 1 ]
}

@test "llmcall: --cache answers a re-run without a request and keys on the model" {
	printf 'a\ta\nb\tb\n' | prompts >in.ndjson
	run_both llm --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(requests)" -eq 2 ]
	[ "$(find cache -type f | wc -l)" -eq 2 ]
	run grep -rl "$KEY" cache
	[ "$status" -ne 0 ]
	: >"$LOG"
	run_both llm --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 0 ]
	[ "$(jq -c '[.id, .content, .attempts]' <<<"$output")" = "$(jq -c '[.id, .content, 0]' first.ndjson)" ]
	[[ "$stderr" == *"2 cached"* ]]
	# each reply names its entry (what pipelines/forget removes), the same from the cache
	[ "$(jq -r .cache_key <<<"$output")" = "$(jq -r .cache_key first.ndjson)" ]
	for k in $(jq -r .cache_key first.ndjson); do
		[ "$(jq -r .content "cache/${k:0:2}/$k")" = "$(jq -r --arg k "$k" 'select(.cache_key == $k) | .content' first.ndjson)" ]
	done
	run_both llmcall --base-url="$BASE" --model=other-model --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 2 ]
}

@test "llmcall: --rpm 120 spaces 5 requests over at least 2 seconds" {
	for i in 1 2 3 4 5; do printf 'r%s\tx%s\n' $i $i; done | prompts >in.ndjson
	start=$(date +%s.%N)
	run_both llm --parallel=5 --rpm=120 in.ndjson || true
	end=$(date +%s.%N)
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 5 ]
	run jq -s 'map(.t) | (max - min) >= 1.95' "$LOG"
	[ "$output" = "true" ]
	[ "$(echo "$end - $start >= 1.95" | bc)" = 1 ]
}

@test "llmcall: x-ratelimit-remaining-requests 0 holds the next request until the reset" {
	printf 'a\ta [[fake:lowrem]]\nb\tb\n' | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 0 ]
	run jq -s '.[1].t - .[0].t >= 0.9' "$LOG"
	[ "$output" = "true" ]
}

@test "llmcall: a reply with an invented discount is re-asked once with the reason" {
	printf 'a\ta [[fake:discount,ok]]\nb\tb [[fake:discount]]\n' | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, .attempts // .error.attempts, (.error.type // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\t2\t b\tfalse\t2\tinvalid_output')" ]
	[[ "$(jq -r 'select(.id=="b") | .error.message' <<<"$output")" == *"offer"* ]]
	run jq -r 'select(.mode=="ok") | .body.messages | [length, .[2].role, .[3].role] | @tsv' "$LOG"
	[ "$output" = "$(printf '4\tassistant\tuser')" ]
	run jq -r 'select(.mode=="ok") | .body.messages[3].content' "$LOG"
	[[ "$output" == "Your reply was rejected: "*"offer"* ]]
}

@test "llmcall: a malformed line stops with file:line and exit 65 after the records before it" {
	{ printf 'a\ta\n' | prompts; echo '{"id":"b","messages":"oops"}'; printf 'c\tc\n' | prompts; } >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"llmcall: in.ndjson:2: \"messages\""* ]]
	[ "$(jq -r .id <<<"$output")" = "a" ]
}

@test "llmcall: --skip-bad reports malformed lines as bad_input in place" {
	{ printf 'a\ta\n' | prompts; echo 'not json'; echo '{"id":"b","messages":[]}'; printf 'c\tc\n' | prompts; } >in.ndjson
	run_both llm --skip-bad in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[(.id // "null"), .ok, (.error.type // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\t null\tfalse\tbad_input b\tfalse\tbad_input c\ttrue\t')" ]
	[[ "$(jq -r 'select(.id=="b") | .error.message' <<<"$output")" == "in.ndjson:3: "* ]]
}

@test "llmcall: --backend=template writes with the offline writer and makes no request" {
	printf 'a\ta\nb\tb\n' | prompts >in.ndjson
	run_both llmcall --backend=template --base-url="$BASE" in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 0 ]
	[ "$(jq -r '[.id, .ok, .model, (.content | fromjson | (.subject|length > 0) and (.body_text|length > 0))] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\ttemplate\ttrue b\ttrue\ttemplate\ttrue')" ]
}

@test "llmcall: with no base URL the auto backend uses the template writer and says so once" {
	printf 'a\ta\nb\tb\n' | prompts >in.ndjson
	run_both llmcall in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(grep -c 'offline template writer' <<<"$stderr")" -eq 1 ]
	[ "$(jq -r .model <<<"$output" | sort -u)" = "template" ]
}

@test "llmcall: --template-variants routes those records offline and the rest to the endpoint" {
	printf 'a\ta\ttemplate\nb\tb\tllm\nc\tc\ttemplate\n' | prompts >in.ndjson
	run_both llm --template-variants=template,control in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .model] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttemplate b\ttest-model c\ttemplate')" ]
	[ "$(requests)" -eq 1 ]
}

@test "llmcall: --unordered writes each record exactly once" {
	{ printf 'a\ta [[fake:slow:1000]]\n'; for i in 1 2 3 4 5; do printf 'r%s\tx%s\n' $i $i; done; } | prompts >in.ndjson
	run_both llm --unordered --parallel=3 in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output" | sort | paste -sd,)" = "a,r1,r2,r3,r4,r5" ]
	[ "$(jq -r .id <<<"$output" | tail -1)" = "a" ]
}

@test "llmcall: 404 stops the run as endpoint unusable with every record written" {
	printf 'a\ta [[fake:404]]\nb\tb [[fake:404]]\nc\tc [[fake:404]]\n' | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 69 ]
	[ "$(jq -r '[.id, (.error.type)] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\tinvalid_request_error b\tnot_sent c\tnot_sent')" ]
	[[ "$stderr" == *"endpoint unusable"* ]]
}

@test "llmcall: a small window keeps order with many records and slow ones" {
	for i in $(seq 1 60); do
		if [ $((i % 7)) = 0 ]; then printf 'r%s\tx%s [[fake:slow:200]]\n' $i $i; else printf 'r%s\tx%s\n' $i $i; fi
	done | prompts >in.ndjson
	run_both llm --parallel=8 --window=10 in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output" | paste -sd,)" = "$(seq 1 60 | sed 's/^/r/' | paste -sd,)" ]
}

@test "llmcall: on a full disk the summary's ok, failed and template never exceed the lines written" {
	for i in $(seq 1 300); do printf 'p%s\ttext %s\n' "$i" "$i"; done | prompts >in.ndjson
	run -74 bash -c 'llmcall --backend=template in.ndjson >/dev/full'
	sum=$(grep 'done,' <<<"$output")
	done=$(sed -E 's/.*: ([0-9]+) done, ([0-9]+) ok, ([0-9]+) failed.*/\1 \2 \3/' <<<"$sum")
	read -r d o f <<<"$done"
	[ "$o" -le "$d" ] && [ $((o + f)) -eq "$d" ] || { echo "$sum"; false; }
	# nor does the count of records the template wrote
	t=$(sed -E 's/.* ([0-9]+) template;.*/\1/' <<<"$sum")
	[ "$t" -le "$d" ] || { echo "$sum"; false; }
	[[ "$output" == *"write error"* ]]
}

# key_parts: every run of 8 characters of $KEY, raw, URL-encoded and JSON-escaped, one a line
key_parts() {
	"$PY3" -c '
import sys, urllib.parse
k = sys.argv[1]
for i in range(len(k) - 7):
    p = k[i:i + 8]
    print(p)
    print(urllib.parse.quote(p, safe=""))
    print("".join("%%%02X" % ord(c) for c in p))
    print("".join("\\u%04x" % ord(c) for c in p))' "$KEY"
}

@test "llmcall: no file a run writes holds any 8 characters of the key, however the server echoes it" {
	prompts >in.ndjson <<-EOF
		e1	a [[fake:echokey]]
		e2	b [[fake:echourl]]
		e3	c [[fake:echosplit]]
		e4	d [[fake:echojson]]
		e5	e [[fake:errkey]]
		e6	f [[fake:401]]
		e7	g
	EOF
	mkdir run
	llm --parallel=1 --cache=run/cache --progress in.ndjson >run/out.ndjson 2>run/err.log || status=$?
	[ "${status:-0}" -eq 69 ]
	mailfmt --no-unsubscribe --from 'Shop <shop@example.com>' --date 0 --rejects run/rejects.ndjson run/out.ndjson \
		>run/mail.mbox 2>>run/err.log || true
	[ "$(jq -r '[.id, (.error.type // "ok")] | @tsv' run/out.ndjson | paste -sd' ')" = \
	    "$(printf 'e1\tkey_echoed e2\tkey_echoed e3\tkey_echoed e4\tkey_echoed e5\tkey_echoed e6\tinvalid_request_error e7\tnot_sent')" ]
	[ "$(find run/cache -type f | wc -l)" -eq 0 ]
	[ -s run/rejects.ndjson ]
	key_parts >parts.txt
	run grep -rFl -f parts.txt run
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	# and the check can fail: the fake server really sent it
	grep -qF -f parts.txt "$LOG"
}

@test "llmcall: a refusal is type refused with its text, not retried, its tokens counted" {
	printf 'r1\tx [[fake:refusal,ok]]\nr2\ty\n' | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.id=="r1") | [.error.type, .error.status, .error.attempts, .error.message, .usage.total_tokens] | @tsv' <<<"$output")" = \
	    "$(printf "refused\t200\t1\tI'm sorry, I can't help with that request.\t180")" ]
	[ "$(requests)" -eq 2 ]
	[[ "$stderr" == *" $((180 + $(jq -s '.[1].usage.total_tokens' <<<"$output"))) tokens"* ]]
}

@test "llmcall: finish_reason length is truncated, and the one re-ask doubles the token limit" {
	printf 'l1\tx [[fake:length,ok]]\nl2\ty [[fake:lengthcut]]\n' | prompts >in.ndjson
	run_both llm --parallel=1 --max-tokens=300 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, (.attempts // .error.attempts), (.error.type // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'l1\ttrue\t2\t l2\tfalse\t2\ttruncated')" ]
	[ "$(jq -r '.body.max_tokens' "$LOG" | paste -sd,)" = "300,600,300,600" ]
	[[ "$(jq -r 'select(.id=="l2") | .error.message' <<<"$output")" == *'"length"'*"max_tokens 600"* ]]
}

@test "llmcall: a reasoning model's <think> block is dropped before the guardrails and never kept" {
	printf 't1\tx [[fake:think]]\n' | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.attempts' <<<"$output")" = 1 ]
	[ "$(jq -r '.content | fromjson | .subject' <<<"$output")" = "A few picks for you" ]
	[[ "$output" != *"<think>"* && "$output" != *SAVE20* && "$output" != *discount* ]]
}

@test "llmcall: 5 identical non-retryable failures in a row trip the breaker: exit 69, the rest not sent, resumable" {
	for i in 1 2 3 4 5 6 7 8; do printf 'b%s\tx%s [[fake:400,ok]]\n' $i $i; done | prompts >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 69 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(jq -r '.error.type' first.ndjson | uniq -c | awk '{print $1, $2}' | paste -sd,)" = \
	    "5 invalid_request_error,3 not_sent" ]
	[ "$(requests)" -eq 5 ]
	[[ "$stderr" == *"circuit breaker: 5 identical failures in a row (HTTP 400, invalid_request_error)"*"--resume"* ]]
	# resumed, every record is sent: the failed ones' second attempt is ok, the unsent fail once
	: >"$LOG"
	run_both llm --parallel=1 --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(requests)" -eq 8 ]
	[ "$(jq -r '.ok' <<<"$output" | paste -sd,)" = "true,true,true,true,true,false,false,false" ]
	curl -fsS "${BASE%/v1}/_reset" >/dev/null
	run_both llm --parallel=1 --breaker=0 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(requests)" -eq 8 ]
}

@test "llmcall: a failure between identical ones resets the breaker" {
	for i in 1 2 3 4 5 6; do printf 'b%s\tx%s [[fake:400]]\n' $i $i; done | prompts >in.ndjson
	printf 'ok\tfine\n' | prompts >mid.ndjson
	{ head -3 in.ndjson; cat mid.ndjson; tail -3 in.ndjson; } >mixed.ndjson
	run_both llm --parallel=1 --breaker=4 mixed.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.ok) | .id' <<<"$output")" = ok ]
}

@test "llmcall: --max-tokens-total stops sending with 75, says what was spent, and --resume finishes" {
	for i in 1 2 3 4; do printf 's%s\tx%s [[fake:openai]]\n' $i $i; done | prompts >in.ndjson
	run_both llm --parallel=1 --max-tokens-total=300 in.ndjson || true
	[ "$status" -eq 75 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(jq -r '[.id, .ok, (.error.type // "")] | @tsv' first.ndjson | paste -sd' ')" = \
	    "$(printf 's1\ttrue\t s2\ttrue\t s3\tfalse\tnot_sent s4\tfalse\tnot_sent')" ]
	[[ "$stderr" == *"budget reached: 360 tokens"*"2 records not sent, rerun with --resume"* ]]
	[[ "$stderr" == *"360 tokens (240 prompt, 120 completion), estimated cost unknown"* ]]
	run_both llm --parallel=1 --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 resumed"* ]]
}

@test "llmcall: --max-cost with prices per 1,000 tokens stops once reached and the summary prints the cost" {
	for i in 1 2 3 4; do printf 's%s\tx%s [[fake:openai]]\n' $i $i; done | prompts >in.ndjson
	run_both llm --parallel=1 --price-in=1 --price-out=2 --max-cost=0.5 in.ndjson || true
	[ "$status" -eq 75 ]
	[ "$(jq -r '.ok' <<<"$output" | paste -sd,)" = "true,true,true,false" ]
	[[ "$stderr" == *"budget reached: 540 tokens, estimated cost 0.7200 spent"* ]]
	[[ "$stderr" == *"540 tokens (360 prompt, 180 completion), estimated cost 0.7200,"* ]]
	run llmcall --backend=template --max-cost=1
	[ "$status" -eq 64 ]
}

@test "llmcall: the recorded reply shapes of OpenAI, Azure, Ollama, vLLM and llama.cpp are all read" {
	for p in openai azure ollama vllm llamacpp; do printf '%s\tx [[fake:%s]]\n' $p $p; done | prompts >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .ok, .usage.total_tokens, (.content | fromjson | .subject)] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'openai\ttrue\t180\tA few picks for you azure\ttrue\t180\tA few picks for you ollama\ttrue\t180\tA few picks for you vllm\ttrue\t180\tA few picks for you llamacpp\ttrue\t180\tA few picks for you')" ]
	# the reasoning fields never reach the output
	[[ "$output" != *"20% off"* && "$output" != *"free shipping"* && "$output" != *SAVE20* ]]
	# Ollama's placeholder key "ollama" is in its own system_fingerprint: not an echoed key
	printf 'o1\tx [[fake:ollama]]\n' | prompts >ollama.ndjson
	run_both env LLM_API_KEY=ollama llmcall --base-url="$BASE" --model=llama3.1:8b ollama.ndjson
	[ "$status" -eq 0 ]
	[ "$(jq -r .ok <<<"$output")" = true ]
}

@test "llmcall: --help says what --api-key-file and LLM_API_KEY each hold" {
	run llmcall --help
	[[ "$output" == *"FILE's first line is the key"*'$LLM_API_KEY'*"holds the key itself (not a file name)"* ]]
	[[ "$output" == *"--breaker"*"--max-tokens-total"*"--price-in"*"--max-cost"* ]]
}

@test "llmcall's offline writer on MovieLens 100K: 'a close match' only at 0.9 or more, no claim at or below 0.7" {
	skip_unless_data ml-100k/u.data
	ml=$SHARED_DATA/ml-100k
	# the MovieLens example's catalog and customers (as examples/movielens/run makes them), its model
	iconv -f ISO-8859-1 -t UTF-8 "$ml/u.item" |
	    jq -R -c 'split("|") | {item: .[0], title: .[1], category: "film"}' >catalog.ndjson
	jq -R -c 'split("|") | {user: .[0], email: ("viewer" + .[0] + "@example.com"), locale: "en-US"}' \
	    "$ml/u.user" >customers.ndjson
	# shellcheck disable=SC1091
	TRAIN_OPTS=$(. "$RECMAIL_ROOT/examples/movielens/campaign.conf" && echo "$TRAIN_OPTS")
	ratings2mat --preset=movielens "$ml/u.data" -o all.st 2>/dev/null
	# shellcheck disable=SC2086
	svdtrain $TRAIN_OPTS all.st >m.st
	topk --model=m.st --seen=all.st --all -n 5 >recs.ndjson
	mkprompt --catalog=catalog.ndjson --customers=customers.ndjson --campaign=c1 \
	    <recs.ndjson >prompts.ndjson 2>/dev/null
	# (the guard may refuse a letter for another reason: its record is failed, not counted here)
	llmcall --backend=template <prompts.ndjson >all.ndjson 2>/dev/null || true
	jq -c 'select(.ok)' all.ndjson >replies.ndjson
	[ "$(wc -l <replies.ndjson)" -gt 900 ]
	# per reply: the reasons at 0.9 or more, those in (0.7, 0.9), and the sentences written
	jq -r '(.content | fromjson | .body_text) as $b | [.meta.items[].reason]
	    | [(map(select(.type == "similar" and .similarity >= 0.9)) | length),
	       ($b | [scan("A close match to ")] | length),
	       (map(select(.type == "similar" and .similarity > 0.7 and .similarity < 0.9)) | length),
	       ($b | [scan("Because you rated ")] | length),
	       (map(select(.type == "similar" and .similarity <= 0.7)) | length)] | @tsv' \
	    replies.ndjson >counts.tsv
	awk -F'\t' '{ c += $1; cw += $2; b += $3; bw += $4; low += $5 }
	    END { print "close", c, cw, "because", b, bw, "at or below 0.7", low }' counts.tsv
	# every reply's sentences match its reasons exactly
	awk -F'\t' '$1 != $2 || $3 != $4 { bad++ } END { exit bad > 0 }' counts.tsv
	[ "$(awk -F'\t' '{ c += $1 } END { print c }' counts.tsv)" -gt 100 ]
	[ "$(awk -F'\t' '{ low += $5 } END { print low + 0 }' counts.tsv)" -eq 0 ]
}
