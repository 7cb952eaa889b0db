"""error, retry and discard: the pseudo delivery agents answer every
recipient from the next-hop text and log Postfix's status lines."""
import os
import re
import time
import unittest

from attrproto import Conn, get
from pctest import Instance


class TestErrorAgents(unittest.TestCase):
    def setUp(self):
        self.inst = Instance(master_cf="error unix - - n - - error\n"
                                       "retry unix - - n - - error\n"
                                       "discard unix - - n - - discard\n")
        self.addCleanup(self.inst.stop)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)

    def deliver(self, service, nexthop, rcpts, qid="4F2A31C2B5"):
        c = Conn(os.path.join(self.inst.spool, "private", service))
        greet = c.read_list()
        self.assertEqual((get(greet, "proto"), get(greet, "version")), ("delivery", "1"))
        t = time.time()
        req = [("queue_name", "active"), ("queue_id", qid), ("queue_file", "active/" + qid),
               ("sender", "s@example.org"), ("arrival", "%.6f" % (t - 1.5)), ("active", "%.6f" % (t - 0.5)),
               ("transport", service), ("nexthop", nexthop)]
        for i, r in enumerate(rcpts):
            req += [("rcpt", r), ("index", str(10 + i))]
        req += [("orig_rcpt", "alias@example.org")]
        c.send_list(req)
        replies = []
        while True:
            l = c.read_list()
            self.assertIsNotNone(l, "connection closed before end=1")
            if get(l, "end") == "1":
                break
            replies.append(dict(l))
        c.close()
        return replies

    def test_error_bounces_with_the_nexthop_dsn(self):
        rs = self.deliver("error", "5.1.1 User unknown in virtual alias table", ["a@v.example", "b@v.example"])
        self.assertEqual([r["index"] for r in rs], ["10", "11"])
        self.assertEqual({(r["status"], r["dsn"], r["reason"]) for r in rs},
                         {("bounced", "5.1.1", "User unknown in virtual alias table")})
        log = self.inst.wait_log("to=<b@v.example>, orig_to=<alias@example.org>")
        self.assertRegex(log, r"postfix/error\[\d+\]: 4F2A31C2B5: to=<a@v\.example>, relay=none, "
                              r"delay=[\d.]+, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, dsn=5\.1\.1, "
                              r"status=bounced \(User unknown in virtual alias table\)")
        line = [l for l in log.splitlines() if "to=<a@v.example>" in l][0]
        a = float(re.search(r"delays=([\d.]+)/", line).group(1))
        self.assertTrue(0.8 <= a <= 1.2, line)      # arrival -> active

    def test_retry_defers_and_discard_drops(self):
        rs = self.deliver("retry", "mail for this domain is on hold", ["x@h.example"])
        self.assertEqual((rs[0]["status"], rs[0]["dsn"]), ("deferred", "4.0.0"))
        rs = self.deliver("retry", "5.7.1 not really permanent", ["x@h.example"])
        self.assertEqual((rs[0]["status"], rs[0]["dsn"]), ("deferred", "4.0.0"))
        rs = self.deliver("discard", "silently", ["y@d.example"])
        self.assertEqual((rs[0]["status"], rs[0]["dsn"], rs[0]["reason"]), ("sent", "2.0.0", "silently"))
        log = self.inst.wait_log("status=sent (silently)")
        self.assertRegex(log, r"postfix/discard\[\d+\]: 4F2A31C2B5: to=<y@d\.example>")
        self.assertIn("postfix/error[", log)

    def test_malformed_request_is_logged(self):
        c = Conn(os.path.join(self.inst.spool, "private", "error"))
        c.read_list()
        c.send_list([("queue_id", "ABCDEF1234")])      # no queue_file, no rcpt
        self.assertIsNone(c.read_list())
        c.close()
        self.inst.wait_log("warning: delivery request: malformed request")


if __name__ == "__main__":
    unittest.main()
