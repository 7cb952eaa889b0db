#!/usr/bin/env python3
"""postconf_n.py - `postconf -n` and `postconf -M` latency, postcote vs real Postfix.

Runs both programs side by side on the same copy of the stock Debian 12
main.cf/master.cf, alternating runs so machine noise hits both equally, and
prints medians and the ratio (postcote / Postfix; < 1 is faster).

Usage: bench/postconf_n.py [--runs N] [--postcote PATH] [--postfix PATH]
The real Postfix is Debian's /usr/sbin/postconf (apt-get install postfix).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
STOCK = os.path.join(os.path.dirname(SRC), "shared", "compat", "debian-postfix-3.7")


def time_runs(argv, runs):
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--postcote", default=os.path.join(SRC, "build", "inst", "sbin", "postconf"))
    ap.add_argument("--postfix", default="/usr/sbin/postconf")
    args = ap.parse_args()
    if not os.access(args.postfix, os.X_OK):
        raise SystemExit("real postconf not found at %s (apt-get install postfix)" % args.postfix)
    d = tempfile.mkdtemp(prefix="bench-postconf-")
    try:
        for f in ("main.cf", "master.cf"):
            shutil.copy(os.path.join(STOCK, f), d)
        for mode in ("-n", "-M"):
            ours, theirs = [], []
            for _ in range(5):  # interleave in blocks
                ours += time_runs([args.postcote, "-c", d, mode], args.runs // 5)
                theirs += time_runs([args.postfix, "-c", d, mode], args.runs // 5)
            mo, mt = statistics.median(ours), statistics.median(theirs)
            print("postconf %s: postcote %.2f ms, Postfix %.2f ms, ratio %.2f (median of %d runs each)"
                  % (mode, mo, mt, mo / mt, len(ours)))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
