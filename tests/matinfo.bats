#!/usr/bin/env bats
# matinfo: shows, checks and dumps any matrix container

load helpers

setup() {
	setup_scratch
	printf '%s\n' '{"user":"c1","item":"sku9","rating":4,"ts":1700000000}' \
		'{"user":"c2","item":"sku9","rating":0.1,"ts":1700000001}' \
		'{"user":"c1","item":"sku3","rating":2.5,"ts":1700000002}' | ratings2mat -o r.st
}

# craft OUT KIND: a container of KIND written by Python (struct + json) from tensors in $TENSORS
craft() {
	"$PY3" - "$1" "$2" <<'PY'
import json, os, struct, sys
spec = json.loads(os.environ["TENSORS"])
fmt = {"F32": "f", "I64": "q", "I32": "i", "U8": "B"}
size = {"F32": 4, "I64": 8, "I32": 4, "U8": 1}
order = sorted(spec.items(), key=lambda kv: -size[kv[1][0]])
h, data = {"__metadata__": {"kind": sys.argv[2], "format_version": "1"}}, b""
for name, (dt, shape, vals) in order:
    raw = struct.pack("<%d%s" % (len(vals), fmt[dt]), *vals)
    h[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(h).encode()
text += b" " * (-len(text) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + data)
PY
}

model() {
	TENSORS='{"user_factors":["F32",[2,2],[1,0,0.5,2]],"item_factors":["F32",[1,2],[3,4]],
	"user_bias":["F32",[2],[0.25,-1]],"item_bias":["F32",[1],[0.5]],"global_mean":["F32",[1],[3.5]],
	"user_ids.offsets":["I64",[3],[0,2,4]],"user_ids.bytes":["U8",[4],[117,49,117,50]],
	"item_ids.offsets":["I64",[2],[0,1]],"item_ids.bytes":["U8",[1],[120]]}' craft model.st model
}

@test "matinfo: shows kind, shape, tensors and metadata in plain text" {
	run_both matinfo r.st || true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	grep -qx 'kind:     ratings' <<<"$output"
	grep -qx 'shape:    2 users x 2 items, 3 non-zeros (density 0.75), explicit, with timestamps' <<<"$output"
	grep -Eq '^  values +F32  \[3\] ' <<<"$output"
	grep -Eq '^  indptr +I64  \[3\] +bytes 0\.\.24$' <<<"$output"
	grep -qx '  created_by = ratings2mat 0.1.0' <<<"$output"
}

@test "matinfo: --json prints kind, rows, cols, nnz, tensors and metadata" {
	run_both matinfo --json r.st || true
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.kind,.rows,.cols,.nnz,.density,.feedback,.timestamps]' <<<"$output")" = '["ratings",2,2,3,0.75,"explicit",true]' ]
	[ "$(jq -c '.tensors.values' <<<"$output")" = "$(jq -c '.tensors.values | {dtype, shape, data_offsets}' <<<"$output")" ]
	[ "$(jq -r '.tensors.indices.dtype, .tensors.timestamps.shape[0], .metadata.nnz' <<<"$output" | tr '\n' ' ')" = "I32 3 3 " ]
	[ "$(jq -r '.file_bytes' <<<"$output")" = "$(stat -c %s r.st)" ]
	[ "$(wc -l <<<"$output")" -eq 1 ]
}

@test "matinfo: --dump writes one NDJSON line per user with items and timestamps" {
	run_both matinfo --dump r.st || true
	[ "$status" -eq 0 ]
	[ "$output" = '{"user":"c1","items":{"sku9":4.0,"sku3":2.5},"ts":{"sku9":1700000000,"sku3":1700000002}}
{"user":"c2","items":{"sku9":0.1},"ts":{"sku9":1700000001}}' ]
}

@test "matinfo: --mtx writes Matrix Market coordinates, 1-based" {
	run_both matinfo --mtx r.st || true
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output")" = "%%MatrixMarket matrix coordinate real general" ]
	[ "$(grep -v '^%' <<<"$output")" = "$(printf '2 2 3\n1 1 4\n1 2 2.5\n2 1 0.100000001')" ]
}

@test "matinfo: reads stdin when FILE is - or absent" {
	[ "$(matinfo --json - < r.st | jq .nnz)" = 3 ]
	[ "$(matinfo --json < r.st | jq -r .file)" = "-" ]
}

