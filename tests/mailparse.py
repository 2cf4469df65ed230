#!/usr/bin/env python3
"""tests/mailparse.py - parses messages with Python's email package (an independent parser) for the tests.

usage: mailparse.py [--policy strict|default] (--mbox FILE | --eml FILE... | --maildir DIR)
Writes one JSON object per message: decoded headers (every instance), header names in
order, the raw header block, the longest raw line, the parts (type, charset, transfer
encoding, decoded content) and the parser's defects. Exits 1 when the strict policy
raises on a message.
"""
import email
import email.policy
import json
import mailbox
import os
import sys


def raw_messages(args):
    if args[0] == "--mbox":
        box = mailbox.mbox(args[1], create=False)
        for key in box.keys():
            raw = box.get_bytes(key)
            # mboxrd: a quoted ">From " line loses one '>'
            lines = raw.split(b"\n")
            out = []
            for ln in lines:
                s = ln.lstrip(b">")
                if ln.startswith(b">") and s.startswith(b"From "):
                    ln = ln[1:]
                out.append(ln)
            yield "%s[%s]" % (args[1], key), b"\n".join(out)
    elif args[0] == "--maildir":
        for sub in ("new", "cur"):
            d = os.path.join(args[1], sub)
            for name in sorted(os.listdir(d)):
                with open(os.path.join(d, name), "rb") as f:
                    yield name, f.read()
    else:
        for path in args[1:]:
            with open(path, "rb") as f:
                yield path, f.read()


def main():
    args = sys.argv[1:]
    policy = email.policy.strict
    if args and args[0] == "--policy":
        policy = getattr(email.policy, args[1])
        args = args[2:]
    status = 0
    for where, raw in raw_messages(args):
        try:
            msg = email.message_from_bytes(raw, policy=policy)
            head = raw.split(b"\n\n", 1)[0].decode("ascii")
            headers = {}
            for k, v in msg.items():
                headers.setdefault(k.lower(), []).append(str(v))
            parts = []
            for part in msg.walk():
                if part.is_multipart():
                    continue
                parts.append({
                    "type": part.get_content_type(),
                    "charset": part.get_content_charset(),
                    "cte": part.get("Content-Transfer-Encoding"),
                    "content": part.get_content(),
                })
            defects = [type(d).__name__ for d in msg.defects]
            for part in msg.walk():
                defects += [type(d).__name__ for d in part.defects]
            print(json.dumps({
                "where": where,
                "headers": headers,
                "names": [k for k, _ in msg.items()],
                "head": head,
                "content_type": msg.get_content_type(),
                "max_line": max(len(x) for x in raw.split(b"\n")),
                "parts": parts,
                "defects": defects,
            }, ensure_ascii=False))
        except Exception as exc:  # the strict policy raises on defects
            print("mailparse: %s: %s: %s" % (where, type(exc).__name__, exc), file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
