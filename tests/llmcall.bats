#!/usr/bin/env bats
# llmcall: prompt records -> replies, against tests/fakellm.py on a loopback port
load helpers

KEY="sk-test-0123456789abcdefSECRET"

setup() {
	setup_scratch
	unset LLM_BASE_URL LLM_MODEL LLM_API_KEY
}

teardown() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
}

# start_fake [fakellm options]: starts the fake server, sets BASE.
start_fake() {
	"$PY3" "$RECMAIL_ROOT/tests/fakellm.py" --port-file "$TMP/port" --log "$TMP/requests.ndjson" "$@" \
		3>&- >/dev/null 2>"$TMP/fake.err" &
	FAKE_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$TMP/port" ] && break
		sleep 0.05
	done
	[ -s "$TMP/port" ]
	BASE="http://127.0.0.1:$(cat "$TMP/port")/v1"
	: >"$TMP/requests.ndjson"
}

# prompt ID TEXT [VARIANT]: one prompt record (FORMATS 2.5)
prompt() {
	jq -nc --arg id "$1" --arg c "$2" --arg v "${3:-llm}" '{id:$id,
	  messages:[{role:"system",content:"You write short, friendly shop emails as JSON."},
	            {role:"user",content:$c}],
	  meta:{user:$id, first_name:"Zoe", locale:"en-GB", campaign:"w48", variant:$v, brand:"Example Shop",
	        items:[{item:"sku9",title:"Blue teapot",category:"kitchen",price:12.5,currency:"GBP",
	                reason:{type:"popular"}}]}}'
}

requests() { grep -c . "$TMP/requests.ndjson" || true; }

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
	start_fake
	prompt c1 "hello" >in.ndjson
	jq -c '. + {response_format:{type:"json_object"}}' in.ndjson >rf.ndjson
	run_both llm --max-tokens=300 --temperature=0.4 rf.ndjson || true
	[ "$status" -eq 0 ]
	run jq -c '.body' "$TMP/requests.ndjson"
	body=$output
	[ "$(jq -r '.model' <<<"$body")" = "test-model" ]
	[ "$(jq -c '.messages' <<<"$body")" = "$(jq -c '.messages' in.ndjson)" ]
	[ "$(jq -r '.max_tokens' <<<"$body")" = "300" ]
	[ "$(jq -r 'has("max_completion_tokens")' <<<"$body")" = "false" ]
	[ "$(jq -r '.temperature' <<<"$body")" = "0.4" ]
	[ "$(jq -c '.response_format' <<<"$body")" = '{"type":"json_object"}' ]
	[ "$(jq -r 'keys_unsorted|sort|join(",")' <<<"$body")" = "max_tokens,messages,model,response_format,temperature" ]
	[ "$(jq -r '.path' "$TMP/requests.ndjson")" = "/v1/chat/completions" ]

	: >"$TMP/requests.ndjson"
	run_both llm --token-param=max_completion_tokens --no-response-format rf.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.body.max_completion_tokens' "$TMP/requests.ndjson")" = "1024" ]
	[ "$(jq -r '.body | has("max_tokens") or has("response_format") or has("temperature")' "$TMP/requests.ndjson")" = "false" ]
}

@test "llmcall: an ok reply line carries content, model, usage, latency, attempts and meta" {
	start_fake
	prompt c1 "hello" >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .ok, .model, .attempts, .usage.total_tokens > 0, (.latency_ms|type)] | @tsv' <<<"$output")" = \
	    "$(printf 'c1\ttrue\ttest-model\t1\ttrue\tnumber')" ]
	[ "$(jq -r '.content | fromjson | .subject' <<<"$output")" = "A few picks for you" ]
	[ "$(jq -c '.meta' <<<"$output")" = "$(jq -c '.meta' in.ndjson)" ]
}

@test "llmcall: sends the key as a Bearer header and never prints it" {
	start_fake
	{ prompt c1 "ok"; prompt c2 "refused [[fake:401]]"; } >in.ndjson
	run_both llm --parallel=1 --progress in.ndjson || true
	[ "$status" -eq 69 ]
	[ "$(jq -r '.auth' "$TMP/requests.ndjson" | sort -u)" = "Bearer $KEY" ]
	[[ "$output" != *"$KEY"* ]]
	[[ "$stderr" != *"$KEY"* ]]
	[[ "$output" != *"SECRET"* && "$stderr" != *"SECRET"* ]]
	[ "$(jq -r '.error.status' <<<"$(sed -n 2p <<<"$output")")" = "401" ]
}

@test "llmcall: --api-key-file and --azure send the key in the api-key header with api-version" {
	start_fake
	printf '%s\n' "$KEY" >key.txt
	prompt c1 "hello" >in.ndjson
	run_both llmcall --base-url="$BASE/" --model=dep --azure --api-version=2024-10-21 --api-key-file=key.txt in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.path, .api_key, (.auth // "none")] | @tsv' "$TMP/requests.ndjson")" = \
	    "$(printf '/v1/chat/completions?api-version=2024-10-21\t%s\tnone' "$KEY")" ]
	[ "$(jq -r '.body | has("max_completion_tokens")' "$TMP/requests.ndjson")" = "true" ]
	[[ "$output$stderr" != *"$KEY"* ]]
}

