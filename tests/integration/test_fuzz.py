"""Every parser has a libFuzzer target (tests/fuzz: main.cf, master.cf, table
sources and rule tables); CI runs each briefly.

scripts/fuzz.sh builds the targets with clang (ASan + UBSan + libFuzzer)
and runs each for FUZZ_RUNS inputs (default 150000) with a fixed seed, on a
seed corpus that includes the stock Debian main.cf/master.cf and past crashes.  A crash, sanitizer report, timeout
or out-of-memory fails the test, and the input is kept in build-fuzz/.
"""
import os
import shutil
import subprocess
import unittest

import pctest


class TestFuzz(unittest.TestCase):
    def test_config_parsers_survive_fuzzing(self):
        if shutil.which("clang") is None:
            self.fail("clang is not installed (scripts/deps.sh installs it)")
        runs = os.environ.get("FUZZ_RUNS", "150000")
        r = subprocess.run([os.path.join(pctest.SRC, "scripts", "fuzz.sh"), runs],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout[-4000:])
        self.assertIn("fuzz_maincf", r.stdout)
        self.assertIn("fuzz_mastercf", r.stdout)
        self.assertIn("fuzz_maps", r.stdout)
        self.assertIn("fuzz_qfile", r.stdout)
        self.assertIn("fuzz_ipc", r.stdout)
        self.assertIn("fuzz_hdr_addr", r.stdout)
        self.assertIn("fuzz_authdb", r.stdout)


if __name__ == "__main__":
    unittest.main()
