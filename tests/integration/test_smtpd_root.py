"""smtpd as in the stock master.cf: as root, chrooted to the queue
directory and running as mail_owner, it still reaches cleanup (also
chrooted) and the message is queued.  Needs root (tests/run.py runs
"_root" modules only as root)."""
import os
import re
import smtplib
import time
import unittest

import pctest
import qfile
from pctest import Instance, free_port, wait_for, wait_port


class TestSmtpdChroot(unittest.TestCase):
    def start(self, extra):
        """A chrooted smtpd + cleanup instance; returns (inst, port)."""
        if os.geteuid() != 0:
            self.fail("needs root (chroot)")
        port = free_port()
        inst = Instance("mydestination = localhost, test.example\nalias_maps =\n" + extra +
                        "smtpd_error_sleep_time = 0\n",
                        "127.0.0.1:%d inet n - y - - smtpd\ncleanup unix n - y - 0 cleanup\n" % port,
                        fixtures=False)
        self.addCleanup(inst.stop)
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_port(port)
        return inst, port

    def test_smtpd_chrooted_delivers_to_cleanup(self):
        inst, port = self.start("local_recipient_maps =\n")
        wait_for(lambda: os.path.exists(os.path.join(inst.spool, "public", "cleanup")), 10, what="public/cleanup")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.ehlo("chroot.example")
            s.mail("sender@x.example")
            s.rcpt("anyone@test.example")
            code, msg = s.data(b"Subject: chroot\r\n\r\nbody\r\n")
        self.assertEqual(code, 250, msg)
        qid = re.match(r"^2\.0\.0 Ok: queued as ([0-9A-Z]+)$", msg.decode()).group(1)
        path = os.path.join(inst.spool, "incoming", qid)
        wait_for(lambda: os.path.exists(path), 5, what=path)
        self.assertEqual(qfile.values(qfile.read(path), "R"), ["anyone@test.example"])
        log = inst.wait_log("%s: client=" % qid)
        self.assertNotIn("fatal:", log)

    def test_chrooted_passwd_lookup_defers_instead_of_rejecting(self):
        # the stock local_recipient_maps (proxy:unix:passwd.byname) inside a
        # chroot without /etc/passwd must not make real users "unknown"
        inst, port = self.start("")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.ehlo("chroot.example")
            s.mail("sender@x.example")
            code, msg = s.rcpt("root@test.example")
        self.assertEqual(code, 451, msg)
        self.assertIn(b"4.3.0", msg)
        inst.wait_log("is not readable here")


if __name__ == "__main__":
    unittest.main()
