"""Every parser has a libFuzzer target (tests/fuzz: main.cf, master.cf, table
sources and rule tables); CI runs each briefly.

scripts/fuzz.sh builds the targets with clang (ASan + UBSan + libFuzzer)
and runs each for FUZZ_RUNS inputs (default 100000; 15000 when the suite
under test is the sanitizer build, see _sanitizer_suite) with a fixed seed, on a
seed corpus that includes the stock Debian main.cf/master.cf and past crashes.  A crash, sanitizer report, timeout
or out-of-memory fails the test, and the input is kept in build-fuzz/.
"""
import os
import shutil
import subprocess
import unittest

import pctest


def _sanitizer_suite():
    """The suite under test is the sanitizer build: the fuzz targets are the
    same clang build in both suites, so that run is a shorter smoke run
    (every target still builds and runs) and the normal suite does the long one."""
    try:
        with open(os.path.join(pctest.BUILD, "config.h")) as f:
            return "#define PC_SANITIZERS 1" in f.read()
    except OSError:
        return False


class TestFuzz(unittest.TestCase):
    def test_config_parsers_survive_fuzzing(self):
        if shutil.which("clang") is None:
            self.fail("clang is not installed (scripts/deps.sh installs it)")
        runs = os.environ.get("FUZZ_RUNS", "15000" if _sanitizer_suite() else "100000")
        r = subprocess.run([os.path.join(pctest.SRC, "scripts", "fuzz.sh"), runs],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=900)
        self.assertEqual(r.returncode, 0, r.stdout[-4000:])
        self.assertIn("fuzz_maincf", r.stdout)
        self.assertIn("fuzz_mastercf", r.stdout)
        self.assertIn("fuzz_maps", r.stdout)
        self.assertIn("fuzz_qfile", r.stdout)
        self.assertIn("fuzz_ipc", r.stdout)
        self.assertIn("fuzz_hdr_addr", r.stdout)
        for target in ("fuzz_authdb", "fuzz_dconf", "fuzz_pwscheme", "fuzz_authproto"):
            self.assertIn(target, r.stdout)


if __name__ == "__main__":
    unittest.main()
