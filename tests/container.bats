#!/usr/bin/env bats
# the matrix container (docs/FORMATS.md 1): an independent reader, and every rejected file

load helpers

setup() {
	setup_scratch
	printf '%s\n' '{"user":"c1","item":"sku9","rating":4,"ts":1700000000}' \
		'{"user":"c2","item":"sku9","rating":5,"ts":1700000001}' \
		'{"user":"c1","item":"sku3","rating":2.5,"ts":1700000002}' \
		'{"user":"Zoë","item":"sku3","rating":1,"ts":1700000003}' | ratings2mat -o good.st
}

# mutate IN OUT PYTHON: rewrites IN's header (h, a dict) and data (d, bytes) with PYTHON
mutate() {
	"$PY3" - "$1" "$2" "$3" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
h = json.loads(blob[8:8 + n])
d = blob[8 + n:]
raw = None
exec(sys.argv[3])
if raw is None:
    text = json.dumps(h, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    raw = struct.pack("<Q", len(text)) + text + d
open(sys.argv[2], "wb").write(raw)
PY
}

# rejected FILE PHRASE: matinfo and a ratings reader both refuse FILE with exit 65
rejected() {
	run_both matinfo "$1" || true
	if [ "$status" -ne 65 ] || [[ "$stderr" != "matinfo: $1: "*"$2"* ]] || [ -n "$output" ]; then
		echo "matinfo: status $status, stderr: $stderr" >&2
		return 1
	fi
	run_both matinfo --kind ratings --json "$1" || true
	[ "$status" -eq 65 ] || { echo "matinfo --kind: $status" >&2; return 1; }
	run_both splitdata --train tr.st --test te.st "$1" || true
	if [ "$status" -ne 65 ] || [ -e tr.st ]; then
		echo "splitdata: status $status, stderr: $stderr" >&2
		return 1
	fi
}

@test "container: an independent reader (struct + json) reads ratings2mat's file" {
	run "$PY3" "$RECMAIL_ROOT/tests/read_container.py" good.st
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.rows,.cols,.nnz]' <<<"$output")" = "[3,2,4]" ]
	[ "$(jq -c .users <<<"$output")" = '["c1","c2","Zoë"]' ]
	[ "$(jq -c .items <<<"$output")" = '["sku9","sku3"]' ]
	jq -e --argjson want '[["c1","sku9",4,1700000000],["c1","sku3",2.5,1700000002],["c2","sku9",5,1700000001],["Zoë","sku3",1,1700000003]]' '.triples == $want' <<<"$output"
	[ "$(jq -c '.tensors | to_entries | map([.key, .value.dtype, .value.shape]) ' <<<"$output")" = '[["indices","I32",[4]],["indptr","I64",[4]],["item_ids.bytes","U8",[8]],["item_ids.offsets","I64",[3]],["timestamps","I64",[4]],["user_ids.bytes","U8",[8]],["user_ids.offsets","I64",[4]],["values","F32",[4]]]' ]
	[ "$(jq -c '.metadata | [.kind,.format_version,.rows,.cols,.nnz,.feedback,.value_min,.value_max]' <<<"$output")" = '["ratings","1","3","2","4","explicit","1","5"]' ]
}

@test "container: the header is padded to 8 bytes and every tensor is aligned" {
	"$PY3" - good.st <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
assert n % 8 == 0, n
h = json.loads(b[8:8 + n])
size = {"F32": 4, "I32": 4, "I64": 8, "U8": 1}
ends = sorted(v["data_offsets"] for k, v in h.items() if k != "__metadata__")
assert ends[0][0] == 0 and ends[-1][1] == len(b) - 8 - n
for k, v in h.items():
    if k != "__metadata__":
        assert v["data_offsets"][0] % size[v["dtype"]] == 0, k
PY
}

@test "container: a truncated file is rejected" {
	head -c -5 good.st > cut.st
	rejected cut.st "truncated"
	head -c 5 good.st > cut8.st
	rejected cut8.st "truncated"
	head -c 100 good.st > cuthdr.st
	rejected cuthdr.st "truncated: header"
}

@test "container: an empty file is rejected" {
	: > empty.st
	rejected empty.st "empty input"
}

@test "container: a header that lies about a size is rejected" {
	mutate good.st lie.st 'h["values"]["shape"] = [5]'
	rejected lie.st "shape needs 20 bytes"
	mutate good.st huge.st 'b = h["item_ids.bytes"]["data_offsets"][0]; h["item_ids.bytes"]["shape"] = [10**12]; h["item_ids.bytes"]["data_offsets"] = [b, b + 10**12]'
	rejected huge.st "truncated: 1000000000"
}

@test "container: a header length out of range is rejected" {
	mutate good.st zero.st 'raw = struct.pack("<Q", 0) + blob[8:]'
	rejected zero.st "header length 0 out of range"
	mutate good.st big.st 'raw = struct.pack("<Q", 200 * 10**6) + blob[8:]'
	rejected big.st "out of range"
}

