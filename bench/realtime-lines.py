#!/usr/bin/env python3
"""bench/realtime-lines.py - drives `topk --stream` as a coprocess: writes one line, waits for its
answer, and so on; prints the load time, per-line round-trip latency percentiles (ms) and topk's CPU
seconds. usage: realtime-lines.py LINES USERS ITEMS -- TOPK ARGS..."""
import os
import random
import subprocess
import sys
import time


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))]


def main():
    n, users, items = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    rnd = random.Random(1)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    # the first answer also waits for the model to load
    p.stdin.write(b'{"user":"u0"}\n')
    p.stdout.readline()
    load = time.perf_counter() - t0
    kinds = {"known": [], "unknown": [], "context": []}
    for i in range(n):
        r = rnd.random()
        if r < 0.8:
            kind, line = "known", '{"user":"u%d"}' % rnd.randrange(users)
        elif r < 0.9:
            kind, line = "unknown", '{"user":"new%d"}' % i
        else:
            its = ",".join('"i%d":1' % rnd.randrange(items) for _ in range(3))
            kind, line = "context", '{"user":"u%d","items":{%s}}' % (rnd.randrange(users), its)
        s = time.perf_counter()
        p.stdin.write((line + "\n").encode())
        ans = p.stdout.readline()
        kinds[kind].append((time.perf_counter() - s) * 1e3)
        if not ans.startswith(b'{"user"'):
            sys.exit("realtime-lines: bad answer: %r" % ans[:200])
    with open("/proc/%d/stat" % p.pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(st[11]) + int(st[12])) / tick
    p.stdin.close()
    p.wait()
    allv = [x for v in kinds.values() for x in v]
    print("load %.3f s" % load)
    for k, v in list(kinds.items()) + [("all", allv)]:
        print("%-8s %6d lines  p50 %.3f ms  p99 %.3f ms  max %.3f ms" % (k, len(v), pct(v, 50), pct(v, 99), max(v)))
    print("cpu %.2f s (load included)" % cpu)


if __name__ == "__main__":
    main()
