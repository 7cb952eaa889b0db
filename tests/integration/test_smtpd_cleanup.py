"""smtpd with the real cleanup daemon: messages end up as queue files in
incoming/ (read with qfile.py), smuggling attempts produce at most one
file, and abandoned transactions (timeout, lost connection, oversized
message) leave nothing committed.  Test names contain "smtpd".
"""
import os
import re
import smtplib
import time
import unittest

import pctest
import qfile
from pctest import Instance, free_port, wait_for, wait_port
from test_smtpd import expected_client_name
from test_smtpd_support import Client

USER = pctest.current_user()

MAIN_CF = """
mydestination = localhost, test.example
alias_maps =
local_recipient_maps = unix:passwd.byname
smtpd_error_sleep_time = 0
message_size_limit = 100000
recipient_delimiter = +
header_checks =
"""


class TestSmtpdWithCleanup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.port_norm = free_port()
        cls.port_slow = free_port()
        master_cf = (
            "127.0.0.1:%d inet n - n - - smtpd\n"
            "127.0.0.1:%d inet n - n - - smtpd -o smtpd_forbid_bare_newline=normalize"
            " -o smtpd_forbid_bare_newline_exclusions=\n"
            "127.0.0.1:%d inet n - n - - smtpd -o smtpd_timeout=2s\n"
            "cleanup unix n - n - 0 cleanup\n" % (cls.port, cls.port_norm, cls.port_slow))
        cls.inst = Instance(MAIN_CF, master_cf, fixtures=False)
        r = cls.inst.postfix("start")
        if r.returncode != 0:
            cls.inst.stop()
            raise AssertionError("postfix start failed: %s %s" % (r.stdout, r.stderr))
        for p in (cls.port, cls.port_norm, cls.port_slow):
            wait_port(p)
        sock = os.path.join(cls.inst.spool, "public", "cleanup")
        wait_for(lambda: os.path.exists(sock), 10, what="public/cleanup")
        cls.name = expected_client_name()
        cls.namaddr = "%s[127.0.0.1]" % cls.name

    @classmethod
    def tearDownClass(cls):
        cls.inst.stop()

    def incoming(self):
        d = os.path.join(self.inst.spool, "incoming")
        return sorted(f for f in os.listdir(d) if not f.startswith(".")) if os.path.isdir(d) else []

    def queued(self, qid):
        path = os.path.join(self.inst.spool, "incoming", qid)
        wait_for(lambda: os.path.exists(path), 5, what="incoming/%s" % qid)
        return qfile.read(path)

    def connect(self, port=None):
        c = Client(port or self.port)
        self.addCleanup(c.close)
        self.assertTrue(c.reply1().startswith("220 "))
        self.assertTrue(c.cmd("EHLO client.example").startswith("250"))
        return c

    def test_smtpd_message_reaches_the_queue_with_received_header(self):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
            s.ehlo("client.example")
            s.mail("sender@x.example")
            s.rcpt("%s@test.example" % USER)
            code, msg = s.data(b"Subject: e2e\r\nMessage-ID: <e2e-1@x.example>\r\n\r\n.dotted\r\nbody\r\n")
        self.assertEqual(code, 250)
        m = re.match(r"^2\.0\.0 Ok: queued as ([0-9A-Z]+)$", msg.decode())
        self.assertIsNotNone(m, msg)
        qid = m.group(1)
        recs = self.queued(qid)
        self.assertEqual(qfile.values(recs, "S"), ["sender@x.example"])
        self.assertEqual(qfile.values(recs, "R"), ["%s@test.example" % USER])
        text = qfile.content(recs).decode()
        lines = text.split("\n")
        self.assertEqual(lines[0], "Received: from client.example (%s [127.0.0.1])" % self.name)
        self.assertEqual(lines[1], "\tby test.example (Postfix) with ESMTP id %s" % qid)
        self.assertRegex(lines[2], r"^\tfor <%s@test\.example>; " % re.escape(USER))
        # smtplib dot-stuffs ".dotted"; smtpd must remove exactly that dot
        self.assertTrue(text.endswith("\n\n.dotted\nbody\n"), text)
        log = self.inst.wait_log("disconnect from %s ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" % self.namaddr)
        self.assertIn("%s: client=%s" % (qid, self.namaddr), log)
        self.inst.wait_log("%s: message-id=<e2e-1@x.example>" % qid)

    def test_smtpd_smuggling_produces_one_queue_file(self):
        smuggled = (b"MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<%s@test.example>\r\nDATA\r\n"
                    b"Subject: smuggled\r\n\r\nevil\r\n" % USER.encode())
        for ending in (b"\n.\n", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n"):
            before = set(self.incoming())
            c = self.connect(self.port_norm)
            self.assertEqual(c.cmd("MAIL FROM:<outer@x.example>"), "250 2.1.0 Ok")
            self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "250 2.1.5 Ok")
            self.assertEqual(c.cmd("DATA"), "354 End data with <CR><LF>.<CR><LF>")
            c.send(b"Subject: outer\r\n\r\nline" + ending + smuggled + b".\r\n")
            self.assertRegex(c.reply1(), r"^250 2\.0\.0 Ok: queued as ")
            self.assertEqual(c.cmd("QUIT"), "221 2.0.0 Bye")
            time.sleep(0.3)
            new = set(self.incoming()) - before
            self.assertEqual(len(new), 1, "ending %r: %s" % (ending, new))
            recs = qfile.read(os.path.join(self.inst.spool, "incoming", new.pop()))
            self.assertEqual(qfile.values(recs, "S"), ["outer@x.example"])

    def test_smtpd_abandoned_transactions_commit_nothing(self):
        before = set(self.incoming())
        # oversized content
        c = self.connect()
        c.cmd("MAIL FROM:<big@x.example>")
        c.cmd("RCPT TO:<%s@test.example>" % USER)
        c.cmd("DATA")
        c.send(b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 120 + b".\r\n")
        self.assertEqual(c.reply1(), "552 5.3.4 Error: message file too big")
        c.cmd("QUIT")
        # lost connection mid-DATA
        c = self.connect()
        c.cmd("MAIL FROM:<gone@x.example>")
        c.cmd("RCPT TO:<%s@test.example>" % USER)
        c.cmd("DATA")
        c.send(b"Subject: gone\r\n\r\npartial")
        c.close()
        self.inst.wait_log("lost connection after DATA (17 bytes) from %s" % self.namaddr)
        # timeout mid-DATA
        c = self.connect(self.port_slow)
        c.cmd("MAIL FROM:<slow@x.example>")
        c.cmd("RCPT TO:<%s@test.example>" % USER)
        c.cmd("DATA")
        c.send(b"Subject: slow\r\n\r\n")
        self.assertEqual(c.reply1(), "421 4.4.2 test.example Error: timeout exceeded")
        self.inst.wait_log("timeout after DATA (17 bytes) from %s" % self.namaddr)
        time.sleep(0.5)
        self.assertEqual(set(self.incoming()), before)

    def test_smtpd_swaks_pipelined_delivery(self):
        before = set(self.incoming())
        r = pctest.run(["swaks", "--server", "127.0.0.1:%d" % self.port, "--helo", "swaks.example",
                        "--from", "swaks@x.example", "--to", "%s@test.example,%s+b@test.example" % (USER, USER),
                        "--pipeline", "--header", "Subject: swaks", "--body", "via swaks\n.leading dot"],
                       timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"<-  250 2\.0\.0 Ok: queued as [0-9A-Z]+")
        time.sleep(0.3)
        new = set(self.incoming()) - before
        self.assertEqual(len(new), 1, new)
        recs = qfile.read(os.path.join(self.inst.spool, "incoming", new.pop()))
        self.assertEqual(qfile.values(recs, "R"), ["%s@test.example" % USER, "%s+b@test.example" % USER])
        self.assertIn(b"\n.leading dot\n", qfile.content(recs))

    def test_smtpd_bdat_reaches_the_queue(self):
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<chunky@x.example> BODY=8BITMIME"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example> NOTIFY=NEVER" % USER), "250 2.1.5 Ok")
        body = b"Subject: bdat\r\n\r\nline one\r\nline two\r\n"
        c.send(b"BDAT 10\r\n" + body[:10])
        self.assertEqual(c.reply1(), "250 2.0.0 Ok: 10 bytes")
        c.send(b"BDAT %d LAST\r\n" % (len(body) - 10) + body[10:])
        r = c.reply1()
        m = re.match(r"^250 2\.0\.0 Ok: %d bytes queued as ([0-9A-Z]+)$" % len(body), r)
        self.assertIsNotNone(m, r)
        recs = self.queued(m.group(1))
        text = qfile.content(recs)
        self.assertIn(b"\nSubject: bdat\n", text)
        self.assertTrue(text.endswith(b"\n\nline one\nline two\n"), text)


if __name__ == "__main__":
    unittest.main()