@test "matinfo: a model shows users, items and factors" {
	model
	run_both matinfo --json model.st || true
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.kind,.users,.items,.factors]' <<<"$output")" = '["model",2,1,2]' ]
	run_both matinfo model.st || true
	grep -qx 'shape:    2 users, 1 items, 2 factors' <<<"$output"
}

@test "matinfo: --dump of a model writes the mean, then a line per user and per item" {
	model
	run_both matinfo --dump model.st || true
	[ "$status" -eq 0 ]
	[ "$output" = '{"global_mean":3.5}
{"user":"u1","bias":0.25,"factors":[1.0,0.0]}
{"user":"u2","bias":-1.0,"factors":[0.5,2.0]}
{"item":"x","bias":0.5,"factors":[3.0,4.0]}' ]
}

@test "matinfo: another kind dumps each tensor row and writes a 2-D tensor as a Matrix Market array" {
	TENSORS='{"scores":["F32",[2,3],[1,2,3,4,5,6]],"count":["I64",[2],[7,8]]}' craft d.st dense
	run_both matinfo --dump d.st || true
	[ "$status" -eq 0 ]
	[ "$output" = '{"tensor":"count","row":0,"values":[7,8]}
{"tensor":"scores","row":0,"values":[1.0,2.0,3.0]}
{"tensor":"scores","row":1,"values":[4.0,5.0,6.0]}' ]
	run_both matinfo --mtx d.st || true
	[ "$(grep -v '^%' <<<"$output" | tr '\n' ' ')" = "2 3 1 4 2 5 3 6 " ]
	run_both matinfo --mtx --tensor count d.st || true
	[ "$(sed -n 1p <<<"$output")" = "%%MatrixMarket matrix array integer general" ]
	[ "$(grep -v '^%' <<<"$output" | tr '\n' ' ')" = "2 1 7 8 " ]
	run_both matinfo --mtx --tensor nope d.st || true
	[ "$status" -eq 64 ]
	[ "$stderr" = "matinfo: d.st: no tensor 'nope'" ]
}

@test "matinfo: --kind refuses a container of another kind" {
	model
	run_both matinfo --kind ratings model.st || true
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: model.st: a 'model' container, expected 'ratings'" ]
	[ -z "$output" ]
	run_both matinfo --kind ratings --json r.st || true
	[ "$status" -eq 0 ]
}

@test "matinfo: a file that is not a container is a data error" {
	echo '{"user":"c1"}' > x.ndjson
	run_both matinfo x.ndjson || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == "matinfo: x.ndjson: "* ]]
	[ -z "$output" ]
}

@test "matinfo: usage errors exit 64, a missing file 66" {
	run_both matinfo --json --dump r.st || true
	[ "$status" -eq 64 ]
	run_both matinfo r.st r.st || true
	[ "$status" -eq 64 ]
	run_both matinfo --bogus r.st || true
	[ "$status" -eq 64 ]
	run_both matinfo nope.st || true
	[ "$status" -eq 66 ]
	[ "$stderr" = "matinfo: nope.st: No such file or directory" ]
}

@test "matinfo: --help lists every option on stdout and --version names the program" {
	run_both matinfo --help || true
	[ "$status" -eq 0 ]
	for o in --json --dump --mtx --kind --tensor --version Example; do
		[[ "$output" == *"$o"* ]] || { echo "missing $o" >&2; return 1; }
	done
	run_both matinfo --version || true
	[[ "$output" == "matinfo (recmail) "* ]]
}

@test "matinfo: an endless input (/dev/zero, a container followed by zeros) is an error after bounded reading" {
	# it read its whole input before parsing, so /dev/zero never ended (issue 15, point 2)
	run_both timeout 10 matinfo /dev/zero
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: /dev/zero: not a matrix container (header length 0 out of range)" ]
	run_both timeout 10 bash -c 'cat r.st /dev/zero | matinfo -'
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: -: unexpected bytes after the tensor data" ]
	# a whole container on a pipe is still read, and its sizes are the file's
	run_both bash -c 'cat r.st | matinfo --json -'
	[ "$status" -eq 0 ]
	[ "$(jq .file_bytes <<<"$output")" = "$(stat -c %s r.st)" ]
}