@test "llmcall: exactly one line per input, in input order, under every fault" {
	start_fake --slow-ms=300
	{
		prompt r1 "a [[fake:500,ok]]"
		prompt r2 "b [[fake:slow]]"
		prompt r3 "c [[fake:503,ok]]"
		prompt r4 "d [[fake:badjson,ok]]"
		prompt r5 "e [[fake:truncated,ok]]"
		prompt r6 "f [[fake:reset,ok]]"
		prompt r7 "g [[fake:never]]"
		prompt r8 "h [[fake:429:0,ok]]"
		prompt r9 "i [[fake:fenced]]"
		prompt r10 "j"
	} >in.ndjson
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
	start_fake
	prompt c1 "x [[fake:429:1,ok]]" >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '.attempts' <<<"$output")" = "2" ]
	run jq -s '.[1].t - .[0].t >= 0.95' "$TMP/requests.ndjson"
	[ "$output" = "true" ]
}

@test "llmcall: Retry-After as an HTTP date is honoured" {
	start_fake
	prompt c1 "x [[fake:429date:2,ok]]" >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 0 ]
	run jq -s '.[1].t - .[0].t >= 0.9' "$TMP/requests.ndjson"
	[ "$output" = "true" ]
}

@test "llmcall: retries stop after --max-retries and the record is reported" {
	start_fake
	{ prompt c1 "x [[fake:500]]"; prompt c2 "y [[fake:400]]"; prompt c3 "z"; } >in.ndjson
	run_both llm --max-retries=2 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, .error.status, .error.attempts] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'c1\tfalse\t500\t3 c2\tfalse\t400\t1 c3\ttrue\t\t')" ]
	[ "$(requests)" -eq 5 ]
	[[ "$stderr" == *"3 done, 1 ok, 2 failed"* ]]
}

@test "llmcall: insufficient_quota stops the run, reports every record and --resume finishes it" {
	start_fake
	for i in 1 2 3 4 5 6; do
		if [ "$i" = 3 ]; then prompt "q$i" "x$i [[fake:quota,ok]]"; else prompt "q$i" "x$i"; fi
	done >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 75 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(jq -r '[.id, .ok, (.error.type // "")] | @tsv' first.ndjson | paste -sd' ')" = \
	    "$(printf 'q1\ttrue\t q2\ttrue\t q3\tfalse\tinsufficient_quota q4\tfalse\tnot_sent q5\tfalse\tnot_sent q6\tfalse\tnot_sent')" ]
	[ "$(requests)" -eq 3 ]
	[[ "$stderr" == *"insufficient_quota"*"--resume"* ]]

	: >"$TMP/requests.ndjson"
	run_both llm --parallel=1 --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .ok] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'q1\ttrue q2\ttrue q3\ttrue q4\ttrue q5\ttrue q6\ttrue')" ]
	[ "$(jq -r '.body.messages[1].content' "$TMP/requests.ndjson" | paste -sd,)" = "x3 [[fake:quota,ok]],x4,x5,x6" ]
	[ "$(sed -n 1,2p <<<"$output")" = "$(sed -n 1,2p first.ndjson)" ]
}

@test "llmcall: --resume repeats nothing that succeeded" {
	start_fake
	{ prompt a "a"; prompt b "b [[fake:400,ok]]"; prompt c "c"; } >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >first.ndjson
	: >"$TMP/requests.ndjson"
	run_both llm --resume=first.ndjson in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 1 ]
	[ "$(jq -r '.body.messages[1].content' "$TMP/requests.ndjson")" = "b [[fake:400,ok]]" ]
	[ "$(jq -r '[.id, .ok] | @tsv' <<<"$output" | paste -sd' ')" = "$(printf 'a\ttrue b\ttrue c\ttrue')" ]
	[[ "$stderr" == *"2 resumed"* ]]
}

@test "llmcall: --cache answers a re-run without a request and keys on the model" {
	start_fake
	{ prompt a "a"; prompt b "b"; } >in.ndjson
	run_both llm --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >first.ndjson
	[ "$(requests)" -eq 2 ]
	[ "$(find cache -type f | wc -l)" -eq 2 ]
	run grep -rl "$KEY" cache
	[ "$status" -ne 0 ]
	: >"$TMP/requests.ndjson"
	run_both llm --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 0 ]
	[ "$(jq -c '[.id, .content, .attempts]' <<<"$output")" = "$(jq -c '[.id, .content, 0]' first.ndjson)" ]
	[[ "$stderr" == *"2 cached"* ]]
	run_both llmcall --base-url="$BASE" --model=other-model --cache=cache in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 2 ]
}

@test "llmcall: --rpm 120 spaces 5 requests over at least 2 seconds" {
	start_fake
	for i in 1 2 3 4 5; do prompt "r$i" "x$i"; done >in.ndjson
	start=$(date +%s.%N)
	run_both llm --parallel=5 --rpm=120 in.ndjson || true
	end=$(date +%s.%N)
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 5 ]
	run jq -s 'map(.t) | (max - min) >= 1.95' "$TMP/requests.ndjson"
	[ "$output" = "true" ]
	[ "$(echo "$end - $start >= 1.95" | bc)" = 1 ]
}

