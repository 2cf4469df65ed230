#!/usr/bin/env python3
"""tests/recload.py - load for recserve's tests: THREADS threads each send GET PATH...
(round robin) on one keep-alive connection until STOPFILE exists (or COUNT requests each);
prints one JSON line: {"requests":N,"status":{"200":N,...},"sources":{...},"errors":N,
"bodies":{"<path>":[distinct bodies]}} (bodies only with --bodies)."""
import argparse
import http.client
import json
import os
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--count", type=int, default=0, help="requests per thread (0: until --stop)")
    ap.add_argument("--stop", help="stop when this file exists")
    ap.add_argument("--started", help="create this file once every thread has an answer")
    ap.add_argument("--bodies", action="store_true")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    lock = threading.Lock()
    status, errors, bodies, answered = {}, [0], {}, set()
    go = threading.Barrier(a.threads)

    def worker(t):
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        go.wait()
        i = 0
        while True:
            if a.count and i >= a.count:
                break
            if not a.count and a.stop and os.path.exists(a.stop):
                break
            path = a.paths[(t + i) % len(a.paths)]
            i += 1
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read().decode()
                code = str(r.status)
            except Exception as e:  # a failed request is what the tests look for
                with lock:
                    errors[0] += 1
                sys.stderr.write("recload: %s: %s\n" % (path, e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
                continue
            with lock:
                status[code] = status.get(code, 0) + 1
                if a.bodies:
                    bodies.setdefault(path, set()).add(body)
                answered.add(t)
                if a.started and len(answered) == a.threads and not os.path.exists(a.started):
                    open(a.started, "w").close()
        conn.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out = {"requests": sum(status.values()), "status": status, "errors": errors[0]}
    if a.bodies:
        out["bodies"] = {p: sorted(b) for p, b in bodies.items()}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
