#!/usr/bin/env python3
"""read_container.py - an independent reader of recmail's matrix container (docs/FORMATS.md 1).

Uses only struct and json, as a foreign program would. Prints one JSON object:
the metadata, each tensor's dtype and shape, and for kind=ratings the users,
items and (user, item, value[, ts]) triples. Exits 65 on a malformed file.
"""
import json
import struct
import sys

SIZES = {"F32": ("f", 4), "F64": ("d", 8), "I32": ("i", 4), "I64": ("q", 8), "U8": ("B", 1)}


def fail(msg):
    sys.stderr.write("read_container.py: %s\n" % msg)
    sys.exit(65)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        fail("truncated")
    (n,) = struct.unpack("<Q", blob[:8])
    if n == 0 or 8 + n > len(blob):
        fail("bad header length %d" % n)
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors, spans = {}, []
    for name, d in header.items():
        code, size = SIZES[d["dtype"]]
        count = 1
        for s in d["shape"]:
            count *= s
        begin, end = d["data_offsets"]
        if end - begin != count * size or end > len(data) or begin % size:
            fail("tensor %s: bad offsets" % name)
        spans.append((begin, end))
        tensors[name] = (d["dtype"], d["shape"],
                         list(struct.unpack("<%d%s" % (count, code), data[begin:end])))
    spans.sort()
    pos = 0
    for b, e in spans:
        if b != pos:
            fail("offsets overlap or leave a hole")
        pos = e
    if pos != len(data):
        fail("bytes after the data")
    return meta, tensors


def ids(tensors, prefix):
    off = tensors[prefix + ".offsets"][2]
    raw = bytes(tensors[prefix + ".bytes"][2])
    return [raw[off[k]:off[k + 1]].decode("utf-8") for k in range(len(off) - 1)]


def main():
    meta, t = read(sys.argv[1])
    out = {"metadata": meta,
           "tensors": {k: {"dtype": v[0], "shape": v[1]} for k, v in sorted(t.items())}}
    if meta.get("kind") == "ratings":
        users, items = ids(t, "user_ids"), ids(t, "item_ids")
        indptr, indices, values = t["indptr"][2], t["indices"][2], t["values"][2]
        ts = t["timestamps"][2] if "timestamps" in t else None
        triples = []
        for u in range(len(users)):
            for k in range(indptr[u], indptr[u + 1]):
                row = [users[u], items[indices[k]], values[k]]
                if ts is not None:
                    row.append(ts[k])
                triples.append(row)
        out.update(rows=len(indptr) - 1, cols=len(items), nnz=len(indices),
                   users=users, items=items, triples=triples)
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
