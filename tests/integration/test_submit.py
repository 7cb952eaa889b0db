"""Local submission without delivery (issue 5), as any user: the maildrop file
postdrop writes (docs/submission.md) and the queue file cleanup makes of it
through pickup.  Runs as root too (the daemons then drop to mail_owner)."""
import os
import subprocess
import unittest

import pctest
import qfile
from pctest import Instance, free_port, wait_for

SENDMAIL = pctest.sbin("sendmail")


class TestMaildropToQueue(unittest.TestCase):
    def setUp(self):
        self.port = free_port()
        # remote.example goes to a transport that does not exist: the message stays queued
        self.inst = Instance(main_cf_extra="transport_maps = inline:{ remote.example=nosuchtransport: }\n"
                                           "relay_domains = remote.example\n"
                                           "mydestination = localhost\n",
                             master_cf=pctest.MAIL_MASTER_CF % {"smtpd": "127.0.0.1:%d" % self.port})
        self.addCleanup(self.inst.stop)
        self.uid = os.getuid()
        self.login = pctest.current_user()
        if self.uid != 0:
            # as Postfix, a plain user may name a configuration directory only when the
            # default main.cf lists it (the install's own, writable by whoever installed it)
            cf = os.path.join(pctest.PREFIX, "etc", "postfix", "main.cf")
            with open(cf) as f:
                saved = f.read()
            self.addCleanup(lambda: open(cf, "w").write(saved))
            with open(cf, "a") as f:
                f.write("\nalternate_config_directories = %s\n" % self.inst.etc)

    def submit(self, *args, text):
        return subprocess.run([SENDMAIL, "-C", self.inst.etc] + list(args), input=text.encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)

    def maildrop(self):
        d = os.path.join(self.inst.spool, "maildrop")
        return [os.path.join(d, n) for n in os.listdir(d) if not n.startswith(".")]

    def queued(self):
        out = []
        for q in ("incoming", "active", "deferred"):
            for root, _, names in os.walk(os.path.join(self.inst.spool, q)):
                out += [os.path.join(root, n) for n in names if not n.startswith(".")]
        return out

    def test_maildrop_file_then_queue_file(self):
        r = self.inst.postfix("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.submit("-F", "Test Sender", "-N", "never", "a@remote.example, B <b@remote.example>",
                        text="Subject: queued\r\n\r\nline one\r\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"unable to look up public/pickup", r.stderr)     # the mail system is down
        files = self.maildrop()
        self.assertEqual(len(files), 1)
        self.assertEqual(os.stat(files[0]).st_uid, self.uid)
        recs = qfile.read(files[0])
        types = "".join(t for t, _, _ in recs)
        self.assertEqual(types, "TAS" + "NR" * 2 + "MLLLXE")
        self.assertIn(("A", b"full_name=Test Sender"), [(t, d) for t, d, _ in recs])
        self.assertEqual([d for t, d, _ in recs if t == "R"], [b"a@remote.example", b"b@remote.example"])
        self.assertEqual([d for t, d, _ in recs if t == "S"], [self.login.encode()])
        self.assertEqual([d for t, d, _ in recs if t == "L"], [b"Subject: queued", b"", b"line one"])
        self.assertEqual([d for t, d, _ in recs if t == "N"], [b"NEVER", b"NEVER"])

        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.maildrop() == [] and self.queued(), 20,
                 what="pickup (log:\n%s)" % self.inst.log()[-2000:])
        wait_for(lambda: "status=deferred" in self.inst.log(), 20, what="deferral")
        path = self.queued()[0]
        recs = qfile.read(path)
        attrs = [d.decode() for t, d, _ in recs if t == "A"]
        self.assertIn("origin=pickup", attrs)
        self.assertIn("uid=%d" % self.uid, attrs)
        self.assertIn("full_name=Test Sender", attrs)
        content = b"\n".join(d for t, d, _ in recs if t == "L").decode()
        self.assertIn("Received: by test.example (Postfix, from userid %d)" % self.uid, content)
        self.assertIn("From: Test Sender <%s@test.example>" % self.login, content)
        self.assertIn("\n\nline one", content)
        self.assertIn("uid=%d from=<%s>" % (self.uid, self.login), self.inst.log())


class TestRequeueBatches(unittest.TestCase):
    """A requeued queue file with more recipients than one cleanup transaction carries."""

    def setUp(self):
        port = free_port()
        master_cf = "".join(l + "\n" for l in (pctest.MAIL_MASTER_CF % {"smtpd": "127.0.0.1:%d" % port}).splitlines()
                            if not l.startswith("qmgr"))      # no qmgr: new files stay in incoming/
        self.inst = Instance(main_cf_extra="mydestination = localhost\n", master_cf=master_cf)
        self.addCleanup(self.inst.stop)

    def test_batches_of_10000(self):
        r = self.inst.postfix("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        recs = [("T", "1700000000.000001"), ("S", "big@example.org"), ("A", "origin=smtpd"),
                ("A", "rewrite_context=remote"), ("M", ""), ("L", "Subject: many"), ("L", ""),
                ("L", "body"), ("X", ""), ("C", "20 0 10002"), ("R", "done@remote.example")]
        recs += [("R", "r%05d@remote.example" % i) for i in range(10001)]
        path = os.path.join(self.inst.spool, "maildrop", "A1B2C3D4E5")
        qfile.write(path, recs)
        data = bytearray(open(path, "rb").read())
        off = [o for t, d, o in qfile.read(path) if d == b"done@remote.example"][0]
        data[off] = ord("D")                                    # delivered before the requeue
        with open(path, "wb") as f:
            f.write(data)
        if os.getuid() == 0:
            owner = pctest.pwd.getpwnam(pctest.mail_owner())
            os.chown(path, owner.pw_uid, owner.pw_gid)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        incoming = os.path.join(self.inst.spool, "incoming")
        wait_for(lambda: len([n for n in os.listdir(incoming) if not n.startswith(".")]) == 2
                 and not os.path.exists(path), 60, what="two queue files (log:\n%s)" % self.inst.log()[-2000:])
        counts, seen = [], set()
        for n in os.listdir(incoming):
            rr = [d for t, d, _ in qfile.read(os.path.join(incoming, n)) if t == "R"]
            counts.append(len(rr))
            seen.update(rr)
            content = b"\n".join(d for t, d, _ in qfile.read(os.path.join(incoming, n)) if t == "L")
            self.assertEqual(content.count(b"Received:"), 0)
        self.assertEqual(sorted(counts), [1, 10000])
        self.assertEqual(len(seen), 10001)
        self.assertNotIn(b"done@remote.example", seen)
        self.assertEqual(self.inst.log().count("from=<big@example.org>"), 2)


if __name__ == "__main__":
    unittest.main()
