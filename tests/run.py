#!/usr/bin/env python3
"""run.py - run every postcote test and print "N passed, N failed" last.

Unit tests: every executable tests/unit/test_* in the build tree.  Each
prints one "ok N - name" / "not ok N - name" line per case; a program that
crashes or exits non-zero without reporting a failure counts as one failed
case, and cases announced by "1..N" but never reported count as failed.

Integration tests: every tests/integration/test_*.py module, run with
unittest.  A skipped test counts as failed (it could not run), with the
reason printed.  Tests that need root are in modules whose name contains
"_root"; they run only as root and otherwise count as failed with a reason.

Under the sanitizer build, ASan/UBSan reports from any process (daemons
included) are written to a log directory; every report found there after
the run counts as one failure.

Usage: run.py --build BUILDDIR --prefix PREFIX [-k PATTERN] [--unit-only|--integration-only]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def run_unit(build, pattern):
    passed = failed = 0
    progs = sorted(glob.glob(os.path.join(build, "tests", "unit", "test_*")))
    progs = [p for p in progs if os.access(p, os.X_OK) and not p.endswith((".o", ".c"))]
    if not progs:
        print("unit: no test programs found in %s/tests/unit" % build)
        return 0, 1
    for prog in progs:
        name = os.path.basename(prog)
        if pattern and pattern not in name:
            continue
        t0 = time.monotonic()
        try:
            proc = subprocess.run([prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=120, cwd=os.path.join(HERE, ".."))
            out = proc.stdout.decode("utf-8", "replace")
            rc = proc.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace") + "\n# TIMEOUT after 120s\n"
            rc = -1
        plan = None
        ok = bad = 0
        for line in out.splitlines():
            m = re.match(r"^1\.\.(\d+)$", line)
            if m:
                plan = int(m.group(1))
            elif line.startswith("ok "):
                ok += 1
            elif line.startswith("not ok "):
                bad += 1
        reported = ok + bad
        if plan is not None and reported < plan:
            bad += plan - reported
        if rc != 0 and bad == 0:
            bad = 1
        passed += ok
        failed += bad
        status = "ok" if bad == 0 else "FAIL"
        print("unit %-28s %3d passed %3d failed  (%.1fs) %s" % (name, ok, bad, time.monotonic() - t0, status))
        if bad:
            for line in out.splitlines():
                if line.startswith("#") or line.startswith("not ok") or "ERROR" in line \
                        or "runtime error" in line:
                    print("    " + line)
    return passed, failed


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def run_integration(build, prefix, pattern):
    sys.path.insert(0, os.path.join(HERE, "integration"))
    os.environ["POSTCOTE_BUILD"] = build
    os.environ["POSTCOTE_PREFIX"] = prefix
    os.environ["POSTCOTE_SRC"] = os.path.dirname(HERE)
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    passed = failed = 0
    mods = sorted(glob.glob(os.path.join(HERE, "integration", "test_*.py")))
    for path in mods:
        modname = os.path.splitext(os.path.basename(path))[0]
        if "_root" in modname and os.geteuid() != 0:
            suite = loader.loadTestsFromName(modname)
            n = suite.countTestCases()
            print("integ %-27s needs root: %d tests could not run (counted as failed)" % (modname, n))
            failed += n
            continue
        try:
            suite = loader.loadTestsFromName(modname)
        except Exception as e:  # import error is a failure, not a skip
            print("integ %-27s cannot load: %r" % (modname, e))
            failed += 1
            continue
        if suite.countTestCases() == 0:
            continue
        t0 = time.monotonic()
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1, resultclass=CountingResult)
        print("integ %s" % modname)
        sys.stdout.flush()
        res = runner.run(suite)
        bad = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
        for test, reason in res.skipped:
            print("    could not run (counted as failed): %s: %s" % (test.id(), reason))
        bad += len(res.skipped)
        passed += res.passed
        failed += bad
        print("integ %-27s %3d passed %3d failed  (%.1fs)" % (modname, res.passed, bad, time.monotonic() - t0))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("-k", dest="pattern", default="")
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--integration-only", action="store_true")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    prefix = os.path.abspath(args.prefix)

    sanitized = False
    try:
        with open(os.path.join(build, "config.h")) as f:
            sanitized = "#define PC_SANITIZERS 1" in f.read()
    except OSError:
        pass
    sandir = None
    if sanitized:
        sandir = tempfile.mkdtemp(prefix="postcote-san-")
        # Leak checking is off: daemons exit without freeing process-lifetime
        # state, and LeakSanitizer cannot run under ptrace-restricted sandboxes.
        os.environ["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0:log_path=%s/asan" % sandir
        os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:log_path=%s/ubsan" % sandir
        print("sanitizer build: reports go to %s" % sandir)

    passed = failed = 0
    if not args.integration_only:
        p, f = run_unit(build, args.pattern)
        passed += p
        failed += f
    if not args.unit_only:
        p, f = run_integration(build, prefix, args.pattern)
        passed += p
        failed += f
    if sandir:
        reports = sorted(glob.glob(os.path.join(sandir, "*")))
        for r in reports:
            print("sanitizer report %s:" % r)
            with open(r, errors="replace") as fh:
                for line in fh.read().splitlines()[:40]:
                    print("    " + line)
        failed += len(reports)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
