#!/usr/bin/env python3
"""postmap_lookup.py - lookups per second on a 100,000-entry table via
`postmap -q -`, postcote vs the real Postfix, side by side.

Builds the same source table with both programs (postcote: hash: and lmdb:,
both LMDB files; Postfix: hash: = Berkeley DB, lmdb: = LMDB), then feeds
100,000 keys (90% hits, 10% misses, shuffled) to `postmap -q -` and reports
the median of --runs runs, alternating programs, as lookups/s and the ratio.

Usage: bench/postmap_lookup.py [--runs N] [--entries N]
The real Postfix comes from Debian: apt-get install postfix postfix-lmdb.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
STOCK = os.path.join(os.path.dirname(SRC), "shared", "compat", "debian-postfix-3.7")


def run_once(argv, keys_path):
    with open(keys_path, "rb") as keys:
        t0 = time.perf_counter()
        subprocess.run(argv, stdin=keys, stdout=subprocess.DEVNULL, check=False)
        return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--postcote", default=os.path.join(SRC, "build", "inst", "sbin", "postmap"))
    ap.add_argument("--postfix", default="/usr/sbin/postmap")
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="bench-postmap-")
    try:
        shutil.copy(os.path.join(STOCK, "main.cf"), d)
        rnd = random.Random(1)
        src = {}
        for who in ("ours", "theirs"):
            path = os.path.join(d, "virtual-" + who)
            with open(path, "w") as f:
                for i in range(args.entries):
                    f.write("user%d@example%d.com destination%d@example.net\n" % (i, i % 97, i))
            src[who] = path
        keys = ["user%d@example%d.com" % (i, i % 97) for i in rnd.sample(range(args.entries), args.entries * 9 // 10)]
        keys += ["missing%d@example.org" % i for i in range(args.entries // 10)]
        rnd.shuffle(keys)
        keys_path = os.path.join(d, "keys")
        with open(keys_path, "w") as f:
            f.write("\n".join(keys) + "\n")
        ours = [args.postcote, "-c", d]
        theirs = [args.postfix, "-c", d]
        for kind in ("hash", "lmdb"):
            t0 = time.perf_counter()
            subprocess.run(ours + ["%s:%s" % (kind, src["ours"])], check=True)
            build_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            subprocess.run(theirs + ["%s:%s" % (kind, src["theirs"])], check=True)
            build_theirs = time.perf_counter() - t0
            o, t = [], []
            for _ in range(args.runs):
                o.append(run_once(ours + ["-q", "-", "%s:%s" % (kind, src["ours"])], keys_path))
                t.append(run_once(theirs + ["-q", "-", "%s:%s" % (kind, src["theirs"])], keys_path))
            mo, mt = statistics.median(o), statistics.median(t)
            n = len(keys)
            print("%s: postcote %.0f lookups/s, Postfix %.0f lookups/s, ratio %.2f; "
                  "build of %d entries: postcote %.2f s, Postfix %.2f s"
                  % (kind, n / mo, n / mt, mt / mo, args.entries, build_ours, build_theirs))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