@test "container: a header that is not a JSON object is rejected" {
	mutate good.st arr.st 'raw = struct.pack("<Q", 8) + b"[1,2]   " + d'
	rejected arr.st "not a JSON object"
}

@test "container: overlapping offsets are rejected" {
	mutate good.st over.st 'h["indices"]["data_offsets"] = [x - 4 for x in h["indices"]["data_offsets"]]'
	rejected over.st "overlap"
}

@test "container: out-of-range offsets are rejected" {
	mutate good.st past.st 'b = h["item_ids.bytes"]["data_offsets"][0]; h["item_ids.bytes"]["shape"] = [16]; h["item_ids.bytes"]["data_offsets"] = [b, b + 16]'
	rejected past.st "truncated"
	mutate good.st neg.st 'h["indptr"]["data_offsets"] = [-8, 24]'
	rejected neg.st "bad data_offsets"
}

@test "container: offsets that leave a hole are rejected" {
	mutate good.st hole.st 'import copy; h["user_ids.bytes"]["data_offsets"] = [x + 1 for x in h["user_ids.bytes"]["data_offsets"]]; h["item_ids.bytes"]["data_offsets"] = [x + 1 for x in h["item_ids.bytes"]["data_offsets"]]; d = d + b"\0"'
	rejected hole.st "leave a hole"
}

@test "container: bytes after the data are rejected" {
	mutate good.st tail.st 'd = d + b"x"'
	rejected tail.st "after the tensor data"
}

@test "container: an unknown dtype, or one recmail does not use, is rejected" {
	mutate good.st q8.st 'h["values"]["dtype"] = "Q8"'
	rejected q8.st "unknown dtype 'Q8'"
	mutate good.st bf16.st 'h["values"]["dtype"] = "BF16"; h["values"]["shape"] = [8]'
	rejected bf16.st "unsupported dtype 'BF16'"
}

@test "container: a tensor of the wrong dtype is rejected" {
	mutate good.st i64.st 'h["values"]["dtype"] = "I32"'
	rejected i64.st "tensor 'values' is I32, expected F32"
}

@test "container: a broken CSR is rejected" {
	mutate good.st unsorted.st 'import struct as s; b = h["indices"]["data_offsets"][0]; d = d[:b] + s.pack("<ii", 1, 0) + d[b+8:]'
	rejected unsorted.st "not strictly increasing"
	mutate good.st nan.st 'import struct as s; b = h["values"]["data_offsets"][0]; d = d[:b] + s.pack("<f", float("nan")) + d[b+4:]'
	rejected nan.st "not finite"
}

@test "container: duplicate ids are rejected" {
	mutate good.st dupid.st 'b = h["item_ids.bytes"]["data_offsets"][0]; d = d[:b] + b"sku3sku3" + d[b+8:]'
	rejected dupid.st "appears twice"
}

@test "container: a container of another kind is rejected by ratings readers" {
	mutate good.st model.st 'h["__metadata__"]["kind"] = "model"'
	run_both matinfo --kind ratings model.st || true
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: model.st: a 'model' container, expected 'ratings'" ]
	run_both matinfo model.st || true
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: model.st: missing tensor 'user_factors'" ]
	run_both splitdata --train tr.st --test te.st model.st || true
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"a 'model' container, expected 'ratings'"* ]]
	mutate good.st nokind.st 'del h["__metadata__"]["kind"]'
	run_both matinfo nokind.st || true
	[ "$status" -eq 65 ]
	[ "$stderr" = "matinfo: nokind.st: no __metadata__.kind" ]
}

@test "container: metadata that disagrees with the tensors is rejected" {
	mutate good.st rows.st 'h["__metadata__"]["rows"] = "99"'
	rejected rows.st 'metadata "rows" is 99 but the tensors hold'
	mutate good.st nnz.st 'h["__metadata__"]["nnz"] = "x1"'
	rejected nnz.st 'metadata "nnz" is x1 but the tensors hold'
	echo '{"kind":"model","users":["c1"],"items":["a","b"],"P":[[1,0]],"Q":[[1,0],[0,1]],"meta":{"factors":99}}' |
	    "$PY3" "$RECMAIL_ROOT/tests/mkst.py" k99.st
	run_both matinfo k99.st
	[ "$status" -eq 65 ]
	[ "$stderr" = 'matinfo: k99.st: metadata "factors" is 99 but the tensors hold 2' ]
	echo '{"kind":"model","users":["c1"],"items":["a","b"],"P":[[1,0]],"Q":[[1,0],[0,1]]}' |
	    "$PY3" "$RECMAIL_ROOT/tests/mkst.py" k2.st
	run_both matinfo k2.st
	[ "$status" -eq 0 ]
}
