"""The auth-worker protocol spoken directly over its socket, hostile input
included, and the driver side's handling of a missing worker."""
import os
import shutil
import socket
import tempfile
import time
import unittest

import pctest
import authdbtool as adb


class WorkerProtocolTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="pctest-authdbw-")
        self.worker = adb.Worker(self.root)

    def tearDown(self):
        self.worker.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.worker.path)
        f = s.makefile("rwb", buffering=0)
        hello = f.readline().decode()
        self.assertTrue(hello.startswith("VERSION\t1\t"), hello)
        return s, f

    def ask(self, f, line):
        f.write(line.encode() + b"\n")
        return f.readline().decode().rstrip("\n").split("\t")

    def test_user_lookup_and_escaping(self):
        s, f = self.connect()
        r = self.ask(f, "7\tUSER\tpasswd\t\tuser=root\tservice=imap")
        self.assertEqual(r[:2], ["7", "OK"])
        self.assertIn("+uid=0", r)
        self.assertIn("+home=/root", r)
        # template args with an escaped newline survive the trip
        r = self.ask(f, "8\tUSER\tpasswd\tblocking=yes mail=a\\nb\tuser=root")
        self.assertEqual(r[:2], ["8", "OK"])
        self.assertIn("+mail=a\\nb", r)
        r = self.ask(f, "9\tUSER\tpasswd\t\tuser=no-such-user-xyz")
        self.assertEqual(r[:3], ["9", "NOTFOUND", "reason=unknown user"])
        r = self.ask(f, "10\tUSER\tnosuchdriver\t\tuser=root")
        self.assertEqual(r[:2], ["10", "INTERNAL"])
        r = self.ask(f, "11\tPASSV\tpasswd\t\tuser=root")   # passwd has no PASSV
        self.assertEqual(r[:2], ["11", "INTERNAL"])
        f.close()
        s.close()

    def test_junk_closes_only_that_connection(self):
        s, f = self.connect()
        f.write(b"hello there\n")
        self.assertEqual(f.readline(), b"")        # closed
        f.close()
        s.close()
        s, f = self.connect()
        f.write(b"x" * (70 * 1024))                 # no newline, over the line limit
        self.assertEqual(f.readline(), b"")
        f.close()
        s.close()
        s, f = self.connect()
        f.write(b"1\tUSER\tpasswd\t\tservice=imap\n")  # no user
        self.assertEqual(f.readline(), b"")
        f.close()
        s.close()
        s, f = self.connect()
        r = self.ask(f, "2\tUSER\tpasswd\t\tuser=root")
        self.assertEqual(r[:2], ["2", "OK"])
        f.close()
        s.close()
        log = self.worker.text()
        self.assertIn("malformed request from the auth process", log)
        self.assertIn("request line too long", log)

    def test_client_without_worker(self):
        self.worker.stop()
        os.unlink(self.worker.path)
        res, out, err = adb.run("passdb", "pam", "", ["verify root x"], worker=self.worker)
        self.assertEqual(res[1][0], "INTERNAL", out + err)
        self.assertIn("connect(", err)
        self.worker = adb.Worker(self.root)         # for tearDown

    def test_many_parallel_requests(self):
        reqs = ["user root"] * 40
        res, out, err = adb.run("userdb", "passwd", "", reqs, worker=self.worker, maxconns=5)
        self.assertEqual(len([r for r in res.values() if r[0] == "OK"]), 40, out + err)


if __name__ == "__main__":
    unittest.main()
