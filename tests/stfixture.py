#!/usr/bin/env python3
# stfixture.py - writes and dumps small matrix containers (docs/FORMATS.md 1) for the bats suites
#
#   stfixture.py ratings OUT [KIND]  TSV "user item rating [ts]" on stdin -> a ratings container
#                                    (ids in order of first appearance; KIND overrides the kind)
#   stfixture.py model OUT           JSON on stdin: users, items, k, P, Q, user_bias, item_bias,
#                                    global_mean, rating_min, rating_max [, kind, feedback]
#   stfixture.py dump FILE           a ratings container -> "user item rating ts" lines
#   stfixture.py dumpeach FILE...    the same for each FILE into FILE.tsv (one process for many)
#   stfixture.py ids FILE NAME       the id table NAME (user_ids, item_ids), one id a line
#   stfixture.py meta FILE KEY       one metadata value
import json
import struct
import sys

SIZES = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "U8": 1}
FMT = {"F64": "d", "I64": "q", "F32": "f", "I32": "i", "U8": "B"}


def write(path, meta, tensors):
    order = sorted(tensors, key=lambda t: -SIZES[t[1]])
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, dt, shape, vals in order:
        b = struct.pack("<%d%s" % (len(vals), FMT[dt]), *vals)
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def id_tensors(name, ids):
    offs, data = [0], b""
    for s in ids:
        data += s.encode()
        offs.append(len(data))
    return [(name + ".offsets", "I64", [len(offs)], offs), (name + ".bytes", "U8", [len(data)], list(data))]


def read(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data, out = raw[8 + n:], {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        out[name] = list(struct.unpack("<%d%s" % ((b - a) // SIZES[t["dtype"]], FMT[t["dtype"]]), data[a:b]))
    return meta, out


def ids_of(t, name):
    offs, data = t[name + ".offsets"], bytes(t[name + ".bytes"])
    return [data[offs[j]:offs[j + 1]].decode() for j in range(len(offs) - 1)]


def dump(path):
    t = read(path)[1]
    users, items, ip = ids_of(t, "user_ids"), ids_of(t, "item_ids"), t["indptr"]
    ts, out = t.get("timestamps"), []
    for u in range(len(ip) - 1):
        for p in range(ip[u], ip[u + 1]):
            out.append("%s\t%s\t%g\t%s\n" % (users[u], items[t["indices"][p]], t["values"][p],
                                             ts[p] if ts else "-"))
    return "".join(out)


def ratings(path, kind):
    users, items, rows, has_ts = {}, {}, {}, None
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        u = users.setdefault(f[0], len(users))
        i = items.setdefault(f[1], len(items))
        rows.setdefault(u, {})[i] = (float(f[2]), int(f[3]) if len(f) > 3 else 0)
        has_ts = len(f) > 3
    indptr, indices, values, ts = [0], [], [], []
    for u in range(len(users)):
        for i in sorted(rows.get(u, {})):
            indices.append(i)
            values.append(rows[u][i][0])
            ts.append(rows[u][i][1])
        indptr.append(len(indices))
    t = [("indptr", "I64", [len(indptr)], indptr), ("indices", "I32", [len(indices)], indices),
         ("values", "F32", [len(values)], values)]
    if has_ts:
        t.append(("timestamps", "I64", [len(ts)], ts))
    t += id_tensors("user_ids", list(users)) + id_tensors("item_ids", list(items))
    meta = {"kind": kind, "format_version": "1", "rows": str(len(users)), "cols": str(len(items)),
            "nnz": str(len(values)), "feedback": "explicit", "source": "stfixture"}
    write(path, meta, t)


def model(path):
    m = json.load(sys.stdin)
    nu, ni, k = len(m["users"]), len(m["items"]), m["k"]
    t = [("user_factors", "F32", [nu, k], m["P"]), ("item_factors", "F32", [ni, k], m["Q"]),
         ("user_bias", "F32", [nu], m["user_bias"]), ("item_bias", "F32", [ni], m["item_bias"]),
         ("global_mean", "F32", [1], [m["global_mean"]])]
    t += id_tensors("user_ids", m["users"]) + id_tensors("item_ids", m["items"])
    meta = {"kind": m.get("kind", "model"), "format_version": "1", "algo": "sgd", "factors": str(k),
            "rating_min": str(m["rating_min"]), "rating_max": str(m["rating_max"]),
            "feedback": m.get("feedback", "explicit")}
    write(path, meta, t)


def main():
    cmd = sys.argv[1]
    if cmd == "ratings":
        ratings(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "ratings")
    elif cmd == "model":
        model(sys.argv[2])
    elif cmd == "dump":
        sys.stdout.write(dump(sys.argv[2]))
    elif cmd == "dumpeach":
        for path in sys.argv[2:]:
            with open(path + ".tsv", "w") as f:
                f.write(dump(path))
    elif cmd == "ids":
        print("\n".join(ids_of(read(sys.argv[2])[1], sys.argv[3])))
    elif cmd == "meta":
        print(read(sys.argv[2])[0].get(sys.argv[3], ""))


main()
