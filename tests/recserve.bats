#!/usr/bin/env bats
# tests/recserve.bats - recserve: topk's answers over HTTP (good, unknown user, context, bad parameters,
# huge query strings), batching, and model swaps on SIGHUP under load (no failed request; a bad model
# refused while the old one keeps serving)

load helpers

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	# topk.bats' hand-built model (k=2, mean 3): c1 ranks i1 i2 i4 i5 i3
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" model.st <"$RECMAIL_ROOT/tests/fixtures/topk/model.json"
	# the same ids, c1 and c2's factors exchanged: c1 now ranks i3 first
	jq -c '.P = [[0,1],[1,0],[1,1]]' "$RECMAIL_ROOT/tests/fixtures/topk/model.json" |
	    "$PY3" "$RECMAIL_ROOT/tests/mkst.py" model2.st
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" seen.st <<-'JSON'
	{"kind":"ratings","users":["c1","c2"],"items":["i1","i3"],
	 "entries":[["c1","i1",5,1000000],["c2","i3",4,1000000]]}
	JSON
}

setup() {
	setup_scratch
	cp "$BATS_FILE_TMPDIR"/*.st .
	SERVE_PID=
}

teardown() {
	if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
}

# serve [OPTIONS]: recserve on a free port of 127.0.0.1 (its log in serve.log), $T its base URL
serve() {
	: >serve.log
	recserve --port 0 "$@" 2>serve.log &
	SERVE_PID=$!
	wait_log 'listening on'
	PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' serve.log)
	[ -n "$PORT" ]
	T="http://127.0.0.1:$PORT"
}

# get QUERY: GET /v1/recommendations?QUERY; the body in $body, the status in $code
get() {
	body=$(curl -s -w '\n%{http_code}' "$T/v1/recommendations?$1")
	code=${body##*$'\n'}
	body=${body%$'\n'*}
}

# wait_log TEXT: waits up to 10 s for TEXT in serve.log
wait_log() {
	for _ in $(seq 200); do
		grep -q "$1" serve.log && return 0
		sleep 0.05
	done
	return 1
}

@test "recserve: a known user gets topk's line, cut to n; binds 127.0.0.1 by default" {
	serve --model model.st --seen seen.st -n 4
	grep -q 'listening on 127.0.0.1:' serve.log
	get 'user=c1'
	[ "$code" = 200 ]
	# exactly what topk writes for the same line and options
	[ "$body" = "$(echo '{"user":"c1"}' | topk --model model.st --seen seen.st -n 4)" ]
	[ "$(jq -c '[.recs[].item]' <<<"$body")" = '["i2","i4","i5","i3"]' ]
	jq -f "$RECMAIL_ROOT/tests/recs-contract.jq" <<<"$body"
	get 'user=c1&n=2'
	[ "$code" = 200 ]
	[ "$(jq -c '[.recs[] | [.item, .rank]]' <<<"$body")" = '[["i2",1],["i4",2]]' ]
	# the answer is JSON, not cached
	curl -s -D headers -o /dev/null "$T/v1/recommendations?user=c1"
	grep -qi '^content-type: application/json' headers
	grep -qi '^cache-control: no-store' headers
}

@test "recserve: an unknown user gets the cold-start answer" {
	serve --model model.st -n 3
	get 'user=nobody'
	[ "$code" = 200 ]
	[ "$(jq -c '[.user, .source, [.recs[].item], ([.recs[].reason.type] | unique)]' <<<"$body")" = '["nobody","popular",["i1","i5","i3"],["popular"]]' ]
}

@test "recserve: the session's items are folded in, as topk's line mode does" {
	serve --model model.st -n 3
	get 'user=c1&items=%7B%22i3%22%3A5%7D'
	[ "$code" = 200 ]
	[ "$(jq -c '[.source, [.recs[] | [.item, .score]]]' <<<"$body")" = '["fold-in",[["i1",5.5],["i2",5.12],["i5",4.26]]]' ]
	[ "$body" = "$(echo '{"user":"c1","items":{"i3":5}}' | topk --model model.st -n 3 --stream)" ]
	# a comma-separated list: each item worth 1; a new user is folded in
	get 'user=n1&items=i3,unknown-item'
	[ "$code" = 200 ]
	[ "$body" = "$(echo '{"user":"n1","items":["i3","unknown-item"]}' | topk --model model.st -n 3)" ]
	[ "$(jq -r .source <<<"$body")" = fold-in ]
}

@test "recserve: bad parameters are 400 with a reason, other paths 404, other methods 405" {
	serve --model model.st -n 3
	for q in '' 'n=2' 'user=' 'user=c1&n=0' 'user=c1&n=4' 'user=c1&n=2x' 'user=c1&x=1' \
	    'user=c1&user=c2' 'user=c1&items=%7Bbad' 'user=c1&items=a,,b' 'user=c1&items=%7B%22i3%22%3A%22x%22%7D' \
	    'user=%FF%FE' "user=$(printf 'u%.0s' $(seq 1100))"; do
		get "$q"
		[ "$code" = 400 ] || { echo "query '$q': $code $body"; false; }
		jq -e '.error | length > 0' <<<"$body" >/dev/null
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$T/v2/recommendations?user=c1")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$T/v1/recommendations?user=c1")" = 405 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$T/v1/recommendations?user=c1")" = 200 ]
	get 'user=c1'
	[ "$code" = 200 ]
}

@test "recserve: a huge query string is refused and the server goes on serving" {
	serve --model model.st -n 3
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	run curl -s -o /dev/null -w '%{http_code}' "$T/v1/recommendations?user=c1&items=$big"
	[ "$output" = 414 ]
	items=$(seq -s, 1 1200 | sed 's/\([0-9]*\)/i\1/g')
	get "user=c1&items=$items"
	[ "$code" = 400 ]
	[[ "$body" == *"more than 1000"* ]]
	get 'user=c1'
	[ "$code" = 200 ]
}

@test "recserve: concurrent requests are batched into one product" {
	serve --model model.st -n 3
	for _ in 1 2 3 4 5; do
		"$PY3" "$RECMAIL_ROOT/tests/recload.py" --port "$PORT" --threads 32 --count 20 \
		    '/v1/recommendations?user=c1' '/v1/recommendations?user=zz' >load.json
		[ "$(jq -r '.status["200"]' load.json)" = 640 ]
		[ "$(curl -s "$T/healthz" | jq -r '.biggest_batch > 1')" = true ] && break
	done
	curl -s "$T/healthz" | jq -e '.biggest_batch > 1 and .failed == 0' >/dev/null
}

@test "recserve: SIGHUP swaps the model under load with no failed request" {
	cp model.st live.st
	serve --model live.st -n 2
	a=$(echo '{"user":"c1"}' | topk --model model.st -n 2)
	b=$(echo '{"user":"c1"}' | topk --model model2.st -n 2)
	[ "$a" != "$b" ]
	"$PY3" "$RECMAIL_ROOT/tests/recload.py" --port "$PORT" --threads 8 --stop stop --started started \
	    --bodies '/v1/recommendations?user=c1' '/v1/recommendations?user=zz&items=i2' >load.json &
	load=$!
	for _ in $(seq 100); do [ -e started ] && break; sleep 0.05; done
	for g in 2 3 4 5 6 7; do
		# the new file is renamed into place (as deployments do), then the server is told
		if [ $((g % 2)) = 0 ]; then cp model2.st next.st; else cp model.st next.st; fi
		mv next.st live.st
		kill -HUP "$SERVE_PID"
		wait_log "generation $g:"
		sleep 0.2
	done
	touch stop
	wait "$load"
	cat load.json
	[ "$(jq -r '.errors' load.json)" = 0 ]
	[ "$(jq -r '.status | keys | join(" ")' load.json)" = 200 ]
	[ "$(jq -r '.requests' load.json)" -gt 100 ]
	# both models answered c1, and nothing else did
	jq -r '.bodies["/v1/recommendations?user=c1"][]' load.json | sort >got
	printf '%s\n' "$a" "$b" | sort >want
	cmp got want
	[ "$(curl -s "$T/healthz" | jq -c '[.generation, .swaps, .failed]')" = '[7,6,0]' ]
	grep -q 'swapped in [0-9.]* ms' serve.log
}

@test "recserve: a bad new model is refused, logged, and the old one keeps serving" {
	cp model.st live.st
	serve --model live.st --seen seen.st -n 2
	get 'user=c1'
	before=$body
	echo 'not a container' >live.st
	kill -HUP "$SERVE_PID"
	wait_log 'reload refused'
	grep -q 'reload refused, the old model keeps serving: live.st' serve.log
	get 'user=c1'
	[ "$code" = 200 ]
	[ "$body" = "$before" ]
	# a model the seen matrix does not fit (other user and item tables) is refused too
	"$PY3" "$RECMAIL_ROOT/tests/mkst.py" live.st <<-'JSON'
	{"kind":"ratings","users":["c1"],"items":["i1"],"entries":[["c1","i1",5,1]]}
	JSON
	kill -HUP "$SERVE_PID"
	for _ in $(seq 200); do [ "$(grep -c 'reload refused' serve.log)" -ge 2 ] && break; sleep 0.05; done
	[ "$(grep -c 'reload refused' serve.log)" = 2 ]
	get 'user=c1'
	[ "$body" = "$before" ]
	[ "$(curl -s "$T/healthz" | jq -r .generation)" = 1 ]
	# a good one is taken again
	cp model2.st live.st
	kill -HUP "$SERVE_PID"
	wait_log 'generation 2:'
	get 'user=c1'
	[ "$body" = "$(echo '{"user":"c1"}' | topk --model model2.st --seen seen.st -n 2)" ]
}

@test "recserve: SIGTERM stops it with exit 0 and a summary; a bad start is refused" {
	serve --model model.st
	get 'user=c1'
	kill -TERM "$SERVE_PID"
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	[ "$rc" -eq 0 ]
	grep -q '1 answered' serve.log
	run recserve --model missing.st --port 0
	[ "$status" -eq 66 ]
	run recserve --port 0
	[ "$status" -eq 64 ]
	run recserve --model model.st --all
	[ "$status" -eq 64 ]
	run recserve --model model.st --listen 0.0.0.0.0
	[ "$status" -eq 64 ]
}

@test "recserve: --help and --version go to stdout" {
	run recserve --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: recserve"* ]]
	[[ "$output" == *"example:"* ]]
	run recserve --version
	[ "$status" -eq 0 ]
	[[ "$output" == *recserve* ]]
}
