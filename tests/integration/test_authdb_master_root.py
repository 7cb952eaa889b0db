"""The auth-worker service under the master's dovecot role (root only):
the master starts a worker process per connection (client_limit 1), a
killed worker is replaced on the next request, and `dovecot stop` ends
workers that hold idle connections at once."""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import pctest
import dvtest
import authdbtool as adb

NOBODY = "65534"


class WorkerUnderMasterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pctest-authdbm-")
        os.chmod(cls.tmp, 0o755)
        cls.user, _, _, _ = pctest.make_user(cls.tmp, prefix="pcam")
        cls.password = "Pw-%06d" % random.randrange(10 ** 6)
        subprocess.run(["chpasswd"], input="%s:%s\n" % (cls.user, cls.password), text=True,
                       check=True)
        cls.script = os.path.join(cls.tmp, "slow.sh")
        with open(cls.script, "w") as f:
            f.write("#!/bin/sh\nsleep 2\nexit 0\n")
        os.chmod(cls.script, 0o755)
        cls.service = "pctest-authdbm-%06d" % random.randrange(10 ** 6)
        cls.pamfile = os.path.join("/etc/pam.d", cls.service)
        with open(cls.pamfile, "w") as f:
            f.write("auth required pam_exec.so quiet %s\nauth required pam_unix.so\n"
                    "account required pam_permit.so\n" % cls.script)

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.pamfile)
        pctest.remove_user(cls.user)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def instance(self):
        tool = os.path.join(pctest.BUILD, "tests", "fixtures", "pc-authworker")
        body = ("service auth-worker {\n  executable = %s\n"
                "  unix_listener auth-worker {\n    mode = 0666\n  }\n}\n" % tool)
        inst = dvtest.DvInstance(body=body, prefix="pctest-authdbm-")
        inst.start()
        sock = inst.path("auth-worker")
        pctest.wait_for(lambda: os.path.exists(sock), what="auth-worker socket")

        class W:
            path = sock
        return inst, W

    def test_parallel_workers_restart_and_stop(self):
        inst, w = self.instance()
        try:
            good = "verify %s %s" % (self.user, self.password)
            res, out, err = adb.run("passdb", "pam", self.service, [good] * 3, worker=w,
                                    user=NOBODY)
            for i in (1, 2, 3):
                self.assertEqual(res[i][0], "OK", out + err + inst.log())
                # three worker processes in parallel: nobody waited for another's 2 s
                self.assertLess(int(res[i][1]["ms"]), 3900, out)
            pids = inst.children()
            self.assertGreaterEqual(len(pids), 1, inst.log())
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            res, out, err = adb.run("passdb", "pam", self.service, [good], worker=w,
                                    user=NOBODY)
            self.assertEqual(res[1][0], "OK", out + err + inst.log())
            # an auth process holding an idle worker connection does not delay `dovecot stop`
            import socket
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(10)
            c.connect(w.path)
            f = c.makefile("rb")
            self.assertTrue(f.readline().startswith(b"VERSION\t1\t"))
            # reload: the old worker lets go of its idle connection at once
            start = time.monotonic()
            r = inst.dovecot("reload")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(f.readline(), b"")
            self.assertLess(time.monotonic() - start, 5)
            f.close()
            c.close()
            res, out, err = adb.run("userdb", "passwd", "", ["user root"], worker=w)
            self.assertEqual(res[1][0], "OK", out + err + inst.log())
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.settimeout(10)
            c.connect(w.path)
            f = c.makefile("rb")
            self.assertTrue(f.readline().startswith(b"VERSION\t1\t"))
            master = inst.master_pid()
            start = time.monotonic()
            inst.dovecot("stop")
            self.assertEqual(f.readline(), b"")          # the worker closed it
            pctest.wait_for(lambda: not dvtest.alive(master), 10, what="master exit")
            self.assertLess(time.monotonic() - start, 5)
            f.close()
            c.close()
        finally:
            inst.stop()


if __name__ == "__main__":
    unittest.main()
