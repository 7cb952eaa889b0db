"""anvil: connection counts and rates for smtpd, released when a client goes away."""
import os
import time
import unittest

from attrproto import Conn, get
from pctest import Instance


class TestAnvil(unittest.TestCase):
    def setUp(self):
        self.inst = Instance(main_cf_extra="anvil_rate_time_unit = 60s\n",
                             master_cf="anvil unix - - n - 1 anvil\n")
        self.addCleanup(self.inst.stop)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.path = os.path.join(self.inst.spool, "private", "anvil")

    def client(self):
        c = Conn(self.path)
        greet = c.read_list()
        self.assertEqual(get(greet, "proto"), "anvil")
        self.assertEqual(get(greet, "version"), "1")
        return c

    def ask(self, c, req, ident="smtp:192.0.2.1"):
        c.send_list([("request", req), ("ident", ident)])
        reply = c.read_list()
        self.assertIsNotNone(reply)
        self.assertEqual(get(reply, "status"), "0")
        return {n: int(v) for n, v in reply if n != "status"}

    def test_counts_rates_and_release(self):
        a, b = self.client(), self.client()
        self.assertEqual(self.ask(a, "connect")["count"], 1)
        r = self.ask(b, "connect")
        self.assertEqual((r["count"], r["rate"]), (2, 2))
        self.assertEqual(self.ask(a, "disconnect")["count"], 1)
        self.assertEqual(self.ask(a, "message")["message_rate"], 1)
        self.assertEqual(self.ask(a, "recipient")["recipient_rate"], 1)
        self.assertEqual(self.ask(a, "lookup", "smtp:192.0.2.9")["count"], 0)
        b.close()       # b held one connection: anvil releases it
        deadline = time.monotonic() + 5
        while self.ask(a, "lookup")["count"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        r = self.ask(a, "lookup")
        self.assertEqual(r["count"], 0)
        self.assertEqual(r["connect_rate"], 2)     # rates stay for the time unit
        a.close()

    def test_bad_requests_drop_only_that_client(self):
        bad = self.client()
        bad.s.sendall(b"request=connect\n\n")      # no ident
        self.assertIsNone(bad.read_list())
        bad.close()
        bad = self.client()
        bad.s.sendall(b"NOT A LIST\n\n")
        self.assertIsNone(bad.read_list())
        bad.close()
        good = self.client()
        self.assertEqual(self.ask(good, "connect")["count"], 1)
        good.close()
        log = self.inst.wait_log("warning: malformed attribute line")
        self.assertIn("malformed request", log)

    def test_statistics_at_reload(self):
        # as Postfix's anvil: the statistics are logged when the process
        # retires (reload, max_idle), not on SIGTERM
        c = self.client()
        self.ask(c, "connect", "smtp:198.51.100.7")
        c.close()
        self.inst.postfix("reload")
        log = self.inst.wait_log("statistics: max connection count 1 for (smtp:198.51.100.7)")
        self.assertRegex(log, r"postfix/anvil\[\d+\]: statistics: max connection rate 1/60s "
                              r"for \(smtp:198\.51\.100\.7\) at [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d")
        self.assertIn("statistics: max cache size", log)


if __name__ == "__main__":
    unittest.main()
