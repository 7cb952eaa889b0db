"""PAM, shadow and passwd through the auth-worker (root only).

A throw-away system user gets a password via chpasswd; a PAM service file
with a unique name is written to /etc/pam.d/ and removed afterwards.  The
driver side (what the auth process does) runs unprivileged as nobody and
reaches PAM/shadow only through the root worker.
"""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import pctest
import authdbtool as adb

NOBODY = "65534"


class PamShadowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="pctest-authdb-")
        os.chmod(cls.root, 0o755)
        cls.user, _, _, _ = pctest.make_user(cls.root, prefix="pcad")
        cls.user2, _, _, _ = pctest.make_user(cls.root, prefix="pcad")
        cls.password = "Pw-%06d" % random.randrange(10 ** 6)
        for u in (cls.user, cls.user2):
            subprocess.run(["chpasswd"], input="%s:%s\n" % (u, cls.password), text=True,
                           check=True)
        cls.service = "pctest-authdb-%06d" % random.randrange(10 ** 6)
        cls.pamfile = os.path.join("/etc/pam.d", cls.service)
        with open(cls.pamfile, "w") as f:
            f.write("auth required pam_unix.so\naccount required pam_unix.so\n"
                    "session required pam_permit.so\n")
        # a slow module: pam_exec sleeps for one user only
        cls.slow_script = os.path.join(cls.root, "slow.sh")
        with open(cls.slow_script, "w") as f:
            f.write("#!/bin/sh\n[ \"$PAM_USER\" = \"%s\" ] && sleep 3\nexit 0\n" % cls.user)
        os.chmod(cls.slow_script, 0o755)
        cls.slow_service = cls.service + "-slow"
        cls.slow_pamfile = os.path.join("/etc/pam.d", cls.slow_service)
        with open(cls.slow_pamfile, "w") as f:
            f.write("auth required pam_exec.so quiet %s\nauth required pam_unix.so\n"
                    "account required pam_permit.so\n" % cls.slow_script)
        cls.worker = adb.Worker(cls.root, mode=0o666)

    @classmethod
    def tearDownClass(cls):
        cls.worker.stop()
        for f in (cls.pamfile, cls.slow_pamfile):
            if os.path.exists(f):
                os.unlink(f)
        pctest.remove_user(cls.user)
        pctest.remove_user(cls.user2)
        shutil.rmtree(cls.root, ignore_errors=True)

    def pam(self, args, requests, **kw):
        kw.setdefault("user", NOBODY)
        return adb.run("passdb", "pam", args, requests, worker=self.worker, **kw)

    def test_pam_ok_mismatch_unknown(self):
        res, out, err = self.pam(self.service, [
            "verify %s %s rip=192.0.2.7" % (self.user, self.password),
            "verify %s wrong-password" % self.user,
            "verify nosuchuser%06d x" % random.randrange(10 ** 6),
        ])
        self.assertEqual(res[1][0], "OK", out + err)
        self.assertEqual(res[2][0], "MISMATCH", out + err)
        self.assertEqual(res[2][1].get("reason"),
                         "pam_authenticate()_failed:_Authentication_failure_(Password_mismatch?)")
        self.assertEqual(res[3][0], "NOTFOUND", out + err)
        self.assertEqual(res[3][1].get("reason"), "unknown_user")
        self.assertEqual(res[0][1]["scheme"], "PLAIN")
        self.assertEqual(res[0][1]["cache_key"], "")

    def test_pam_star_uses_request_service(self):
        res, out, err = self.pam("session=yes *", [
            "verify %s %s service=%s" % (self.user, self.password, self.service),
            "verify %s %s service=%s" % (self.user, self.password, self.slow_service),
        ])
        self.assertEqual(res[1][0], "OK", out + err)
        self.assertEqual(res[2][0], "OK", out + err)
        self.assertLess(int(res[1][1]["ms"]), 2000, out)
        # the second request ran the slow service's stack: its pam_exec slept
        self.assertGreaterEqual(int(res[2][1]["ms"]), 2900, out)

    def test_pam_account_expired(self):
        subprocess.run(["chage", "-E", "1", self.user2], check=True)
        try:
            res, out, err = self.pam(self.service, ["verify %s %s" % (self.user2, self.password)])
        finally:
            subprocess.run(["chage", "-E", "-1", self.user2], check=True)
        self.assertIn(res[1][0], ("DISABLED", "EXPIRED"), out + err)
        self.assertTrue(res[1][1].get("reason", "").startswith("pam_acct_mgmt()_failed:"), out)

    def test_shadow_through_worker(self):
        res, out, err = adb.run("passdb", "shadow", "", [
            "lookup %s" % self.user, "verify %s x" % self.user, "lookup nosuch%06d" % 1,
        ], worker=self.worker, user=NOBODY)
        with open("/etc/shadow") as f:
            stored = [l.split(":")[1] for l in f if l.startswith(self.user + ":")][0]
        self.assertEqual(res[1][0], "OK", out + err)
        self.assertEqual(res[1][1]["password"], stored)
        self.assertEqual(res[1][1]["scheme"], "CRYPT")
        self.assertEqual(res[2][1]["password"], stored)
        self.assertEqual(res[3][0], "NOTFOUND")
        # the unprivileged process itself cannot read the shadow database
        res, out, err = adb.run("passdb", "shadow", "blocking=no", ["lookup %s" % self.user],
                                user=NOBODY)
        self.assertNotEqual(res[1][0], "OK", out + err)
        # as root, in-process works too
        res, out, err = adb.run("passdb", "shadow", "blocking=no", ["lookup %s" % self.user])
        self.assertEqual(res[1][1].get("password"), stored, out + err)

    def test_shadow_locked_user(self):
        subprocess.run(["usermod", "-L", self.user2], check=True)
        try:
            res, out, err = adb.run("passdb", "shadow", "", ["lookup %s" % self.user2],
                                    worker=self.worker, user=NOBODY)
        finally:
            subprocess.run(["usermod", "-U", self.user2], check=True)
        self.assertEqual(res[1][0], "DISABLED", out + err)
        self.assertEqual(res[1][1]["reason"], "invalid_password_field")

    def test_passwd_userdb_through_worker(self):
        import pwd
        pw = pwd.getpwnam(self.user)
        res, out, err = adb.run("userdb", "passwd", "", ["user %s" % self.user, "user root"],
                                worker=self.worker, user=NOBODY)
        self.assertEqual(res[1][0], "OK", out + err)
        self.assertEqual(res[1][1]["uid"], str(pw.pw_uid))
        self.assertEqual(res[1][1]["home"], pw.pw_dir)
        self.assertEqual(res[1][1]["system_groups_user"], self.user)
        self.assertEqual(res[2][1]["uid"], "0")

    def test_slow_pam_does_not_block_others(self):
        start = time.monotonic()
        res, out, err = self.pam(self.slow_service, [
            "verify %s %s" % (self.user, self.password),       # sleeps 3 s in PAM
            "verify %s %s" % (self.user2, self.password),
            "verify %s wrong" % self.user2,
        ])
        self.assertEqual(res[1][0], "OK", out + err)
        self.assertEqual(res[2][0], "OK", out + err)
        self.assertEqual(res[3][0], "MISMATCH", out + err)
        self.assertGreaterEqual(int(res[1][1]["ms"]), 2900)
        self.assertLess(int(res[2][1]["ms"]), 1500, out)
        self.assertLess(int(res[3][1]["ms"]), 1500, out)
        # the fast replies came out first
        lines = [l.split(" ")[0] for l in out.splitlines() if not l.startswith("INIT")]
        self.assertEqual(lines[-1], "1", out)
        # with one connection only, the others queue behind the slow one
        res, out, err = self.pam(self.slow_service, [
            "verify %s %s" % (self.user, self.password),
            "verify %s %s" % (self.user2, self.password),
        ], maxconns=1)
        self.assertEqual(res[2][0], "OK", out + err)
        self.assertGreaterEqual(int(res[2][1]["ms"]), 2900, out)

    def test_timeout_fails_request_then_recovers(self):
        res, out, err = self.pam(self.slow_service, [
            "verify %s %s" % (self.user, self.password),
            "verify %s %s" % (self.user2, self.password),
        ], timeout_ms=1000)
        self.assertEqual(res[1][0], "INTERNAL", out + err)
        self.assertIn("timed_out", res[1][1]["error"])
        self.assertEqual(res[2][0], "OK", out + err)

    def test_worker_restarts(self):
        # max_requests=1: each worker process exits after one PAM request and
        # announces it; the next requests get fresh processes, none fail
        reqs = ["verify %s %s" % (self.user2, self.password)] * 4
        res, out, err = self.pam("max_requests=1 " + self.service, reqs, maxconns=1)
        for i in range(1, 5):
            self.assertEqual(res[i][0], "OK", out + err)
        # a worker killed in the middle of a request fails only that request
        p = subprocess.Popen([adb.TOOL, "-W", self.worker.path, "passdb", "pam",
                              self.slow_service], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        p.stdin.write("verify %s %s\n" % (self.user, self.password))
        p.stdin.close()
        pctest.wait_for(lambda: len(self.worker.children()) > 0, what="worker child")
        time.sleep(0.5)
        for pid in self.worker.children():
            os.kill(pid, signal.SIGKILL)
        out = p.stdout.read()
        err = p.stderr.read()
        p.wait(timeout=20)
        p.stdout.close()
        p.stderr.close()
        res = adb.parse(out)
        self.assertEqual(res[1][0], "INTERNAL", out + err)
        self.assertIn("died", res[1][1]["error"])
        res, out, err = self.pam(self.service, ["verify %s %s" % (self.user2, self.password)])
        self.assertEqual(res[1][0], "OK", out + err)


if __name__ == "__main__":
    unittest.main()


class DvdaemonWorkerTest(unittest.TestCase):
    """auth_worker_ops on the real dvdaemon skeleton (what `auth -w` runs),
    stand-alone with its own dovecot.conf."""

    def test_worker_service_lifecycle(self):
        root = tempfile.mkdtemp(prefix="pctest-authdbdv-")
        os.chmod(root, 0o755)
        try:
            run = os.path.join(root, "run")
            os.makedirs(run)
            os.chmod(run, 0o755)
            conf = os.path.join(root, "dovecot.conf")
            with open(conf, "w") as f:
                f.write("base_dir = %s\nlog_path = %s/log\n"
                        "service auth-worker {\n  client_limit = 4\n"
                        "  unix_listener auth-worker {\n    mode = 0666\n  }\n}\n" % (run, root))
            tool = os.path.join(pctest.BUILD, "tests", "fixtures", "pc-authworker")
            p = subprocess.Popen([tool, "-c", conf, "-s", "auth-worker"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            sock = os.path.join(run, "auth-worker")
            pctest.wait_for(lambda: adb.connectable(sock), what="auth-worker socket")

            class W:
                path = sock
            res, out, err = adb.run("userdb", "passwd", "", ["user root", "user nobody"],
                                    worker=W, user=NOBODY)
            self.assertEqual(res[1][0], "OK", out + err)
            self.assertEqual(res[1][1]["uid"], "0")
            self.assertEqual(res[2][0], "OK", out + err)
            res, out, err = adb.run("passdb", "shadow", "", ["lookup root"], worker=W,
                                    user=NOBODY)
            self.assertIn(res[1][0], ("OK", "DISABLED"), out + err)
            p.terminate()
            p.wait(timeout=10)
            p.stdout.close()
            self.assertFalse(os.path.exists(sock))
        finally:
            shutil.rmtree(root, ignore_errors=True)
