"""postmap and the lookup tables against the real Postfix 3.7.

Each tests/data/postmap/cases/NAME.sh was run with the real postmap by
capture.sh; here it runs with postcote's postmap in a fresh directory and
the outputs must match.  stdout is compared exactly (the scripts sort
`postmap -s` output, as database order differs between Berkeley DB and
LMDB).  stderr is compared as a set of distinct lines (the real postmap
opens tables several times and repeats warnings), after one deliberate
difference is normalised: postcote stores hash:NAME in NAME.lmdb, Postfix
in NAME.db.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

import pctest

CASES = os.path.join(pctest.DATA, "postmap", "cases")
STOCK = os.path.join(pctest.SHARED, "compat", "debian-postfix-3.7")


class TestPostmapCases(unittest.TestCase):
    maxDiff = None

    def run_case(self, name):
        d = tempfile.mkdtemp(prefix="pcmap-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(os.path.join(STOCK, "main.cf"), d)
        env = dict(os.environ, POSTMAP="%s -c %s" % (pctest.sbin("postmap"), d),
                   POSTALIAS="%s -c %s" % (pctest.sbin("postalias"), d))
        r = subprocess.run(["sh", os.path.join(CASES, name + ".sh")], cwd=d, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        with open(os.path.join(CASES, name + ".stdout")) as f:
            want_out = f.read().replace("@DIR@", d)
        with open(os.path.join(CASES, name + ".stderr")) as f:
            want_err = set(f.read().replace("@DIR@", d).splitlines())
        self.assertEqual(r.stdout, want_out, "%s: stdout" % name)
        got_err = set(r.stderr.replace(".lmdb", ".db").splitlines())
        self.assertEqual(got_err, want_err, "%s: stderr" % name)


def _add_cases():
    for fn in sorted(os.listdir(CASES)):
        if fn.endswith(".sh"):
            name = fn[:-3]

            def t(self, name=name):
                self.run_case(name)
            setattr(TestPostmapCases, "test_" + name.replace("-", "_"), t)


_add_cases()


class TestPostmapDurability(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="pcmap-")
        self.addCleanup(shutil.rmtree, self.d, True)
        self.postmap = pctest.sbin("postmap")

    def test_readers_never_see_a_half_built_table(self):
        src = os.path.join(self.d, "big")
        with open(src, "w") as f:
            for i in range(20000):
                f.write("key%d value%d\n" % (i, i))
        self.assertEqual(pctest.run([self.postmap, src]).returncode, 0)
        # rebuild repeatedly while a reader queries a key present in every version
        writer = subprocess.Popen(["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do %s %s || exit 1; done"
                                   % (self.postmap, src)])
        misses = 0
        queries = 0
        while writer.poll() is None:
            r = pctest.run([self.postmap, "-q", "key19999", src])
            queries += 1
            if r.stdout != "value19999\n":
                misses += 1
        self.assertEqual(writer.wait(), 0)
        self.assertGreater(queries, 0)
        self.assertEqual(misses, 0)
        leftovers = [f for f in os.listdir(self.d) if ".tmp." in f]
        self.assertEqual(leftovers, [])

    def test_corrupt_table_is_a_clear_error(self):
        src = os.path.join(self.d, "t")
        with open(src, "w") as f:
            f.write("a 1\n")
        with open(src + ".lmdb", "wb") as f:
            f.write(b"this is not an lmdb file" * 200)
        r = pctest.run([self.postmap, "-q", "a", src])
        self.assertEqual(r.returncode, 1)
        self.assertIn("postmap: fatal: open database %s.lmdb: not an LMDB table" % src, r.stderr)
        self.assertIn("rebuild it with postmap", r.stderr)
        self.assertEqual(pctest.run([self.postmap, src]).returncode, 0)   # a rebuild repairs it
        self.assertEqual(pctest.run([self.postmap, "-q", "a", src]).stdout, "1\n")

    def test_over_long_key(self):
        src = os.path.join(self.d, "t")
        with open(src, "w") as f:
            f.write("%s long\nshort ok\n" % ("k" * 600))
        r = pctest.run([self.postmap, src])
        self.assertEqual(r.returncode, 0)
        self.assertIn("line 1: key of 600 bytes is too long", r.stderr)
        self.assertEqual(pctest.run([self.postmap, "-q", "short", src]).stdout, "ok\n")

    def test_newaliases_builds_alias_database(self):
        with open(os.path.join(self.d, "main.cf"), "w") as f:
            f.write("alias_database = hash:%s/aliases, lmdb:%s/more\n" % (self.d, self.d))
        with open(os.path.join(self.d, "aliases"), "w") as f:
            f.write("postmaster: root\nabuse: postmaster\n")
        with open(os.path.join(self.d, "more"), "w") as f:
            f.write("extra: someone\n")
        r = pctest.run([os.path.join(pctest.PREFIX, "bin", "newaliases"), "-c", self.d])
        self.assertEqual(r.returncode, 0, r.stderr)
        q = pctest.run([pctest.sbin("postalias"), "-q", "abuse", os.path.join(self.d, "aliases")])
        self.assertEqual(q.stdout, "postmaster\n")
        q = pctest.run([pctest.sbin("postalias"), "-q", "extra", "lmdb:" + os.path.join(self.d, "more")])
        self.assertEqual(q.stdout, "someone\n")

    def test_db_name_is_read_when_no_lmdb_file(self):
        src = os.path.join(self.d, "aliases")
        with open(src, "w") as f:
            f.write("a 1\n")
        self.assertEqual(pctest.run([self.postmap, src]).returncode, 0)
        os.rename(src + ".lmdb", src + ".db")
        r = pctest.run([self.postmap, "-q", "a", "hash:" + src])
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r.stderr)

    def test_environ_table(self):
        r = pctest.run([self.postmap, "-q", "PC_TEST_VARIABLE", "environ:env"],
                       env={"PC_TEST_VARIABLE": "yes"})
        self.assertEqual((r.returncode, r.stdout), (0, "yes\n"))
        r = pctest.run([self.postmap, "-q", "PC_NOT_SET_ANYWHERE", "environ:env"])
        self.assertEqual(r.returncode, 1)

    def test_table_permissions_follow_source(self):
        src = os.path.join(self.d, "t")
        with open(src, "w") as f:
            f.write("a 1\n")
        os.chmod(src, 0o640)
        pctest.run([self.postmap, src])
        self.assertEqual(os.stat(src + ".lmdb").st_mode & 0o777, 0o640)


if __name__ == "__main__":
    unittest.main()
