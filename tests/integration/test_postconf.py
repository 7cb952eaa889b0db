"""postconf against the real Postfix 3.7: every case recorded by
tests/data/postconf/capture.sh (the real program's stdout, stderr, exit
status and edited files) is replayed against postcote's postconf.

stdout, exit status and edited files must be identical.  stderr is
compared as a set of distinct lines (the real postconf repeats some
warnings several times), with the program path normalised; where postcote
deliberately adds the location of a master.cf error ("file F: line N: "),
the rest of the line must still be Postfix's text.

Also: `postconf -d NAME` matches the real `postconf -d` output
(shared/compat/debian-postfix-3.7/postconf-d.txt) for every parameter,
except those derived from the host or from ./configure.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import pctest

CASES = os.path.join(pctest.DATA, "postconf", "cases")
STOCK = os.path.join(pctest.SHARED, "compat", "debian-postfix-3.7")

# defaults that depend on the host or on ./configure, not on Postfix
HOST_OR_INSTALL = {
    "myhostname", "mydomain", "mynetworks", "process_id", "process_name",
    "config_directory", "queue_directory", "data_directory", "daemon_directory",
    "command_directory", "meta_directory", "sample_directory", "shlib_directory",
    "sendmail_path", "newaliases_path", "mailq_path", "manpage_directory",
    "html_directory", "readme_directory",
}


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default


def norm_stderr(text, prog):
    out = set()
    for line in text.splitlines():
        line = line.replace(prog + ":", "postconf:", 1)
        line = re.sub(r"^/usr/sbin/postconf:", "postconf:", line)
        out.add(line)
    return out


def strip_location(line):
    return re.sub(r"^(postconf: (?:fatal|warning): )file \S+: line \d+: ", r"\1", line)


class TestPostconfCases(unittest.TestCase):
    maxDiff = None

    def run_case(self, name):
        case = os.path.join(CASES, name)
        d = tempfile.mkdtemp(prefix="pcconf-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(os.path.join(STOCK, "main.cf"), d)
        shutil.copy(os.path.join(STOCK, "master.cf"), d)
        setup = read(os.path.join(case, "setup"))
        if setup:
            subprocess.run(["sh", "-c", setup], cwd=d, check=True)
        args = read(os.path.join(case, "args"), "").splitlines()
        prog = pctest.sbin("postconf")
        r = subprocess.run([prog, "-c", d] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        sub = lambda s: s.replace("@DIR@", d)
        want_status = int(read(os.path.join(case, "status")))
        self.assertEqual(r.returncode, want_status, "%s: exit status; stderr: %s" % (name, r.stderr))
        self.assertEqual(r.stdout, sub(read(os.path.join(case, "stdout"))), "%s: stdout" % name)
        theirs = norm_stderr(sub(read(os.path.join(case, "stderr"))), prog)
        ours = norm_stderr(r.stderr, prog)
        # The real postconf reads main.cf several times and repeats warnings, and for a
        # duplicated parameter it also warns once more with the lines swapped; postcote
        # warns once per problem.  So: every line postcote prints is one Postfix prints,
        # and both are silent or both are not.
        ours = {l if l in theirs else strip_location(l) for l in ours}
        self.assertLessEqual(ours, theirs, "%s: stderr has lines Postfix does not print" % name)
        self.assertEqual(bool(ours), bool(theirs), "%s: stderr %r vs %r" % (name, ours, theirs))
        for f in ("main.cf", "master.cf"):
            want = read(os.path.join(case, f))
            got = read(os.path.join(d, f))
            if want is None:
                want = read(os.path.join(STOCK, f))
            self.assertEqual(got, sub(want), "%s: resulting %s" % (name, f))


def _add_cases():
    for name in sorted(os.listdir(CASES)):
        def t(self, name=name):
            self.run_case(name)
        setattr(TestPostconfCases, "test_case_" + name.replace("-", "_"), t)


_add_cases()


class TestPostconfDefaults(unittest.TestCase):
    def test_every_default_matches_postfix(self):
        want = {}
        with open(os.path.join(STOCK, "postconf-d.txt")) as f:
            for line in f:
                line = line.rstrip("\n")
                name, _, value = line.partition(" =")
                want[name] = value.lstrip(" ")
        names = sorted(n for n in want if n not in HOST_OR_INSTALL)
        self.assertGreater(len(names), 1000)
        d = tempfile.mkdtemp(prefix="pcconf-")
        self.addCleanup(shutil.rmtree, d, True)
        r = pctest.run([pctest.sbin("postconf"), "-c", d, "-d"] + names)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = {}
        for line in r.stdout.splitlines():
            name, _, value = line.partition(" =")
            got[name] = value.lstrip(" ")
        bad = ["%s: %r != %r" % (n, got.get(n), want[n]) for n in names if got.get(n) != want[n]]
        self.assertEqual(bad, [])

    def test_host_defaults_are_sane(self):
        d = tempfile.mkdtemp(prefix="pcconf-")
        self.addCleanup(shutil.rmtree, d, True)
        r = pctest.run([pctest.sbin("postconf"), "-c", d, "-dh", "myhostname", "mydomain",
                        "mynetworks", "daemon_directory"])
        host, domain, nets, ddir = r.stdout.splitlines()
        self.assertIn(".", host)
        self.assertTrue(host.endswith(domain))
        self.assertIn("127.0.0.0/8", nets.split())     # mynetworks_style = subnet at level 0
        self.assertTrue(ddir.endswith("/postcote"))

    def test_all_parameters_listed(self):
        d = tempfile.mkdtemp(prefix="pcconf-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(os.path.join(STOCK, "main.cf"), d)
        shutil.copy(os.path.join(STOCK, "master.cf"), d)
        r = pctest.run([pctest.sbin("postconf"), "-c", d])
        self.assertEqual(r.returncode, 0)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1043)
        self.assertEqual(lines, sorted(lines, key=lambda l: l.split(" =")[0]))
        self.assertIn("myhostname = vm", lines)


if __name__ == "__main__":
    unittest.main()
