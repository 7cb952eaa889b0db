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


if __name__ == "__main__":
    unittest.main()
