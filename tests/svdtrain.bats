#!/usr/bin/env bats
# tests/svdtrain.bats - svdtrain: model container, determinism, recovery, early stopping, bad input

load helpers

setup() { setup_scratch; }

# mkst OUT [KIND [VALUE_DTYPE [FEEDBACK]]] < "user<TAB>item<TAB>value" lines: a ratings
# container written by hand (safetensors layout), so that malformed ones can be made too.
MKST_PY=$(cat <<'EOF'
import json, struct, sys
out = sys.argv[1]
kind = sys.argv[2] if len(sys.argv) > 2 else "ratings"
vdt = sys.argv[3] if len(sys.argv) > 3 else "F32"
fb = sys.argv[4] if len(sys.argv) > 4 else "explicit"
users, items, rows = {}, {}, {}
for line in sys.stdin:
    if not line.strip():
        continue
    u, i, v = line.rstrip("\n").split("\t")
    ui = users.setdefault(u, len(users)); ii = items.setdefault(i, len(items))
    rows.setdefault(ui, {})[ii] = float(v)
indptr, indices, values = [0], [], []
for u in range(len(users)):
    for i in sorted(rows.get(u, {})):
        indices.append(i); values.append(rows[u][i])
    indptr.append(len(indices))
def table(d):
    names = sorted(d, key=d.get); off = [0]; b = b""
    for n in names:
        b += n.encode(); off.append(len(b))
    return off, b
uo, ub = table(users); io, ib = table(items)
vfmt = {"F32": "f", "F64": "d", "I32": "i"}[vdt]
vals = [int(v) for v in values] if vdt == "I32" else values
t = [("indptr", "I64", [len(indptr)], struct.pack("<%dq" % len(indptr), *indptr)),
     ("user_ids.offsets", "I64", [len(uo)], struct.pack("<%dq" % len(uo), *uo)),
     ("item_ids.offsets", "I64", [len(io)], struct.pack("<%dq" % len(io), *io)),
     ("indices", "I32", [len(indices)], struct.pack("<%di" % len(indices), *indices)),
     ("values", vdt, [len(vals)], struct.pack("<%d%s" % (len(vals), vfmt), *vals)),
     ("user_ids.bytes", "U8", [len(ub)], ub), ("item_ids.bytes", "U8", [len(ib)], ib)]
t.sort(key=lambda x: -{"I64": 8, "F64": 8, "I32": 4, "F32": 4, "U8": 1}[x[1]])
hdr, data = {"__metadata__": {"kind": kind, "format_version": "1", "rows": str(len(users)),
       "cols": str(len(items)), "nnz": str(len(values)), "feedback": fb}}, b""
for name, dt, shape, raw in t:
    hdr[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open(out, "wb").write(struct.pack("<Q", len(h)) + h + data)
EOF
)
mkst() { "$PY3" -c "$MKST_PY" "$@"; }

# planted OUT_TRAIN OUT_TEST: a rank-3 matrix 3 + U V' + N(0, 0.1^2), 300 x 200, 30% observed,
# a tenth of it held out.
planted() {
	"$PY3" - >train.tsv 3>test.tsv <<'EOF'
import os, random
random.seed(5)
U = [[random.gauss(0, .7) for _ in range(3)] for _ in range(300)]
V = [[random.gauss(0, .7) for _ in range(3)] for _ in range(200)]
test = os.fdopen(3, "w")
for u in range(300):
    for i in range(200):
        if random.random() < .3:
            v = 3 + sum(a * b for a, b in zip(U[u], V[i])) + random.gauss(0, .1)
            print("u%d\ti%d\t%.4f" % (u, i, v), file=test if random.random() < .1 else None)
EOF
	mkst "$1" <train.tsv
	mkst "$2" <test.tsv
}

# header FILE: the JSON header of a container.
header() {
	"$PY3" -c 'import struct,sys; f=open(sys.argv[1],"rb"); n=struct.unpack("<Q",f.read(8))[0]; print(f.read(n).decode())' "$1"
}

small() {
	printf 'a\tx\t5\na\ty\t3\nb\tx\t4\nb\tz\t1\nc\ty\t2\nc\tz\t5\nd\tx\t3\n' | mkst "${1:-r.st}"
}

@test "svdtrain: --help prints the usage, every option and an example on stdout" {
	run_both svdtrain --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	for o in --algo --factors --epochs --lr --lr-decay --reg --reg-bias --alpha --init-std \
	    --seed --threads --oversample --dense-max --validate --patience --progress --log \
	    --output --help --version --burn-in --samples --noise-shape; do
		[[ "$output" == *"$o"* ]] || { echo "missing $o"; return 1; }
	done
	[[ "$output" == *"example:"* ]]
}

@test "svdtrain: --version names the program" {
	run svdtrain --version
	[ "$status" -eq 0 ]
	[[ "$output" == "svdtrain (recmail) "* ]]
}

@test "svdtrain: writes a model container with factors, biases, popularity, ids and metadata" {
	small r.st
	run_both svdtrain --factors 4 --epochs 3 --seed 7 --threads 1 r.st -o m.st
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	header m.st >h.json
	jq -e '.__metadata__ | .kind == "model" and .algo == "sgd" and .factors == "4" and
	    .epochs == "3" and .epochs_run == "3" and .seed == "7" and .threads == "1" and
	    .rating_min == "1" and .rating_max == "5" and .feedback == "explicit" and
	    (.lr | tonumber > 0) and (.reg | tonumber > 0) and (.train_loss | tonumber > 0) and
	    (.blas | length > 0) and (.lapack | length > 0) and .created_by != null' h.json
	jq -e '.user_factors.shape == [4, 4] and .item_factors.shape == [3, 4] and
	    .user_bias.shape == [4] and .item_bias.shape == [3] and .global_mean.shape == [1] and
	    .item_popularity.shape == [3] and .["user_ids.offsets"].shape == [5]' h.json
	# the popularity counts interactions per item (x: 3, y: 2, z: 2) and the ids are the input's
	"$PY3" - <<'EOF'
import json, struct
f = open("m.st", "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); d = f.read()
def get(name, fmt):
    a, b = h[name]["data_offsets"]; return struct.unpack("<%d%s" % ((b - a) // struct.calcsize(fmt), fmt), d[a:b])
assert get("item_popularity", "f") == (3.0, 2.0, 2.0), get("item_popularity", "f")
assert abs(get("global_mean", "f")[0] - 23 / 7) < 1e-5
a, b = h["item_ids.bytes"]["data_offsets"]; assert d[a:b] == b"xyz"
a, b = h["user_ids.bytes"]["data_offsets"]; assert d[a:b] == b"abcd"
EOF
}

@test "svdtrain: reads stdin and writes stdout by default" {
	small r.st
	svdtrain --factors 2 --epochs 2 --threads 1 <r.st >m1.st
	svdtrain --factors 2 --epochs 2 --threads 1 - -o m2.st <r.st
	cmp m1.st m2.st
}

@test "svdtrain: the same seed and thread count give the same model bytes" {
	planted tr.st te.st
	cut -f1,2 train.tsv | sed 's/$/\t1/' | mkst imp.st ratings F32 implicit
	for algo in sgd als ials svd; do
		in=tr.st
		[ $algo = ials ] && in=imp.st
		svdtrain --algo $algo --factors 8 --epochs 4 --threads 2 --seed 3 $in -o a.st
		svdtrain --algo $algo --factors 8 --epochs 4 --threads 2 --seed 3 $in -o b.st
		cmp a.st b.st || { echo "$algo differs"; return 1; }
	done
	svdtrain --factors 8 --epochs 4 --threads 2 --seed 4 tr.st -o c.st
	! cmp -s a.st c.st
}

@test "svdtrain: sgd and als recover a planted low-rank matrix to near the noise level" {
	planted tr.st te.st
	svdtrain --algo sgd --factors 8 --epochs 60 --lr 0.02 --lr-decay 0.97 --reg 0.01 \
	    --init-std 0.1 --validate te.st --log sgd.ndjson tr.st -o sgd.st
	svdtrain --algo als --factors 5 --epochs 10 --reg 0.01 --validate te.st --log als.ndjson \
	    tr.st -o als.st
	# noise 0.1; the global mean alone scores about 1.2
	jq -se 'last.val_rmse < 0.16' sgd.ndjson
	jq -se 'last.val_rmse < 0.14' als.ndjson
}

@test "svdtrain: als shrinks the bias of an item rated once with a 5 below a well-liked item's" {
	# 30 users rate g2..g4; u5..u29 rate g1, mostly 5s; u0, a harsh rater (1s), alone rates
	# "once", with a 5
	"$PY3" - >r.tsv <<'EOF'
import random
random.seed(3)
for u in range(30):
    if u >= 5:
        print("u%d\tg1\t%d" % (u, 5 if u < 27 else 4))
    for i in (2, 3, 4):
        print("u%d\tg%d\t%d" % (u, i, 1 if u == 0 else random.randint(1, 5)))
print("u0\tonce\t5")
EOF
	mkst r.st <r.tsv
	svdtrain --algo als --factors 2 --threads 1 r.st -o als.st
	header als.st | jq -e '.__metadata__.reg_bias == "3"'
	matinfo --dump als.st | jq -se 'map(select(.item) | {(.item): .bias}) | add |
	    .once < .g1 / 4'
	# without a bias penalty its one residual makes it everyone's first
	svdtrain --algo als --factors 2 --threads 1 --reg-bias 0 r.st -o raw.st
	matinfo --dump raw.st | jq -se 'map(select(.item) | {(.item): .bias}) | add | .once > .g1'
	printf '{"user":"u%d"}\n' 1 2 3 4 >users.ndjson
	topk --model raw.st --seen r.st -n 1 users.ndjson >recs.ndjson
	[ "$(jq -r '.recs[0].item' recs.ndjson | sort -u)" = once ]
}

@test "svdtrain: --log writes one NDJSON line per epoch with loss, validation RMSE and seconds" {
	planted tr.st te.st
	svdtrain --factors 4 --epochs 5 --validate te.st --log log.ndjson tr.st >/dev/null
	[ "$(wc -l <log.ndjson)" -eq 5 ]
	jq -se 'map(.epoch) == [1, 2, 3, 4, 5] and all(.[]; (.loss | type) == "number" and
	    (.val_rmse | type) == "number" and .seconds >= 0 and .lr > 0)' log.ndjson
	# the learning rate decays
	jq -se '.[4].lr < .[0].lr' log.ndjson
	svdtrain --factors 4 --epochs 2 --log nov.ndjson tr.st >/dev/null
	jq -se 'all(.[]; .val_rmse == null)' nov.ndjson
}

@test "svdtrain: --progress reports each epoch on stderr and nothing on stdout" {
	planted tr.st te.st
	run_both svdtrain --factors 4 --epochs 3 --progress --validate te.st tr.st -o m.st
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"epoch 1/3: loss "*", validation RMSE "* ]]
	[[ "$stderr" == *"epoch 3/3"* ]]
}

@test "svdtrain: --patience stops when validation stops improving and keeps the best epoch" {
	planted tr.st te.st
	svdtrain --factors 32 --epochs 80 --lr 0.03 --lr-decay 1 --reg 0 --init-std 0.3 \
	    --validate te.st --patience 3 --log log.ndjson tr.st -o m.st
	n=$(wc -l <log.ndjson)
	[ "$n" -lt 80 ]
	best=$(jq -s 'min_by(.val_rmse).epoch' log.ndjson)
	[ "$best" -eq $((n - 3)) ]
	header m.st | jq -e --arg b "$best" --arg n "$n" \
	    '.__metadata__ | .best_epoch == $b and .epochs_run == $n'
}

@test "svdtrain: ials writes zero biases and mean and no rating range" {
	printf 'a\tx\t1\na\ty\t3\nb\tx\t2\nc\tz\t1\n' | mkst r.st ratings F32 implicit
	svdtrain --algo ials --factors 2 --epochs 3 r.st -o m.st
	header m.st | jq -e '.__metadata__ | .algo == "ials" and .feedback == "implicit" and
	    .rating_min == "0" and .rating_max == "0" and .alpha == "2" and .reg == "50"'
	"$PY3" - <<'EOF'
import json, struct
f = open("m.st", "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); d = f.read()
for t in ("user_bias", "item_bias", "global_mean"):
    a, b = h[t]["data_offsets"]
    assert set(struct.unpack("<%df" % ((b - a) // 4), d[a:b])) == {0.0}, t
EOF
}

@test "svdtrain: svd records the method it used" {
	planted tr.st te.st
	svdtrain --algo svd --factors 3 tr.st -o d.st
	svdtrain --algo svd --factors 3 --dense-max 0 tr.st -o r.st
	header d.st | jq -e '.__metadata__.svd_method == "dense gesdd"'
	header r.st | jq -e '.__metadata__.svd_method == "randomized range finder + gesdd"'
}

@test "svdtrain: bad options exit 64 and name the option" {
	small r.st
	for args in "--factors 0" "--factors x" "--lr 0" "--lr -1" "--epochs 0" "--threads 0" \
	    "--algo lsa" "--reg -1" "--lr-decay 0" "--patience 2" "--nosuch" "r.st r.st" \
	    "--algo ials --validate r.st" "--algo als --reg 0"; do
		# shellcheck disable=SC2086
		run_both svdtrain $args r.st
		[ "$status" -eq 64 ] || { echo "$args: status $status"; return 1; }
		[ -z "$output" ]
		[[ "$stderr" == "svdtrain: "* ]]
	done
	run_both svdtrain --lr 0 r.st
	[[ "$stderr" == *"--lr"* ]]
	run_both svdtrain --factors 0 r.st
	[[ "$stderr" == *"--factors"* ]]
}

@test "svdtrain: bad input exits 65 with one line naming the file" {
	: | mkst empty.st
	small r.st
	printf 'a\tx\t5\n' | mkst model.st model
	printf 'a\tx\t5\nb\ty\t4\n' | mkst f64.st ratings F64
	printf 'a\tx\t5\nb\ty\tnan\n' | mkst nan.st
	head -c 40 r.st >trunc.st
	echo "not a container" >junk.st
	for f in empty.st model.st f64.st nan.st trunc.st junk.st; do
		run_both svdtrain "$f"
		[ "$status" -eq 65 ] || { echo "$f: status $status"; return 1; }
		[ -z "$output" ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	done
	run_both svdtrain empty.st
	[[ "$stderr" == *"empty"* ]]
	run_both svdtrain model.st
	[[ "$stderr" == *"model.st"*"expected 'ratings'"* ]]
	run_both svdtrain nan.st
	[[ "$stderr" == *"nan.st"*"not finite"* ]]
	run_both svdtrain --validate junk.st r.st
	[ "$status" -eq 65 ]
}

@test "svdtrain: a missing input exits 66" {
	run_both svdtrain nosuch.st
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"nosuch.st"* ]]
}

@test "svdtrain: divergence names the epoch, suggests a smaller learning rate and writes no model" {
	planted tr.st te.st
	run_both svdtrain --lr 100 --epochs 5 tr.st -o m.st
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"epoch 1: training diverged"*"smaller --lr"* ]]
	[ ! -e m.st ]
	[ -z "$(ls -A | grep -v '\.st$\|\.tsv$')" ]
}

@test "svdtrain: MovieLens 100K sgd reaches RMSE 0.91 on a random 80/20 split" {
	skip_unless_data ml-100k/u.data
	command -v ratings2mat >/dev/null && command -v splitdata >/dev/null ||
		skip "ratings2mat and splitdata are not built"
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$SHARED_DATA/ml-100k/u.data" >ml.st
	splitdata --test-fraction=0.2 --seed=1 --train=tr.st --test=te.st <ml.st
	svdtrain --validate te.st --log log.ndjson tr.st -o m.st
	jq -se 'last.val_rmse < 0.91' log.ndjson
}

# --- EASE (Steck 2019): the closed-form item-item baseline ---

# ease_reference LAMBDA [USER ITEM...] < "user item" lines: every user's score for every unseen
# item, x_u B, with B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1 by Gauss-Jordan in plain
# Python; with USER ITEM..., only that history is scored (by the B of the lines)
ease_reference() {
	"$PY3" -c '
import sys
lam = float(sys.argv[1])
rows = [l.split() for l in sys.stdin if l.strip()]
users = sorted({u for u, _ in rows}); items = sorted({i for _, i in rows})
X = {u: set() for u in users}
for u, i in rows: X[u].add(i)
n = len(items); ix = {i: k for k, i in enumerate(items)}
G = [[0.0] * n for _ in range(n)]
for u in users:
    for a in X[u]:
        for b in X[u]: G[ix[a]][ix[b]] += 1
for k in range(n): G[k][k] += lam
A = [G[r][:] + [1.0 if r == c else 0.0 for c in range(n)] for r in range(n)]
for c in range(n):
    p = max(range(c, n), key=lambda r: abs(A[r][c])); A[c], A[p] = A[p], A[c]
    d = A[c][c]; A[c] = [v / d for v in A[c]]
    for r in range(n):
        if r != c:
            f = A[r][c]; A[r] = [a - f * b for a, b in zip(A[r], A[c])]
P = [row[n:] for row in A]
B = [[0.0 if i == j else -P[i][j] / P[j][j] for j in range(n)] for i in range(n)]
extra = sys.argv[2:]
if extra:
    users = [extra[0]]; X = {extra[0]: set(extra[1:])}
for u in users:
    for j, it in enumerate(items):
        if it in X[u]: continue
        s = sum(B[ix[a]][j] for a in X[u])
        print(u, it, "%.6f" % s)
' "$@"
}

@test "svdtrain: --algo=ease scores every unseen item as x B of a dense reference" {
	printf '%s\n' "a i1" "a i2" "a i3" "b i2" "b i4" "c i1" "c i4" "c i5" "d i3" "d i5" "d i6" \
		"e i1" "e i2" "e i6" "f i4" "f i5" "f i6" "f i2" >pairs.txt
	sed 's/ /\t/; s/$/\t1/' pairs.txt | ratings2mat --format=tsv --columns=user,item,rating --implicit >r.st 2>/dev/null
	run --separate-stderr svdtrain --algo=ease --reg=2 -o ease.st r.st
	[ "$status" -eq 0 ]
	[ "$(matinfo --json ease.st | jq -r '.metadata.algo + " " + .metadata.fold_in + " " + .metadata.feedback')" = "ease history implicit" ]
	topk --model=ease.st --seen=r.st --all -n 6 | jq -r '.user as $u | .recs[] | "\($u) \(.item) \(.score)"' | sort >got
	ease_reference 2 <pairs.txt | sort >want
	[ "$(wc -l <want)" -eq 18 ]
	join -j1 <(awk '{ print $1 "/" $2, $3 }' want) <(awk '{ print $1 "/" $2, $3 }' got) >both
	[ "$(wc -l <both)" -eq 18 ]
	awk '{ d = $2 - $3; if (d < 0) d = -d; if (d > 1e-4) { print "differs:", $0; bad = 1 } } END { exit bad }' both
}

@test "svdtrain: an EASE model folds in a new user by their history" {
	printf '%s\n' "a i1" "a i2" "a i3" "b i2" "b i4" "c i1" "c i4" "c i5" "d i3" "d i5" "d i6" \
		"e i1" "e i2" "e i6" "f i4" "f i5" "f i6" "f i2" >pairs.txt
	sed 's/ /\t/; s/$/\t1/' pairs.txt | ratings2mat --format=tsv --columns=user,item,rating --implicit >r.st 2>/dev/null
	grep -v '^f ' pairs.txt | sed 's/ /\t/; s/$/\t1/' |
		ratings2mat --format=tsv --columns=user,item,rating --implicit >train.st 2>/dev/null
	svdtrain --algo=ease --reg=2 -o ease.st train.st 2>/dev/null
	# f is not in the model: topk folds in the line's items; the scores are x_f B of the model's B
	echo '{"user":"f","items":{"i2":1,"i4":1,"i5":1,"i6":1}}' | topk --model=ease.st --seen=r.st -n 6 | jq -r '.recs[] | "\(.item) \(.score)"' | sort >got
	# the reference B from the train pairs, applied to f's history i2 i4 i5 i6: i1 and i3 are unseen
	grep -v '^f ' pairs.txt | ease_reference 2 f i2 i4 i5 i6 | cut -d' ' -f2- | sort >want
	[ "$(wc -l <got)" -eq 2 ]
	[ "$(cut -d' ' -f1 got | tr '\n' ' ')" = "i1 i3 " ]
	paste -d' ' want got | awk '{ d = $2 - $4; if (d < 0) d = -d; if ($1 != $3 || d > 1e-4) { print "differs:", $0; bad = 1 } } END { exit bad }'
}

@test "svdtrain: --algo=ease refuses a catalog whose dense matrices exceed --max-memory, exit 64" {
	for ((i = 0; i < 700; i++)); do printf 'u%d\ti%d\t1\n' $((i % 50)) "$i"; done |
		ratings2mat --format=tsv --columns=user,item,rating --implicit >big.st 2>/dev/null
	run --separate-stderr svdtrain --algo=ease --max-memory 1 -o m.st big.st
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--algo=ease: 700 items and 50 users need 6 MB of dense matrices"*"over --max-memory 1 MB"* ]]
	[ ! -e m.st ]
	run --separate-stderr svdtrain --algo=ease --max-memory 16 -o m.st big.st
	[ "$status" -eq 0 ]
}

# --- ials by conjugate gradient (the default) and the exact solve ---

# a 300 x 60 implicit matrix with taste groups, for the solver comparison
implicit_fixture() {
	"$PY3" -c '
import random
r = random.Random(9)
for u in range(300):
    g = u % 5
    for i in sorted(set(g * 12 + r.randrange(12) if r.random() < 0.8 else r.randrange(60) for _ in range(10))):
        print(f"u{u}\ti{i}\t{r.randrange(1, 4)}")
' | ratings2mat --format=tsv --columns=user,item,rating --implicit >"$1" 2>/dev/null
}

@test "svdtrain: ials uses conjugate gradient by default and records the solver" {
	implicit_fixture r.st
	svdtrain --algo=ials --factors=8 --epochs=4 -o cg.st r.st
	header cg.st | jq -e '.__metadata__ | .solver == "cg" and .cg_steps == "3"'
	svdtrain --algo=ials --factors=8 --epochs=4 --solver=exact -o ex.st r.st
	header ex.st | jq -e '.__metadata__ | .solver == "exact" and (has("cg_steps") | not)'
	# --cg-steps 0 is the exact solve, byte for byte
	svdtrain --algo=ials --factors=8 --epochs=4 --cg-steps=0 -o ex0.st r.st
	cmp ex.st ex0.st
}

@test "svdtrain: ials by CG reaches the exact solve's training loss within 1% and ranks alike" {
	implicit_fixture r.st
	svdtrain --algo=ials --factors=8 --epochs=12 --threads=1 --log cg.log -o cg.st r.st
	svdtrain --algo=ials --factors=8 --epochs=12 --threads=1 --solver=exact --log ex.log -o ex.st r.st
	lc=$(jq -s 'last.loss' cg.log)
	le=$(jq -s 'last.loss' ex.log)
	awk -v c="$lc" -v x="$le" 'BEGIN { d = (c - x) / x; if (d < 0) d = -d; print "cg", c, "exact", x; exit !(d < 0.01) }'
	# the loss goes down from sweep to sweep with CG too
	jq -s '[.[].loss] | . == (sort | reverse)' cg.log | grep -qx true
	# the same top item for most users
	topk --model=cg.st --seen=r.st --all -n 1 | jq -r '"\(.user) \(.recs[0].item)"' | sort >a
	topk --model=ex.st --seen=r.st --all -n 1 | jq -r '"\(.user) \(.recs[0].item)"' | sort >b
	same=$(join a b | awk '$2 == $3' | wc -l)
	[ "$same" -ge 240 ] || { echo "only $same of 300 share their top item"; false; }
}

@test "svdtrain: --solver takes cg or exact, --cg-steps 0 to 100" {
	implicit_fixture r.st
	run --separate-stderr svdtrain --algo=ials --solver=newton -o m.st r.st
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--solver: 'newton' is not cg or exact"* ]]
	run --separate-stderr svdtrain --algo=ials --cg-steps=101 -o m.st r.st
	[ "$status" -eq 64 ]
}

# --- BPMF (Salakhutdinov and Mnih 2008): Gibbs sampling, the samples' predictions averaged ---

@test "svdtrain: bpmf recovers a planted low-rank matrix; its model averages the kept samples" {
	planted tr.st te.st
	svdtrain --algo bpmf --factors 4 --epochs 40 --burn-in 10 --samples 30 --threads 2 \
	    --validate te.st --log b.ndjson tr.st -o b.st
	# noise 0.1; the global mean alone scores about 1.2
	jq -se 'length == 40 and last.val_rmse < 0.14' b.ndjson
	header b.st >h.json
	jq -e '.__metadata__ | .algo == "bpmf" and .factors == "120" and .factors_per_sample == "4"
	    and .samples == "30" and .burn_in == "10" and .alpha == "sampled" and
	    .noise == "per-user and per-item precision multipliers" and .noise_shape == "50" and
	    .feedback == "explicit"' h.json
	# every sample after the burn-in kept: evaluate and predict, reading the factors side by
	# side, give the running average of the samples' predictions that the last epoch reported
	evaluate --model=b.st --test=te.st >ev.json
	jq -ne --slurpfile l b.ndjson --slurpfile v ev.json \
	    '(($l[-1].val_rmse - $v[0].rmse) | fabs) < 2e-5'
	echo '{"user":"u1","item":"i2"}' | predict --model=b.st | jq -e '.prediction > 0'
	# topk scores it with its ordinary sgemm: the first user's best unseen item's score is the
	# prediction predict gives for that pair
	topk --model=b.st --seen=tr.st --all -n 1 | head -1 >top.json
	jq -c '{user, item: .recs[0].item}' top.json | predict --model=b.st --no-clip >p.json
	jq -ne --slurpfile t top.json --slurpfile p p.json \
	    '(($t[0].recs[0].score - $p[0].prediction) | fabs) < 1e-3'
}

@test "svdtrain: bpmf --samples 0 stores the posterior-mean factors (k columns)" {
	planted tr.st te.st
	svdtrain --algo bpmf --factors 4 --epochs 30 --burn-in 10 --samples 0 --threads 1 \
	    --validate te.st --log b.ndjson tr.st -o b.st
	header b.st >h.json
	jq -e '.__metadata__ | .factors == "4" and .samples == "0" and
	    (.prediction | startswith("posterior-mean"))' h.json
	jq -e '.val_rmse | tonumber < 0.14' <(jq '.__metadata__' h.json)
}

@test "svdtrain: bpmf refuses a burn-in, samples, patience or noise shape that do not fit, exit 64" {
	small r.st
	for bad in "--epochs 10 --burn-in 10" "--epochs 10 --burn-in 5 --samples 6" \
	    "--burn-in -1" "--patience 2 --validate r.st" "--noise-shape -1"; do
		run_both svdtrain --algo bpmf $bad r.st -o m.st
		[ "$status" -eq 64 ] || { echo "$bad: $status"; return 1; }
		[[ "$stderr" == "svdtrain: "* ]]
		[ ! -e m.st ]
	done
}

@test "svdtrain: MovieLens 100K bpmf beats sgd on a random 80/20 split (RMSE below 0.895)" {
	skip_unless_data ml-100k/u.data
	command -v ratings2mat >/dev/null && command -v splitdata >/dev/null ||
		skip "ratings2mat and splitdata are not built"
	ratings2mat --format=tsv --columns=user,item,rating,ts <"$SHARED_DATA/ml-100k/u.data" >ml.st
	splitdata --test-fraction=0.2 --seed=1 --train=tr.st --test=te.st <ml.st
	svdtrain --algo bpmf tr.st -o b.st
	evaluate --model=b.st --test=te.st | jq -e '.rmse < 0.895'
}

@test "svdtrain: als uses conjugate gradient by default, records the solver, and fits as the exact solve" {
	planted tr.st te.st
	svdtrain --algo=als --factors=5 --reg=0.01 --validate te.st --log cg.ndjson -o cg.st tr.st
	header cg.st | jq -e '.__metadata__ | .solver == "cg" and .cg_steps == "3"'
	svdtrain --algo=als --factors=5 --reg=0.01 --solver=exact --validate te.st \
	    --log ex.ndjson -o ex.st tr.st
	header ex.st | jq -e '.__metadata__ | .solver == "exact" and (has("cg_steps") | not)'
	svdtrain --algo=als --factors=5 --reg=0.01 --cg-steps=0 -o ex0.st tr.st
	svdtrain --algo=als --factors=5 --reg=0.01 --solver=exact -o ex1.st tr.st
	cmp ex0.st ex1.st
	# noise 0.1: both near it, CG within 2% of the exact solve's validation RMSE
	jq -se 'last.val_rmse < 0.14' cg.ndjson
	jq -nse --slurpfile c cg.ndjson --slurpfile x ex.ndjson \
	    '$c[-1].val_rmse <= 1.02 * $x[-1].val_rmse'
}
