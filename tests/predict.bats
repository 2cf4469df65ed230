#!/usr/bin/env bats
# tests/predict.bats - predicted ratings for {"user","item"} lines from a hand-built model

load helpers
bats_require_minimum_version 1.5.0

setup() { setup_scratch; }

fixture() { "$PY3" "$RECMAIL_ROOT/tests/stfixture.py" "$@"; }

# users u1, u2; items a, b; k = 2; scale 1..5 (see tests/evaluate.bats for the arithmetic):
#   u1,a = 4.3   u1,b = 4.6   u2,a = 4.05   u2,b = 1.35
mkmodel() {
	fixture model model.st <<-'EOF'
	{"users":["u1","u2"],"items":["a","b"],"k":2,"P":[1,0,0.5,2],"Q":[0.2,0.3,1,-1],
	 "user_bias":[0.5,-0.25],"item_bias":[0.1,-0.4],"global_mean":3.5,"rating_min":1,"rating_max":5}
	EOF
}

# the predictions rounded to 4 decimals, with the known flag, one "user item prediction known" a line
table() { jq -r '[.user, .item, (.prediction * 10000 | round / 10000 | tostring), (if has("known") then (.known | tostring) else "-" end)] | join(" ")'; }

@test "predict: --help prints usage with an example and exits 0" {
	run predict --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* && "$output" == *"--model"* && "$output" == *"example"* ]]
}

@test "predict: adds the model's rating to every line" {
	mkmodel
	printf '{"user":"u1","item":"a"}\n{"user":"u1","item":"b"}\n{"user":"u2","item":"a"}\n{"user":"u2","item":"b"}\n' >in.ndjson
	run_both predict --model=model.st in.ndjson
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(table <<<"$output")" = "$(printf 'u1 a 4.3 -\nu1 b 4.6 -\nu2 a 4.05 -\nu2 b 1.35 -')" ]
}

@test "predict: unknown ids get the fallback and are flagged known:false" {
	mkmodel
	# x,a: 3.5 + 0.1 = 3.6;  u2,zz: 3.5 - 0.25 = 3.25;  x,zz: 3.5
	printf '{"user":"x","item":"a"}\n{"user":"u2","item":"zz"}\n{"user":"x","item":"zz"}\n' |
		predict --model=model.st >out.ndjson
	[ "$(table <out.ndjson)" = "$(printf 'x a 3.6 false\nu2 zz 3.25 false\nx zz 3.5 false')" ]
}

@test "predict: other fields are carried through and prediction is added last" {
	mkmodel
	echo '{"user":"u1","item":"a","segment":"3","ts":17}' | predict --model=model.st >out.ndjson
	[ "$(jq -c 'keys_unsorted' out.ndjson)" = '["user","item","segment","ts","prediction"]' ]
	[ "$(jq -c '[.segment, .ts]' out.ndjson)" = '["3",17]' ]
}

@test "predict: predictions are clipped to the scale unless --no-clip" {
	fixture model model.st <<-'EOF'
	{"users":["u1"],"items":["a"],"k":1,"P":[2],"Q":[2],"user_bias":[0],"item_bias":[0],
	 "global_mean":3,"rating_min":1,"rating_max":5}
	EOF
	# 3 + 0 + 0 + 2*2 = 7
	echo '{"user":"u1","item":"a"}' | predict --model=model.st >out.ndjson
	[ "$(jq .prediction out.ndjson)" = 5 ]
	echo '{"user":"u1","item":"a"}' | predict --model=model.st --no-clip >out.ndjson
	[ "$(jq .prediction out.ndjson)" = 7 ]
}

@test "predict: a bad line is reported with file:line, the others still written, status 1" {
	mkmodel
	printf '{"user":"u1","item":"a"}\n{"user":"u1"}\nnot json\n{"user":1,"item":"a"}\n\n{"user":"u2","item":"b"}\n' >in.ndjson
	run -1 --separate-stderr predict --model=model.st in.ndjson
	[ "$(table <<<"$output")" = "$(printf 'u1 a 4.3 -\nu2 b 1.35 -')" ]
	[ "$(sed -n 1p <<<"$stderr")" = 'predict: in.ndjson:2: missing "item" (a string)' ]
	[[ "$(sed -n 2p <<<"$stderr")" == "predict: in.ndjson:3: invalid JSON"* ]]
	[ "$(sed -n 3p <<<"$stderr")" = 'predict: in.ndjson:4: missing "user" (a string)' ]
	[ "$(wc -l <<<"$stderr")" -eq 3 ]
}

@test "predict: a missing model, a wrong container and bad options are errors" {
	mkmodel
	echo '{"user":"u1","item":"a"}' >in.ndjson
	run -64 predict in.ndjson
	[[ "$output" == *"--model is required"* ]]
	run -66 predict --model=missing.st in.ndjson
	printf 'u1\ta\t4\n' | fixture ratings r.st
	run -65 predict --model=r.st in.ndjson
	[[ "$output" == *"r.st: a 'ratings' container, expected 'model'"* ]]
	run -66 predict --model=model.st missing.ndjson
	run -64 predict --model=- <in.ndjson
	run -64 predict --model=model.st a b
}
