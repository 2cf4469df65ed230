#!/usr/bin/env python3
"""mkst.py - writes a recmail container (docs/FORMATS.md 1) from a JSON spec on stdin, for tests.

A second, independent writer of the safetensors layout (stdlib only), so that tests
build exact hand-made models and ratings without going through recmail's own code.

  {"kind":"model","users":["c1"],"items":["a","b"],"P":[[1,0]],"Q":[[1,0],[0,1]],
   "user_bias":[0],"item_bias":[0,0],"global_mean":0,"item_popularity":[3,1],"meta":{"algo":"als"}}
  {"kind":"ratings","users":["c1"],"items":["a","b"],"entries":[["c1","a",5,1700000000]]}

usage: mkst.py OUT < spec.json
"""
import json
import struct
import sys

FMT = {"F32": "f", "I32": "i", "I64": "q", "U8": "B"}
SIZE = {"F32": 4, "I32": 4, "I64": 8, "U8": 1}


def id_tensors(name, ids):
    raw = [s.encode("utf-8") for s in ids]
    offs, o = [0], 0
    for b in raw:
        o += len(b)
        offs.append(o)
    return [(name + ".offsets", "I64", [len(offs)], offs),
            (name + ".bytes", "U8", [o], list(b"".join(raw)))]


def write(path, tensors, meta):
    tensors = sorted(tensors, key=lambda t: -SIZE[t[1]])
    header, data, off = {}, b"", 0
    for name, dt, shape, vals in tensors:
        blob = struct.pack("<%d%s" % (len(vals), FMT[dt]), *vals)
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(blob)]}
        data += blob
        off += len(blob)
    header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def model(s):
    users, items = s["users"], s["items"]
    k = len(s["Q"][0]) if s["Q"] else 0
    t = [("user_factors", "F32", [len(users), k], [x for r in s["P"] for x in r]),
         ("item_factors", "F32", [len(items), k], [x for r in s["Q"] for x in r]),
         ("user_bias", "F32", [len(users)], s.get("user_bias", [0] * len(users))),
         ("item_bias", "F32", [len(items)], s.get("item_bias", [0] * len(items))),
         ("global_mean", "F32", [1], [s.get("global_mean", 0)])]
    if "item_popularity" in s:
        t.append(("item_popularity", "F32", [len(items)], s["item_popularity"]))
    t += id_tensors("user_ids", users) + id_tensors("item_ids", items)
    meta = {"kind": "model", "format_version": 1, "factors": k, "rating_min": 0, "rating_max": 0,
            "algo": "als", "feedback": "explicit"}
    meta.update(s.get("meta", {}))
    return t, meta


def ratings(s):
    users, items = s["users"], s["items"]
    ui = {u: i for i, u in enumerate(users)}
    ii = {x: i for i, x in enumerate(items)}
    rows = [[] for _ in users]
    for e in s["entries"]:
        rows[ui[e[0]]].append((ii[e[1]], e[2], e[3] if len(e) > 3 else 0))
    indptr, ind, val, ts = [0], [], [], []
    for r in rows:
        for c, v, t in sorted(r):
            ind.append(c)
            val.append(v)
            ts.append(t)
        indptr.append(len(ind))
    t = [("indptr", "I64", [len(indptr)], indptr), ("indices", "I32", [len(ind)], ind),
         ("values", "F32", [len(val)], val)]
    if s.get("timestamps", True):
        t.append(("timestamps", "I64", [len(ts)], ts))
    t += id_tensors("user_ids", users) + id_tensors("item_ids", items)
    meta = {"kind": "ratings", "format_version": 1, "rows": len(users), "cols": len(items),
            "nnz": len(ind), "feedback": s.get("feedback", "explicit"),
            "value_min": min(val) if val else 0, "value_max": max(val) if val else 0}
    return t, meta


def main():
    spec = json.load(sys.stdin)
    t, meta = model(spec) if spec["kind"] == "model" else ratings(spec)
    write(sys.argv[1], t, meta)


if __name__ == "__main__":
    main()