@test "llmcall: x-ratelimit-remaining-requests 0 holds the next request until the reset" {
	start_fake
	{ prompt a "a [[fake:lowrem]]"; prompt b "b"; } >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 0 ]
	run jq -s '.[1].t - .[0].t >= 0.9' "$TMP/requests.ndjson"
	[ "$output" = "true" ]
}

@test "llmcall: a reply with an invented discount is re-asked once with the reason" {
	start_fake
	{ prompt a "a [[fake:discount,ok]]"; prompt b "b [[fake:discount]]"; } >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .ok, .attempts // .error.attempts, (.error.type // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\t2\t b\tfalse\t2\tinvalid_output')" ]
	[[ "$(jq -r 'select(.id=="b") | .error.message' <<<"$output")" == *"offer"* ]]
	run jq -r 'select(.mode=="ok") | .body.messages | [length, .[2].role, .[3].role] | @tsv' "$TMP/requests.ndjson"
	[ "$output" = "$(printf '4\tassistant\tuser')" ]
	run jq -r 'select(.mode=="ok") | .body.messages[3].content' "$TMP/requests.ndjson"
	[[ "$output" == "Your reply was rejected: "*"offer"* ]]
}

@test "llmcall: a malformed line stops with file:line and exit 65 after the records before it" {
	start_fake
	{ prompt a "a"; echo '{"id":"b","messages":"oops"}'; prompt c "c"; } >in.ndjson
	run_both llm in.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"llmcall: in.ndjson:2: \"messages\""* ]]
	[ "$(jq -r .id <<<"$output")" = "a" ]
}

@test "llmcall: --skip-bad reports malformed lines as bad_input in place" {
	start_fake
	{ prompt a "a"; echo 'not json'; echo '{"id":"b","messages":[]}'; prompt c "c"; } >in.ndjson
	run_both llm --skip-bad in.ndjson || true
	[ "$status" -eq 1 ]
	[ "$(jq -r '[(.id // "null"), .ok, (.error.type // "")] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\t null\tfalse\tbad_input b\tfalse\tbad_input c\ttrue\t')" ]
	[[ "$(jq -r 'select(.id=="b") | .error.message' <<<"$output")" == "in.ndjson:3: "* ]]
}

@test "llmcall: --backend=template writes with the offline writer and makes no request" {
	start_fake
	{ prompt a "a"; prompt b "b"; } >in.ndjson
	run_both llmcall --backend=template --base-url="$BASE" in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 0 ]
	[ "$(jq -r '[.id, .ok, .model, (.content | fromjson | (.subject|length > 0) and (.body_text|length > 0))] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttrue\ttemplate\ttrue b\ttrue\ttemplate\ttrue')" ]
}

@test "llmcall: with no base URL the auto backend uses the template writer and says so once" {
	{ prompt a "a"; prompt b "b"; } >in.ndjson
	run_both llmcall in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(grep -c 'offline template writer' <<<"$stderr")" -eq 1 ]
	[ "$(jq -r .model <<<"$output" | sort -u)" = "template" ]
}

@test "llmcall: --template-variants routes those records offline and the rest to the endpoint" {
	start_fake
	{ prompt a "a" template; prompt b "b" llm; prompt c "c" template; } >in.ndjson
	run_both llm --template-variants=template,control in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.id, .model] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\ttemplate b\ttest-model c\ttemplate')" ]
	[ "$(requests)" -eq 1 ]
}

@test "llmcall: --unordered writes each record exactly once" {
	start_fake --slow-ms=400
	{ prompt a "a [[fake:slow]]"; for i in 1 2 3 4 5; do prompt "r$i" "x$i"; done; } >in.ndjson
	run_both llm --unordered --parallel=3 in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output" | sort | paste -sd,)" = "a,r1,r2,r3,r4,r5" ]
	[ "$(jq -r .id <<<"$output" | tail -1)" = "a" ]
}

@test "llmcall: 404 stops the run as endpoint unusable with every record written" {
	start_fake --mode=404
	{ prompt a "a"; prompt b "b"; prompt c "c"; } >in.ndjson
	run_both llm --parallel=1 in.ndjson || true
	[ "$status" -eq 69 ]
	[ "$(jq -r '[.id, (.error.type)] | @tsv' <<<"$output" | paste -sd' ')" = \
	    "$(printf 'a\tinvalid_request_error b\tnot_sent c\tnot_sent')" ]
	[[ "$stderr" == *"endpoint unusable"* ]]
}

@test "llmcall: a small window keeps order with many records and slow ones" {
	start_fake --slow-ms=200
	for i in $(seq 1 60); do
		if [ $((i % 7)) = 0 ]; then prompt "r$i" "x$i [[fake:slow]]"; else prompt "r$i" "x$i"; fi
	done >in.ndjson
	run_both llm --parallel=8 --window=10 in.ndjson || true
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output" | paste -sd,)" = "$(seq 1 60 | sed 's/^/r/' | paste -sd,)" ]
}
