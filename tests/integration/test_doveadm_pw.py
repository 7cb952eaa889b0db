"""doveadm pw against the real Dovecot 2.3 doveadm (/usr/bin/doveadm).

Both directions: every hash the real doveadm made (tests/data/pwscheme/
hashes.txt) gives the same `-t` result in ours as in the real one, and
every hash ours makes verifies in the real one.  Output formats, usage
errors, exit statuses and the tty prompts are compared with the real
program run with the same arguments (its output is the expected value; no
result is written into this file).  Random salts are compared by shape:
every run of salt/hash characters is reduced to its length.
"""
import atexit
import concurrent.futures
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time
import unittest

import pctest

REAL = "/usr/bin/doveadm"
HASHES = os.path.join(pctest.DATA, "pwscheme", "hashes.txt")


def ours():
    return os.path.join(pctest.PREFIX, "bin", "doveadm")


TMP = tempfile.mkdtemp(prefix="pc-doveadm-pw-")
atexit.register(shutil.rmtree, TMP, True)
CONF = os.path.join(TMP, "dovecot.conf")      # both programs read it (an empty file)
BAD_CONF = os.path.join(TMP, "bad.conf")
with open(CONF, "w"):
    pass
with open(BAD_CONF, "w") as f:
    f.write("foo_bar = 1\n")


def with_conf(args):
    """-c CONF first unless the case names its own configuration."""
    args = list(args)
    return args if "-c" in args[:2] else ["-c", CONF] + args


def run(prog, *args, input=None, timeout=60):
    """Status, stdout, stderr; in a new session, so without a controlling tty."""
    r = subprocess.run([prog] + with_conf(args), input=input if input is not None else "",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, start_new_session=True)
    return r.returncode, r.stdout, r.stderr


def both(*args, input=None):
    return run(ours(), *args, input=input), run(REAL, *args, input=input)


def shape(text):
    """A hash with every run of [./A-Za-z0-9+] (4+ chars) replaced by its length."""
    return re.sub(r"[./A-Za-z0-9+]{4,}=*", lambda m: "<%d>" % len(m.group(0)), text)


