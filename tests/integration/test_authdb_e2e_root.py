"""The drivers end to end (root only): the master's dovecot role starts
postcote's auth (unprivileged) and `auth -w` (root) as Dovecot's config
declares them; a client authenticates with PLAIN over auth-client against
PAM and shadow, and asks auth-userdb for the passwd userdb, while the
PAM/shadow/NSS calls happen in the auth-worker."""
import os
import pwd
import random
import shutil
import subprocess
import tempfile
import time
import unittest

import pctest
import dvtest
from authtool import Line, b64


def proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def proc_args(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")


class AuthDbEndToEnd(unittest.TestCase):
    service = "pctest-authdbe-%06d" % random.randrange(10 ** 6)

    @classmethod
    def service_name(cls):
        return cls.service

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pctest-authdbe-")
        os.chmod(cls.tmp, 0o755)
        cls.user, cls.home, cls.uid, cls.gid = pctest.make_user(cls.tmp, prefix="pcae")
        cls.user2 = pctest.make_user(cls.tmp, prefix="pcae")[0]
        cls.password = "Pw-%06d" % random.randrange(10 ** 6)
        for u in (cls.user, cls.user2):
            subprocess.run(["chpasswd"], input="%s:%s\n" % (u, cls.password), text=True,
                           check=True)
        script = os.path.join(cls.tmp, "slow.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n[ \"$PAM_USER\" = \"%s\" ] && sleep 3\nexit 0\n" % cls.user)
        os.chmod(script, 0o755)
        cls.slow_pamfile = os.path.join("/etc/pam.d", cls.service_name() + "-slow")
        cls.pamfile = os.path.join("/etc/pam.d", cls.service)
        with open(cls.pamfile, "w") as f:
            f.write("auth required pam_unix.so\naccount required pam_unix.so\n")
        with open(cls.slow_pamfile, "w") as f:
            f.write("auth required pam_exec.so quiet %s\nauth required pam_unix.so\n"
                    "account required pam_permit.so\n" % script)

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.pamfile)
        os.unlink(cls.slow_pamfile)
        pctest.remove_user(cls.user)
        pctest.remove_user(cls.user2)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start(self, passdb):
        body = """auth_mechanisms = plain
auth_verbose = yes
auth_failure_delay = 0
ssl = no
passdb {
  %s
}
userdb {
  driver = passwd
}
service auth {
  unix_listener auth-client {
    mode = 0666
  }
  unix_listener auth-userdb {
    mode = 0666
  }
}
""" % passdb
        inst = dvtest.DvInstance(body=body, prefix="pctest-authdbe-")
        self.addCleanup(inst.stop)
        inst.start()
        pctest.wait_for(lambda: os.path.exists(inst.path("auth-client")), what="auth-client")
        return inst

    def plain(self, inst, user, password, rid=1):
        c = Line(inst.path("auth-client"))
        self.addCleanup(c.close)
        c.handshake()
        c.send("AUTH\t%d\tPLAIN\tservice=imap\trip=192.0.2.9\tresp=%s\n"
               % (rid, b64(b"\0" + user.encode() + b"\0" + password.encode())))
        return c.reply(rid, timeout=20)

    def userdb(self, inst, user):
        c = Line(inst.path("auth-userdb"), hello=b"VERSION\t1\t0\n")
        self.addCleanup(c.close)
        c.send("USER\t7\t%s\tservice=lmtp\n" % user)
        return c.reply(7, timeout=20)

    def test_pam_plain_and_passwd_userdb(self):
        inst = self.start("driver = pam\n  args = %s" % self.service)
        ok = self.plain(inst, self.user, self.password)
        self.assertTrue(ok.startswith("OK\t1\t"), ok + inst.log())
        bad = self.plain(inst, self.user, "wrong", rid=2)
        self.assertTrue(bad.startswith("FAIL\t2\t"), bad)
        log = inst.wait_log("pam(%s,192.0.2.9): pam_authenticate() failed: "
                            "Authentication failure (Password mismatch?)" % self.user)
        u = self.userdb(inst, self.user)
        self.assertTrue(u.startswith("USER\t7\t%s\t" % self.user), u + inst.log())
        self.assertIn("uid=%d" % self.uid, u.split("\t"))
        self.assertIn("home=%s" % self.home, u.split("\t"))
        # who ran what: auth unprivileged, auth -w as root
        kids = inst.children()
        workers = [p for p in kids if b"-w" in proc_args(p)]
        auths = [p for p in kids if p not in workers and
                 os.path.basename(proc_args(p)[0].decode()) == "auth"]
        self.assertTrue(workers and auths, "%r %r" % (kids, [proc_args(p) for p in kids]))
        self.assertEqual(proc_uid(workers[0]), 0)
        self.assertNotEqual(proc_uid(auths[0]), 0)

    def test_slow_pam_does_not_stall_auth(self):
        inst = self.start("driver = pam\n  args = %s-slow" % self.service)
        c = Line(inst.path("auth-client"))
        self.addCleanup(c.close)
        c.handshake()
        start = time.monotonic()
        for rid, user in ((1, self.user), (2, self.user2)):
            c.send("AUTH\t%d\tPLAIN\tservice=imap\tresp=%s\n"
                   % (rid, b64(b"\0" + user.encode() + b"\0" + self.password.encode())))
        first = c.line(timeout=20)
        t_first = time.monotonic() - start
        self.assertTrue(first.startswith("OK\t2\t"), first + inst.log())   # the fast user
        self.assertLess(t_first, 2.0)
        # while the slow PAM call runs, the auth process answers other clients
        self.assertTrue(self.userdb(inst, self.user2).startswith("USER\t7\t"))
        self.assertLess(time.monotonic() - start, 2.5)
        second = c.line(timeout=20)
        self.assertTrue(second.startswith("OK\t1\t"), second + inst.log())
        self.assertGreaterEqual(time.monotonic() - start, 2.9)

    def test_shadow_plain(self):
        inst = self.start("driver = shadow")
        ok = self.plain(inst, self.user, self.password)
        self.assertTrue(ok.startswith("OK\t1\t"), ok + inst.log())
        bad = self.plain(inst, self.user, "wrong", rid=2)
        self.assertTrue(bad.startswith("FAIL\t2\t"), bad)
        inst.wait_log("shadow(%s,192.0.2.9): Password mismatch" % self.user)


if __name__ == "__main__":
    unittest.main()
