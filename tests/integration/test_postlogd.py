"""postlogd: the postlog unix-dgram service writes maillog_file for others."""
import os
import socket
import unittest

from pctest import Instance, free_port
from test_master import Client


class TestPostlogd(unittest.TestCase):
    def setUp(self):
        self.port = free_port()
        self.inst = Instance(master_cf="postlog unix-dgram n - n - 1 postlogd\n"
                                       "127.0.0.1:%d inet n - n - - pc-testd\n" % self.port)
        self.addCleanup(self.inst.stop)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.sock_path = os.path.join(self.inst.spool, "public", "postlog")

    def send(self, data):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(data, self.sock_path)
        s.close()

    def test_records_are_appended(self):
        self.send(b"postfix/smtpd[4242]: connect from example.com[192.0.2.1]")
        log = self.inst.wait_log("postfix/smtpd[4242]: connect from example.com[192.0.2.1]")
        line = [l for l in log.splitlines() if "postfix/smtpd[4242]" in l][0]
        self.assertRegex(line, r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ postfix/smtpd\[4242\]: connect")

    def test_forged_lines_and_garbage(self):
        self.send(b"postfix/smtpd[1]: evil\nNov 22 00:00:00 mx postfix/master[1]: fake")
        log = self.inst.wait_log("postfix/smtpd[1]: evil?Nov 22")
        self.assertNotIn("\nNov 22 00:00:00 mx postfix/master[1]: fake", log)
        self.send(b"no tag here")
        self.inst.wait_log("warning: dropping malformed log record (11 bytes)")
        self.send(b"\xff" * 9000)     # oversized datagram: truncated by the socket, then dropped
        self.inst.wait_log("warning: dropping malformed log record")

    def test_daemons_log_through_postlogd(self):
        c = Client(self.port)
        c.close()
        self.inst.wait_log("pc-testd ready: service 127.0.0.1:%d" % self.port)


if __name__ == "__main__":
    unittest.main()
