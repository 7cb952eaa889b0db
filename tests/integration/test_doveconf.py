"""doveconf against the real Dovecot 2.3.19.1 doveconf.

Every case recorded by tests/data/doveconf/capture.sh (the real program's
stdout, stderr and exit status for a config and arguments) is replayed
against postcote's doveconf in a temp dir.  stdout, stderr and status must
be identical, except the header lines: the real first line names Dovecot's
version and build, ours names postcote ("# 2.3.19.1 (postcote V): PATH"),
and the real "# Pigeonhole version" line has no counterpart (we ship no
Pigeonhole).  The "# OS:" and "# Hostname:" lines must look like the real
ones for this host (uname, /etc/debian_version, gethostname).

Also: `doveconf -n` of Debian's stock config equals shared/compat's
doveconf-n.txt and `doveconf -d` equals doveconf-d.txt (the lead's captures
from another machine), the compiled-in default path, and $DOVECOT_CONFIG
being ignored as by the real doveconf.
"""
import os
import shutil
import socket
import tempfile
import unittest

import pctest

CASES = os.path.join(pctest.DATA, "doveconf", "cases")
STOCK = os.path.join(pctest.SHARED, "compat", "debian-dovecot-2.3")


def doveconf():
    return os.path.join(pctest.PREFIX, "bin", "doveconf")


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default


def stock_setup(d):
    """The same tree capture.sh's stock_setup builds."""
    for name in os.listdir(STOCK):
        src = os.path.join(STOCK, name)
        if name in ("doveconf-d.txt", "doveconf-n.txt"):
            continue
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(d, name))
        else:
            shutil.copy(src, d)
    os.makedirs(os.path.join(d, "protocols.d"))
    for p in ("imap", "lmtp", "pop3"):
        with open(os.path.join(d, "protocols.d", p + "d.protocol"), "w") as f:
            f.write("protocols = $protocols %s\n" % p)
    path = os.path.join(d, "dovecot.conf")
    text = read(path).replace("/usr/share/dovecot/protocols.d", d + "/protocols.d")
    with open(path, "w") as f:
        f.write(text)


def copy_files(src, d):
    for root, _dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(d, rel), exist_ok=True)
        for name in files:
            with open(os.path.join(root, name)) as f:
                text = f.read().replace("@DIR@", d)
            with open(os.path.join(d, rel, name), "w") as f:
                f.write(text)


def os_line():
    u = os.uname()
    distro = ""
    ver = read("/etc/debian_version").strip()
    if ver:
        distro = "Debian " + ver
    return "# OS: %s %s %s %s " % (u.sysname, u.release, u.machine, distro)


def split_header(text):
    """(header lines, body) of a full dump; header = leading '# ' lines of the real layout."""
    lines = text.split("\n")
    head = []
    while lines and (lines[0].startswith("# 2.3.19.1 (") or lines[0].startswith("# Pigeonhole")
                     or lines[0].startswith("# OS: ") or lines[0].startswith("# Hostname: ")
                     or lines[0].startswith("# NOTE: ")):
        head.append(lines.pop(0))
    return head, "\n".join(lines)


