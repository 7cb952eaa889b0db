"""Root-only qmgr tests: qmgr runs as mail_owner, also chrooted into the
queue directory (master.cf chroot = y), and still delivers, defers and
returns mail.  tests/run.py counts these as failed when not run as root."""
import os
import pwd
import time
import unittest

import pctest
from pctest import wait_for
from test_qmgr import QmgrBase, dsn_parts


def proc_status(pid):
    uids, root = None, os.readlink("/proc/%d/root" % pid)
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                uids = [int(x) for x in line.split()[1:]]
    return uids, root


class TestChroot(QmgrBase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("needs root (chroot)")

    def qmgr_pid(self):
        pids = pctest.pids_of(pctest.libexec("qmgr") + " ") or pctest.pids_of(
            os.path.join(self.inst.daemon_dir, "qmgr") + " ")
        return pids[0] if pids else None

    def test_chrooted_qmgr_delivers_defers_and_bounces(self):
        self.make("maximal_queue_lifetime = 1h\n",
                  answer=lambda r: ("bounced", "5.1.1", "unknown user") if r.startswith("x")
                  else ("sent", "2.0.0", "delivered to maildir"))
        self.inst.write_master_cf("qmgr      unix  n       -       y       300     1       qmgr\n")
        ok = self.queue(rcpts=["bob@test.example"])
        bad = self.queue(rcpts=["x@test.example"])
        nowhere = self.queue(rcpts=["someone@remote.example"])       # smtp: no agent
        self.start()
        self.wait_gone(ok)
        self.wait_gone(bad)
        self.wait_deferred(nowhere)
        pid = wait_for(self.qmgr_pid, 10, what="qmgr process")
        uids, root = proc_status(pid)
        owner = pwd.getpwnam(pctest.mail_owner())
        self.assertEqual(uids, [owner.pw_uid] * 4)
        self.assertEqual(root, self.inst.spool)
        m = self.parse_dsn(self.notices(1)[0])
        self.assertEqual(dsn_parts(m)[2][0]["Final-Recipient"], "rfc822; x@test.example")
        self.assertRegex(self.inst.log(), r"%s: to=<someone@remote.example>, relay=none, .*"
                         r"status=deferred \(mail transport unavailable\)" % nowhere)
        self.assertTrue(os.path.exists(self.path("defer", nowhere[0], nowhere)))


if __name__ == "__main__":
    unittest.main()
