"""Root-only: the master's children really drop privileges and chroot.

Runs only as root (tests/run.py counts these as failed otherwise).  The
test instance uses mail_owner = postfix (created by scripts/users.sh as the
Debian package does) and a chroot = y service.
"""
import os
import pwd
import unittest

import pctest
from pctest import Instance, free_port, wait_port
from test_master import Client


def proc_uids(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    return None


class TestPrivileges(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")

    def test_child_runs_as_mail_owner_in_chroot(self):
        pj, pn = free_port(), free_port()
        inst = Instance(master_cf="127.0.0.1:%d inet n - y - - pc-testd\n"
                                  "127.0.0.1:%d inet n n n - - pc-testd\n" % (pj, pn))
        self.addCleanup(inst.stop)
        self.assertEqual(inst.postfix("start").returncode, 0)
        wait_port(pj)
        owner = pwd.getpwnam(pctest.mail_owner())
        c = Client(pj)
        pid = int(c.cmd("PID").split()[1])
        self.assertEqual(proc_uids(pid), [owner.pw_uid] * 4)
        self.assertEqual(os.readlink("/proc/%d/root" % pid), inst.spool)
        c.close()
        # unpriv = n: stays root, not jailed
        c = Client(pn)
        pid = int(c.cmd("PID").split()[1])
        self.assertEqual(proc_uids(pid), [0, 0, 0, 0])
        self.assertEqual(os.readlink("/proc/%d/root" % pid), "/")
        c.close()

    def test_queue_directories_owned_by_mail_owner(self):
        inst = Instance(master_cf="")
        self.addCleanup(inst.stop)
        r = inst.postfix("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        owner = pwd.getpwnam(pctest.mail_owner())
        for d in ("incoming", "active", "deferred", "private", "public", "maildrop"):
            self.assertEqual(os.stat(os.path.join(inst.spool, d)).st_uid, owner.pw_uid, d)
        self.assertEqual(os.stat(os.path.join(inst.spool, "pid")).st_uid, 0)
        # a wrong owner is reported the Postfix way
        os.chown(os.path.join(inst.spool, "incoming"), 0, 0)
        r = inst.postfix("check")
        self.assertIn("postfix/postfix-script: warning: not owned by %s: %s/incoming"
                      % (pctest.mail_owner(), inst.spool), r.stderr)

    def test_mail_owner_root_refused(self):
        inst = Instance(main_cf_extra="mail_owner = root\n",
                        master_cf="127.0.0.1:%d inet n - n - - pc-testd\n" % free_port())
        self.addCleanup(inst.stop)
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("parameter mail_owner: user root has privileged user ID", r.stderr)


if __name__ == "__main__":
    unittest.main()