class TestRecordedCases(unittest.TestCase):
    """Replay of the real doveconf's recorded behaviour."""

    def check_case(self, name):
        case = os.path.join(CASES, name)
        d = tempfile.mkdtemp(prefix="pct-doveconf-")
        try:
            if os.path.exists(os.path.join(case, "files", "STOCK")):
                stock_setup(d)
            else:
                copy_files(os.path.join(case, "files"), d)
            args = [a.replace("/tmp/dcref", d) for a in read(os.path.join(case, "args")).splitlines()]
            r = pctest.run([doveconf()] + args)
            want_out = read(os.path.join(case, "stdout")).replace("@DIR@", d)
            want_err = read(os.path.join(case, "stderr")).replace("@DIR@", d)
            want_err = want_err.replace("/usr/bin/doveconf", doveconf())
            want_status = int(read(os.path.join(case, "status")).strip())
            real_head, real_body = split_header(want_out)
            our_head, our_body = split_header(r.stdout)
            self.assertEqual(our_body, real_body, "stdout of %s" % name)
            self.assertEqual(r.stderr, want_err, "stderr of %s" % name)
            self.assertEqual(r.returncode, want_status, "status of %s" % name)
            self.check_header(name, real_head, our_head)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def check_header(self, name, real, ours):
        real = [l for l in real if not l.startswith("# Pigeonhole")]
        self.assertEqual(len(ours), len(real), "header of %s: %r vs %r" % (name, ours, real))
        for r, o in zip(real, ours):
            if r.startswith("# 2.3.19.1 ("):
                self.assertTrue(o.startswith("# 2.3.19.1 (postcote "), o)
                self.assertEqual(o.split("): ", 1)[1], r.split("): ", 1)[1])
            elif r.startswith("# OS: "):
                self.assertEqual(o, os_line())
            elif r.startswith("# Hostname: "):
                self.assertEqual(o, "# Hostname: " + socket.gethostname())
            else:
                self.assertEqual(o, r)


def _add_case_tests():
    for name in sorted(os.listdir(CASES)):
        def t(self, name=name):
            self.check_case(name)
        setattr(TestRecordedCases, "test_" + name.replace("-", "_"), t)


_add_case_tests()


class TestStock(unittest.TestCase):
    """Against the lead's captures in shared/compat."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pct-doveconf-")
        stock_setup(self.dir)
        self.conf = os.path.join(self.dir, "dovecot.conf")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_n_equals_compat(self):
        r = pctest.run([doveconf(), "-n", "-c", self.conf])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        _h, ours = split_header(r.stdout)
        _h, real = split_header(read(os.path.join(STOCK, "doveconf-n.txt")))
        self.assertEqual(ours, real)
        lines = r.stdout.split("\n")
        self.assertEqual(lines[0], "# 2.3.19.1 (postcote %s): %s" % (lines[0].split()[3][:-2], self.conf))

    def test_d_equals_compat(self):
        r = pctest.run([doveconf(), "-d"])
        self.assertEqual(r.returncode, 0, r.stderr)
        head, ours = split_header(r.stdout)
        _h, real = split_header(read(os.path.join(STOCK, "doveconf-d.txt")))
        self.assertEqual(ours, real)
        self.assertEqual(head[-1], "# NOTE: Send doveconf -n output instead when asking for help.")

    def test_default_path_and_env(self):
        # no -c: the compiled-in path (under the install prefix), which does not exist here
        r = pctest.run([doveconf(), "-n"], env={"DOVECOT_CONFIG": self.conf})
        self.assertEqual(r.returncode, 89)
        self.assertIn("doveconf: Fatal: open(", r.stderr)
        self.assertNotIn(self.conf, r.stderr)   # $DOVECOT_CONFIG is ignored, as by real doveconf
        first = r.stdout.split("\n")[0]
        self.assertTrue(first.endswith("/dovecot.conf"), first)

    def test_a_is_all(self):
        r = pctest.run([doveconf(), "-c", self.conf])
        a = pctest.run([doveconf(), "-a", "-c", self.conf])
        self.assertEqual(r.stdout, a.stdout)
        body = split_header(r.stdout)[1]
        self.assertIn("\nmail_location = mbox:~/mail:INBOX=/var/mail/%u\n", body)
        self.assertIn("\nauth_mechanisms = plain\n", body)

    def test_names_secret_shown(self):
        r = pctest.run([doveconf(), "-c", self.conf, "ssl_key", "-h"])
        # getopt permutes: -h applies; the secret is shown for a query by name
        self.assertEqual(r.stdout, "</etc/dovecot/private/dovecot.key\n")

    def test_unknown_name_silent(self):
        r = pctest.run([doveconf(), "-c", self.conf, "no_such_setting"])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))


class TestInstall(unittest.TestCase):
    def test_bindir(self):
        self.assertTrue(os.access(doveconf(), os.X_OK), doveconf())


if __name__ == "__main__":
    unittest.main()