def load_hashes():
    rows = []
    with open(HASHES, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            scheme, user, password, stored = line.split("\t")
            rows.append((scheme, None if user == "-" else user, password, stored))
    return rows


def pty_run(prog, args, inputs, timeout=10.0):
    """Run prog under a pty, typing each of inputs after a pause; (bytes, status)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(prog, [prog] + with_conf(args))
        finally:
            os._exit(127)
    out = b""
    for data in inputs:
        time.sleep(0.3)
        os.write(fd, data)
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    end = time.time() + 5
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            os.close(fd)
            return out, os.waitstatus_to_exitcode(status)
        if time.time() > end:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(fd)
            return out, "killed"
        time.sleep(0.05)


class RealDoveadm(unittest.TestCase):
    def setUp(self):
        # the real program is a dependency (scripts/deps.sh installs dovecot-core)
        self.assertTrue(os.access(REAL, os.X_OK), "real doveadm missing: " + REAL)
        self.assertTrue(os.access(ours(), os.X_OK), "our doveadm missing: " + ours())


class TestRealHashes(RealDoveadm):
    """Direction 1: the recorded real hashes, -t in ours and in the real doveadm."""

    def check_rows(self, wrong):
        """-t for every row (password prefixed with "x" if wrong), ours == real; statuses."""
        rows = load_hashes()
        self.assertGreater(len(rows), 200)

        def one(row):
            scheme, user, password, stored = row
            args = ["pw", "-t", stored, "-p", ("x" if wrong else "") + password]
            return row, both(*(args + (["-u", user] if user else [])))

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(one, rows))
        for (scheme, user, password, stored), (mine, real) in results:
            self.assertEqual(mine, real, "%s %r %r" % (scheme, password, stored))
        return [mine[0] for _, (mine, _) in results]

    def test_every_recorded_hash(self):
        codes = self.check_rows(wrong=False)
        # nearly all verify (the real PLAIN-TRUNC output does not verify in the real one)
        self.assertGreater(codes.count(0), len(codes) * 9 // 10)

    def test_wrong_password_for_every_recorded_hash(self):
        codes = self.check_rows(wrong=True)
        self.assertEqual(codes.count(75), len(codes))


class TestOurHashes(RealDoveadm):
    """Direction 2: what ours makes verifies in the real doveadm, with the real shapes."""

    PASSWORDS = ["secret", "", "pass word", "p\u00e4ssw\u00f6rd\u20ac", "x" * 100]

    def test_every_scheme_verifies_in_real(self):
        code, out, _ = run(ours(), "pw", "-l")
        self.assertEqual(code, 0)
        schemes = out.split()
        self.assertIn("SHA512-CRYPT", schemes)
        for scheme in schemes:
            if scheme == "PLAIN-TRUNC":
                continue  # the real doveadm does not verify its own PLAIN-TRUNC output
            user = ["-u", "jane.roe@example.com"] if scheme == "DIGEST-MD5" else []
            for pw in self.PASSWORDS:
                code, out, err = run(ours(), "pw", "-s", scheme, "-p", pw, *user)
                self.assertEqual((code, err), (0, ""), scheme)
                stored = out.rstrip("\n")
                real = run(REAL, "pw", "-t", stored, "-p", pw, *user)
                self.assertEqual(real, (0, stored + " (verified)\n", ""), "%s %r" % (scheme, pw))
                wrong = run(REAL, "pw", "-t", stored, "-p", "y" + pw, *user)
                self.assertEqual(wrong[0], 75, "%s %r" % (scheme, stored))

    def test_encodings_verify_in_real(self):
        for scheme in ["SHA.HEX", "SSHA.HEX", "SHA256.B64", "SSHA512.HEX", "PLAIN-MD5.B64",
                       "LDAP-MD5.HEX", "CRAM-MD5.B64", "SMD5.BASE64", "PLAIN.HEX",
                       "SCRAM-SHA-1.B64", "PBKDF2.HEX", "sha512.hex"]:
            code, out, err = run(ours(), "pw", "-s", scheme, "-p", "secret")
            self.assertEqual((code, err), (0, ""), scheme)
            self.assertTrue(out.startswith("{%s}" % scheme.upper()), out)
            real = run(REAL, "pw", "-t", out.strip(), "-p", "secret")
            self.assertEqual(real[0], 0, "%s %s %s" % (scheme, out, real))

    def test_shapes_equal_real(self):
        for args in [["-s", "SHA512-CRYPT"], ["-s", "SHA256-CRYPT"], ["-s", "MD5-CRYPT"],
                     ["-s", "MD5"], ["-s", "DES-CRYPT"], ["-s", "BLF-CRYPT"], [],
                     ["-s", "SSHA"], ["-s", "SSHA256"], ["-s", "SSHA512"], ["-s", "SMD5"],
                     ["-s", "PBKDF2"], ["-s", "SCRAM-SHA-1"], ["-s", "SCRAM-SHA-256"],
                     ["-s", "ssha.hex"],
                     ["-s", "SHA512-CRYPT", "-r", "1000"], ["-s", "SHA512-CRYPT", "-r", "999"],
                     ["-s", "SHA256-CRYPT", "-r", "5000"], ["-s", "SHA256-CRYPT", "-r", "1"],
                     ["-s", "SHA512-CRYPT", "-r", "abc"], ["-s", "BLF-CRYPT", "-r", "4"],
                     ["-s", "BLF-CRYPT", "-r", "3"], ["-s", "CRYPT", "-r", "6"],
                     ["-s", "PBKDF2", "-r", "1"], ["-s", "PBKDF2", "-r", "1000"],
                     ["-s", "SCRAM-SHA-1", "-r", "100"], ["-s", "MD5-CRYPT", "-r", "100"]]:
            mine, real = both("pw", "-p", "secret", *args)
            self.assertEqual((mine[0], mine[2]), (real[0], real[2]), args)
            self.assertEqual(shape(mine[1]), shape(real[1]), args)
            self.assertEqual(mine[1].split("$")[:3] if "rounds=" in real[1] else 0,
                             real[1].split("$")[:3] if "rounds=" in real[1] else 0, args)


class TestOutputs(RealDoveadm):
    """Deterministic outputs, errors, usage and exit statuses: identical to the real ones."""

    CASES = [
        ["pw", "-l"],
        ["pw", "-l", "-s", "SHA"],
        ["pw", "-s", "SHA", "-p", "secret"],
        ["pw", "-s", "sha1", "-p", "secret"],
        ["pw", "-s", "SHA256", "-p", "secret"],
        ["pw", "-s", "SHA512", "-p", "secret"],
        ["pw", "-s", "PLAIN", "-p", "secret"],
        ["pw", "-s", "clear", "-p", "a b\tc"],
        ["pw", "-s", "CLEARTEXT", "-p", ""],
        ["pw", "-s", "PLAIN-TRUNC", "-p", "secret"],
        ["pw", "-s", "PLAIN-MD5", "-p", "secret"],
        ["pw", "-s", "LDAP-MD5", "-p", "secret"],
        ["pw", "-s", "PLAIN-MD4", "-p", "secret"],
        ["pw", "-s", "CRAM-MD5", "-p", "secret"],
        ["pw", "-s", "HMAC-MD5", "-p", "secret"],
        ["pw", "-s", "DIGEST-MD5", "-p", "secret", "-u", "bob"],
        ["pw", "-s", "digest-md5", "-p", "secret", "-u", "bob@example.com"],
        ["pw", "-s", "sha.hex", "-p", "secret"],
        ["pw", "-s", "sha.b64", "-p", "secret"],
        ["pw", "-s", "sha.base64", "-p", "secret"],
        ["pw", "-s", "plain-md5.b64", "-p", "secret"],
        ["pw", "-s", "PLAIN.HEX", "-p", "secret"],
        ["pw", "-s", "SHA", "-p", "secret", "-V"],
        ["pw", "-s", "CRAM-MD5", "-p", "secret", "-V"],
        ["pw", "-s", "SHA", "-p", "x", "-u", "bob"],
        ["pw", "-s", "FOO", "-p", "secret"],
        ["pw", "-s", "SHA.XYZ", "-p", "secret"],
        ["pw", "-s", "DIGEST-MD5", "-p", "secret"],
        ["pw", "-s", "SHA256-CRYPT", "-r", "4294967296", "-p", "secret"],
        ["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "secret"],
        ["pw", "-t", "{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "secret"],
        ["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "wrong"],
        ["pw", "-t", "{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "-p", "secret"],
        ["pw", "-t", "{SHA.B64}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "-p", "secret"],
        ["pw", "-t", "{PLAIN-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "-p", "secret"],
        ["pw", "-t", "{LDAP-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "-p", "secret"],
        ["pw", "-t", "{MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "-p", "secret"],
        ["pw", "-t", "{MD5}junk", "-p", "secret"],
        ["pw", "-t", "5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "secret"],
        ["pw", "-t", "{SHA", "-p", "secret"],
        ["pw", "-t", "{FOO}abc", "-p", "secret"],
        ["pw", "-t", "{}abc", "-p", "secret"],
        ["pw", "-t", "{SHA}x", "-p", "secret"],
        ["pw", "-t", "{SHA}", "-p", "secret"],
        ["pw", "-t", "{CRAM-MD5}zz", "-p", "secret"],
        ["pw", "-t", "{DIGEST-MD5}c42c9e23d3606604ef9adb6e89574511", "-p", "secret", "-u", "bob"],
        ["pw", "-t", "{DIGEST-MD5}c42c9e23d3606604ef9adb6e89574511", "-p", "secret"],
        ["pw", "-t", "{DIGEST-MD5}c42c9e23d3606604ef9adb6e89574511", "-p", "secret", "-u", "al"],
        ["pw", "-t", "{PLAIN-TRUNC}secret", "-p", "secret"],
        ["pw", "-t", "{PLAIN-TRUNC}3-sec", "-p", "secretxx"],
        ["pw", "-t", "{PLAIN-TRUNC}x-abc", "-p", "secret"],
        ["pw", "-t", "{PLAIN}", "-p", ""],
        ["pw", "-t", "{SHA512-CRYPT}$1$VFERonvm$YljXcouxbC7zHqt64qwFZ/", "-p", "secret"],
        ["pw", "-t", "{CRYPT}xx", "-p", "secret"],
        ["pw", "-t", "{SSHA}abc=", "-p", "secret"],
        ["pw", "-t", "{SSHA}GYMk", "-p", "secret"],
        ["pw", "-t", "{SMD5}abc=", "-p", "secret"],
        ["pw", "-t", "{SSHA256}abc=", "-p", "secret"],
        ["pw", "-t", "{PBKDF2}junk", "-p", "secret"],
        ["pw", "-t", "{PBKDF2}$1$abc", "-p", "secret"],
        ["pw", "-t", "{PBKDF2}$1$abc$x$y", "-p", "secret"],
        ["pw", "-t", "{PBKDF2}$1$abc$10$y", "-p", "secret"],
        ["pw", "-t", "{SCRAM-SHA-1}4096,abc,def", "-p", "secret"],
        ["pw", "-t", "{SCRAM-SHA-1}x,abc,def,ghi", "-p", "secret"],
        ["pw", "-t", "{SCRAM-SHA-1}4096,!!,def,ghi", "-p", "secret"],
        ["pw", "-t", "{SCRAM-SHA-256}4096,abcd,defg,ghij", "-p", "secret"],
        ["pw", "-x"],
        ["pw", "-r"],
        ["pw", "extra", "-p", "x"],
        ["-c", "/nonexistent/dovecot.conf", "pw", "-s", "SHA", "-p", "x"],
        ["-c", BAD_CONF, "pw", "-s", "SHA", "-p", "x"],
        ["-D", "pw", "-s", "SHA", "-p", "x"],
        ["-v", "pw", "-s", "SHA", "-p", "x"],
    ]

    def test_cases_equal_real(self):
        for args in self.CASES:
            mine, real = both(*args)
            self.assertEqual(mine[0], real[0], args)
            self.assertEqual(mine[1], real[1], args)
            if args[0] != "-D":  # real -D adds module-loading Debug: lines
                self.assertEqual(mine[2], real[2], args)

    def test_no_tty_reads_stdin(self):
        for text in ["secret\nsecret\n", "", "a\nb\n"]:
            mine, real = both("pw", "-s", "SHA", input=text)
            self.assertEqual(mine, real, repr(text))
        mine, real = both("pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", input="secret\n")
        self.assertEqual(mine, real)


class TestBadInput(RealDoveadm):
    """Ours only: input the real one handles without limits (documented caps)."""

    def test_endless_line_is_bounded(self):
        code, out, err = run(ours(), "pw", "-s", "SHA", input="x" * 1000000, timeout=20)
        self.assertIn(code, (0, 1))
        self.assertLess(len(out) + len(err), 200)

    def test_negative_rounds_refused(self):
        code, out, err = run(ours(), "pw", "-s", "SHA512-CRYPT", "-r", "-5", "-p", "x")
        self.assertEqual((code, out, err), (75, "", "Fatal: Invalid number of rounds: -5\n"))


class TestUsage(RealDoveadm):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory(prefix="pc-doveadm-")
        self.conf = os.path.join(self.tmp.name, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("base_dir = %s\n" % self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def check_listing(self, args):
        mine, real = both("-c", self.conf, *args)
        self.assertEqual((mine[0], mine[1]), (real[0], real[1]), args)
        self.assertEqual(mine[0], 64)
        mine_lines, real_lines = mine[2].split("\n"), real[2].split("\n")
        self.assertEqual(mine_lines[:2], real_lines[:2], args)
        pw = [l for l in real_lines if l.startswith("  pw ")]
        self.assertEqual(len(pw), 1)
        self.assertIn(pw[0], mine_lines)
        # every line we list is one the real program lists
        for line in mine_lines[2:]:
            if line:
                self.assertIn(line, real_lines, args)

    def test_no_command(self):
        self.check_listing([])

    def test_unknown_command(self):
        self.check_listing(["nosuchcommand", "x"])

    def test_bad_config_for_unknown_command(self):
        mine, real = both("-c", "/nonexistent/dovecot.conf", "nosuchcommand")
        self.assertEqual(mine[0], real[0])
        self.assertEqual(mine[0], 75)
        self.assertTrue(mine[2].startswith("Fatal: Error reading configuration: "), mine[2])

    def test_bad_global_option(self):
        mine, real = run(ours(), "-x", "pw"), run(REAL, "-x", "pw")
        self.assertEqual(mine[0], real[0])
        self.assertEqual(mine[2].replace(ours(), "P"), real[2].replace(REAL, "P"))


class TestTty(RealDoveadm):
    """The prompts on a tty: byte-identical with the real doveadm's."""

    CASES = [
        (["pw", "-s", "SHA"], [b"secret\n", b"secret\n"]),
        (["pw", "-s", "SHA"], [b"a\n", b"b\n", b"c\n", b"c\n"]),
        (["pw", "-s", "SHA"], [b"a\n", b"b\n", b"c\n", b"d\n", b"e\n", b"f\n"]),
        (["pw", "-s", "SHA"], [b"\n", b"\n"]),
        (["pw", "-s", "SHA", "-V"], [b"secret\n", b"secret\n"]),
        (["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="], [b"secret\n"]),
        (["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="], [b"wrong\n"]),
    ]

    def test_prompts_equal_real(self):
        for args, inputs in self.CASES:
            mine = pty_run(ours(), args, inputs)
            real = pty_run(REAL, args, inputs)
            self.assertEqual(mine, real, args)
            self.assertNotEqual(mine[1], "killed", args)
            self.assertNotIn(b"secret\r\n", mine[0])  # no echo


if __name__ == "__main__":
    unittest.main()
