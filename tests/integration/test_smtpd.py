"""smtpd: the SMTP server against real clients on loopback (raw sockets,
smtplib).  One instance runs several smtpd services (master.cf -o
overrides) on high ports; a stand-in cleanup service (test_smtpd_support)
records what smtpd hands over, so content handling is checked byte for
byte.  Test names contain "smtpd" so `-k smtpd` selects them.
"""
import os
import re
import smtplib
import socket
import time
import unittest

import pctest
from pctest import Instance, free_port, wait_port
from test_smtpd_support import Client, FakeCleanup

USER = pctest.current_user()

MAIN_CF = """
mydestination = localhost, test.example
alias_maps =
local_recipient_maps = unix:passwd.byname
smtpd_error_sleep_time = 0
message_size_limit = 100000
smtpd_timeout = 20s
recipient_delimiter = +
"""

SERVICES = {
    # name: -o overrides
    "default": [],
    "noext": ["smtpd_discard_ehlo_keywords=vrfy,chunking,dsn", "disable_vrfy_command=yes"],
    "outside": ["mynetworks=10.99.0.0/16",
                "smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination"],
    "debian": ["mynetworks=10.99.0.0/16"],
    "normalize": ["smtpd_forbid_bare_newline=normalize", "smtpd_forbid_bare_newline_exclusions="],
    "reject": ["smtpd_forbid_bare_newline=reject", "smtpd_forbid_bare_newline_exclusions="],
    "timeout": ["smtpd_timeout=2s"],
    "errors": ["smtpd_hard_error_limit=3", "smtpd_soft_error_limit=2"],
    "strict": ["smtpd_forbid_unauth_pipelining=yes"],
    "rcptlimit": ["smtpd_recipient_limit=2"],
    "restrict": ["mynetworks=10.99.0.0/16", "smtpd_relay_restrictions=",
                 "smtpd_helo_restrictions=reject_invalid_helo_hostname,reject_non_fqdn_helo_hostname",
                 "smtpd_sender_restrictions=reject_non_fqdn_sender,check_sender_access,inline:{bad@x.example=REJECT}",
                 "smtpd_recipient_restrictions=reject_non_fqdn_recipient,permit_auth_destination,reject"],
    "mynetfile": ["mynetworks={root}/mynetworks"],
    "mynetcidr": ["mynetworks=cidr:{root}/mynetworks.cidr"],
    "mynetneg": ["mynetworks=!127.0.0.1,127.0.0.0/8,[::1]/128"],
    "warn": ["mynetworks=10.99.0.0/16",
             "smtpd_sender_restrictions=reject_unknown_sender_domain",
             "smtpd_recipient_restrictions=warn_if_reject,reject_non_fqdn_recipient"],
    "pipedata": ["smtpd_data_restrictions=reject_unauth_pipelining", "smtpd_helo_required=yes"],
    "nodelay": ["smtpd_delay_reject=no",
                "smtpd_client_restrictions=check_client_access,inline:{127.0.0.1=REJECT}"],
}


def expected_client_name():
    """What smtpd should call 127.0.0.1: its PTR name when it resolves back, else unknown."""
    try:
        name = socket.gethostbyaddr("127.0.0.1")[0]
        addrs = socket.getaddrinfo(name, None, socket.AF_INET)
        if any(a[4][0] == "127.0.0.1" for a in addrs):
            return name
    except OSError:
        pass
    return "unknown"


class SmtpdBase(unittest.TestCase):
    inst = None

    @classmethod
    def setUpClass(cls):
        cls.ports = {name: free_port() for name in SERVICES}
        lines = []
        for name, opts in SERVICES.items():
            lines.append("127.0.0.1:%d inet n - n - - smtpd%s" % (
                cls.ports[name], "".join(" -o " + o for o in opts)))
        cls.inst = Instance(MAIN_CF, "", fixtures=False)
        root = cls.inst.root
        with open(os.path.join(root, "mynetworks"), "w") as f:
            f.write("# trusted networks\n10.0.0.0/8\n127.0.0.0/8 [::1]/128\n")
        with open(os.path.join(root, "mynetworks.cidr"), "w") as f:
            f.write("127.0.0.1/32 OK\n")
        cls.inst.write_master_cf("\n".join(lines).replace("{root}", root) + "\n")
        r = cls.inst.postfix("start")
        if r.returncode != 0:
            cls.inst.stop()
            raise AssertionError("postfix start failed: %s %s" % (r.stdout, r.stderr))
        for p in cls.ports.values():
            wait_port(p)
        cls.cleanup = FakeCleanup(cls.inst.spool)
        cls.namaddr = "%s[127.0.0.1]" % expected_client_name()

    @classmethod
    def tearDownClass(cls):
        if cls.inst is not None:
            cls.cleanup.stop()
            cls.inst.stop()

    def connect(self, service="default", ehlo="client.example"):
        c = Client(self.ports[service])
        self.addCleanup(c.close)
        greeting = c.reply1()
        self.assertTrue(greeting.startswith("220 "), greeting)
        if ehlo:
            r = c.cmd("EHLO " + ehlo)
            self.assertTrue(r.startswith("250"), r)
        return c

    def transaction(self, c, sender, rcpts):
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender), "250 2.1.0 Ok")
        for r in rcpts:
            self.assertEqual(c.cmd("RCPT TO:<%s>" % r), "250 2.1.5 Ok")
        self.assertEqual(c.cmd("DATA"), "354 End data with <CR><LF>.<CR><LF>")

    def conv_for(self, queue_id):
        for conv in self.cleanup.convs:
            if conv.queue_id == queue_id:
                return conv
        self.fail("no cleanup conversation for %s" % queue_id)

    def queued_id(self, reply):
        m = re.match(r"^250 2\.0\.0 Ok: (?:\d+ bytes )?queued as ([0-9A-Z]+)$", reply)
        self.assertIsNotNone(m, reply)
        return m.group(1)

    def wait_log(self, text, timeout=10):
        return self.inst.wait_log(text, timeout)


class TestSmtpdProtocol(SmtpdBase):
    def test_smtpd_greeting_and_ehlo_keywords_in_postfix_order(self):
        c = Client(self.ports["default"])
        self.addCleanup(c.close)
        self.assertEqual(c.reply1(), "220 test.example ESMTP Postfix")
        c.send("EHLO client.example\r\n")
        self.assertEqual(c.reply(), [
            "250-test.example", "250-PIPELINING", "250-SIZE 100000", "250-VRFY", "250-ETRN",
            "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"])
        self.assertEqual(c.cmd("HELO client.example"), "250 test.example")
        self.assertEqual(c.cmd("HELO"), "501 Syntax: HELO hostname")
        self.assertEqual(c.cmd("EHLO"), "501 Syntax: EHLO hostname")
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok")
        self.assertEqual(c.cmd("RSET"), "250 2.0.0 Ok")
        self.assertEqual(c.cmd("HELP"), "502 5.5.2 Error: command not recognized")
        self.assertEqual(c.cmd("XYZZY"), "502 5.5.2 Error: command not recognized")
        self.assertEqual(c.cmd(""), "500 5.5.2 Error: bad syntax")
        self.assertEqual(c.cmd("QUIT"), "221 2.0.0 Bye")
        self.assertTrue(c.is_closed())

    def test_smtpd_discarded_ehlo_keywords_and_vrfy_disabled(self):
        c = Client(self.ports["noext"])
        self.addCleanup(c.close)
        c.reply1()
        c.send("EHLO client.example\r\n")
        self.assertEqual(c.reply(), [
            "250-test.example", "250-PIPELINING", "250-SIZE 100000", "250-ETRN",
            "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250 SMTPUTF8"])
        self.assertEqual(c.cmd("VRFY root"), "502 5.5.1 VRFY command is disabled")
        self.wait_log("discarding EHLO keywords: VRFY DSN CHUNKING")

    def test_smtpd_vrfy_policy(self):
        c = self.connect()
        self.assertEqual(c.cmd("VRFY"), "501 5.5.4 Syntax: VRFY address")
        self.assertEqual(c.cmd("VRFY %s" % USER), "252 2.0.0 %s" % USER)
        self.assertEqual(c.cmd("VRFY <%s@test.example>" % USER), "252 2.0.0 <%s@test.example>" % USER)
        self.assertEqual(c.cmd("VRFY nosuchuser-pc@test.example"),
                         "550 5.1.1 <nosuchuser-pc@test.example>: Recipient address rejected: "
                         "User unknown in local recipient table")

    def test_smtpd_commands_out_of_order(self):
        c = self.connect()
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "503 5.5.1 Error: need MAIL command")
        self.assertEqual(c.cmd("DATA"), "503 5.5.1 Error: need RCPT command")
        self.assertEqual(c.cmd("MAIL FROM:<s@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("MAIL FROM:<s@x.example>"), "503 5.5.1 Error: nested MAIL command")
        self.assertEqual(c.cmd("DATA"), "554 5.5.1 Error: no valid recipients")
        self.assertEqual(c.cmd("RSET"), "250 2.0.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "503 5.5.1 Error: need MAIL command")
        self.assertEqual(c.cmd("RSET x"), "501 5.5.4 Syntax: RSET")
        self.assertEqual(c.cmd("NOOP x"), "501 5.5.4 Syntax: NOOP")
        self.assertEqual(c.cmd("ETRN"), "500 5.5.4 Syntax: ETRN domain")
        self.assertEqual(c.cmd("ETRN far.example"), "459 4.7.1 <far.example>: service unavailable")

    def test_smtpd_malformed_addresses_and_parameters(self):
        c = self.connect()
        cases = [
            ("MAIL FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>"),
            ("MAIL TO:<a@x.example>", "501 5.5.4 Syntax: MAIL FROM:<address>"),
            ("MAIL FROM:<a@x.example", "501 5.1.7 Bad sender address syntax"),
            ("MAIL FROM:<a b@x.example>", "501 5.1.7 Bad sender address syntax"),
            ("MAIL FROM:<a@>", "501 5.1.7 Bad sender address syntax"),
            ("MAIL FROM:<a@x.example>junk", "501 5.1.7 Bad sender address syntax"),
            ("MAIL FROM:<a@x.example> SIZE=abc", "501 5.5.4 Bad message size syntax"),
            ("MAIL FROM:<a@x.example> FOO=1", "555 5.5.4 Unsupported option: FOO=1"),
            ("MAIL FROM:<a@x.example> RET=SOME", "501 5.5.4 Bad RET parameter syntax"),
            ("MAIL FROM:<a@x.example> ENVID=a+zz", "501 5.5.4 Bad ENVID parameter syntax"),
        ]
        for cmd, want in cases:
            self.assertEqual(c.cmd(cmd), want, cmd)
        self.assertEqual(c.cmd("MAIL FROM:<>"), "250 2.1.0 Ok")
        cases = [
            ("RCPT TO:", "501 5.5.4 Syntax: RCPT TO:<address>"),
            ("RCPT TO:<>", "501 5.1.3 Bad recipient address syntax"),
            ("RCPT TO:<a@b@>", "501 5.1.3 Bad recipient address syntax"),
            ("RCPT TO:<\"unterminated@test.example>", "501 5.1.3 Bad recipient address syntax"),
            ("RCPT TO:<%s@test.example> NOTIFY=SOMETIMES" % USER, "501 5.5.4 Error: Bad NOTIFY parameter syntax"),
            ("RCPT TO:<%s@test.example> NOTIFY=NEVER,SUCCESS" % USER, "501 5.5.4 Error: Bad NOTIFY parameter syntax"),
            ("RCPT TO:<%s@test.example> ORCPT=nosemicolon" % USER, "501 5.5.4 Error: Bad ORCPT parameter syntax"),
            ("RCPT TO:<%s@test.example> BOGUS" % USER, "555 5.5.4 Unsupported option: BOGUS"),
        ]
        for cmd, want in cases:
            self.assertEqual(c.cmd(cmd), want, cmd)

    def test_smtpd_nul_bytes_and_overlong_command_lines(self):
        c = self.connect()
        c.send(b"NOOP\x00junk\r\n")
        self.assertEqual(c.reply1(), "500 5.5.2 Error: bad syntax")
        # over line_length_limit (2048): cut at the limit, the rest is skipped, session goes on
        c.send(b"NOOP " + b"x" * 5000 + b"\r\n")
        self.assertEqual(c.reply1(), "501 5.5.4 Syntax: NOOP")
        c.send(b"MAIL FROM:<" + b"a" * 5000 + b"@x.example>\r\n")
        self.assertEqual(c.reply1(), "501 5.1.7 Bad sender address syntax")
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok")

    def test_smtpd_non_smtp_command_disconnects(self):
        c = self.connect(ehlo=None)
        self.assertEqual(c.cmd("GET / HTTP/1.0"), "221 2.7.0 Error: I can break rules, too. Goodbye.")
        self.assertTrue(c.is_closed())
        self.wait_log("warning: non-SMTP command from %s: GET / HTTP/1.0" % self.namaddr)

    def test_smtpd_unknown_local_user_rejected_at_rcpt(self):
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<unk-sender@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<nosuchuser-pc@test.example>"),
                         "550 5.1.1 <nosuchuser-pc@test.example>: Recipient address rejected: "
                         "User unknown in local recipient table")
        self.assertEqual(c.cmd("QUIT"), "221 2.0.0 Bye")
        log = self.wait_log("disconnect from %s ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" % self.namaddr)
        self.assertIn("NOQUEUE: reject: RCPT from %s: 550 5.1.1 <nosuchuser-pc@test.example>: Recipient "
                      "address rejected: User unknown in local recipient table; from=<unk-sender@x.example> "
                      "to=<nosuchuser-pc@test.example> proto=ESMTP helo=<client.example>" % self.namaddr, log)

    def test_smtpd_too_many_errors_421(self):
        c = self.connect("errors")
        for _ in range(3):
            self.assertEqual(c.cmd("BOGUS"), "502 5.5.2 Error: command not recognized")
        self.assertEqual(c.reply1(), "421 4.7.0 test.example Error: too many errors")
        self.assertTrue(c.is_closed())
        self.wait_log("too many errors after UNKNOWN from %s" % self.namaddr)
        self.wait_log("disconnect from %s ehlo=1 unknown=0/3 commands=1/4" % self.namaddr)

    def test_smtpd_recipient_limit(self):
        c = self.connect("rcptlimit")
        self.assertEqual(c.cmd("MAIL FROM:<s@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "250 2.1.5 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s+a@test.example>" % USER), "250 2.1.5 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s+b@test.example>" % USER), "452 4.5.3 Error: too many recipients")

    def test_smtpd_forbidden_unauth_pipelining(self):
        c = Client(self.ports["strict"])
        self.addCleanup(c.close)
        c.reply1()
        c.send("EHLO client.example\r\nMAIL FROM:<a@x.example>\r\n")
        self.assertEqual(c.reply1(), "554 5.5.0 Error: SMTP protocol synchronization")
        self.assertTrue(c.is_closed())
        self.wait_log("improper command pipelining after EHLO from %s: MAIL FROM:<a@x.example>\\r\\n" % self.namaddr)

    def test_smtpd_improper_pipelining_is_logged(self):
        c = Client(self.ports["default"])
        self.addCleanup(c.close)
        c.reply1()
        c.send("EHLO pipe.example\r\nNOOP\r\n")
        self.assertEqual(c.reply()[0], "250-test.example")
        self.assertEqual(c.reply1(), "250 2.0.0 Ok")
        self.wait_log("improper command pipelining after EHLO from %s: NOOP\\r\\n" % self.namaddr)

    def test_smtpd_auth_starttls_and_helo_required(self):
        c = self.connect()
        self.assertEqual(c.cmd("STARTTLS"), "502 5.5.1 Error: command not implemented")
        self.assertEqual(c.cmd("AUTH PLAIN AGJvYgBzZWNyZXQ="), "503 5.5.1 Error: authentication not enabled")
        c.cmd("QUIT")
        self.wait_log("disconnect from %s ehlo=1 starttls=0/1 auth=0/1 quit=1 commands=2/4" % self.namaddr)
        c = self.connect("pipedata", ehlo=None)
        self.assertEqual(c.cmd("MAIL FROM:<a@x.example>"), "503 5.5.1 Error: send HELO/EHLO first")

    def test_smtpd_timeout_between_commands(self):
        c = self.connect("timeout", ehlo="idle.example")
        self.assertEqual(c.reply1(), "421 4.4.2 test.example Error: timeout exceeded")
        self.assertTrue(c.is_closed())
        self.wait_log("timeout after EHLO from %s" % self.namaddr)

    def test_smtpd_reject_unauth_pipelining_at_data(self):
        c = self.connect("pipedata")
        self.assertEqual(c.cmd("MAIL FROM:<p@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "250 2.1.5 Ok")
        c.send("DATA\r\nSubject: too early\r\n")
        self.assertEqual(c.reply1(), "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining")
        self.wait_log("improper command pipelining after DATA from %s: Subject: too early\\r\\n" % self.namaddr)

    def test_smtpd_warn_if_reject_and_dns_restrictions(self):
        c = self.connect("warn")
        self.assertEqual(c.cmd("MAIL FROM:<s@nonexistent.invalid>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER), "250 2.1.5 Ok")
        log = self.wait_log("NOQUEUE: reject_warning: RCPT from %s: 504 5.5.2 <%s>: Recipient address rejected: "
                            "need fully-qualified address; from=<s@nonexistent.invalid> to=<%s>"
                            % (self.namaddr, USER, USER))
        self.assertIn("warning: reject_unknown_sender_domain: DNS lookups are not implemented yet", log)

    def test_smtpd_connect_time_reject_without_delay(self):
        c = Client(self.ports["nodelay"])
        self.addCleanup(c.close)
        self.assertEqual(c.reply1(), "554 5.7.1 <%s>: Client host rejected: Access denied" % self.namaddr)
        self.assertEqual(c.cmd("EHLO x.example"), "503 5.7.0 Error: access denied for %s" % self.namaddr)
        self.assertEqual(c.cmd("QUIT"), "221 2.0.0 Bye")
        self.wait_log("NOQUEUE: reject: CONNECT from %s: 554 5.7.1 <%s>: Client host rejected: Access denied;"
                      % (self.namaddr, self.namaddr))

    def test_smtpd_helo_sender_recipient_restrictions(self):
        c = self.connect("restrict", ehlo="nodots")
        self.assertEqual(c.cmd("MAIL FROM:<bad@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER),
                         "504 5.5.2 <nodots>: Helo command rejected: need fully-qualified hostname")
        self.assertEqual(c.cmd("EHLO bad_name!"), "250-test.example\n250-PIPELINING\n250-SIZE 100000\n"
                         "250-VRFY\n250-ETRN\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n"
                         "250-SMTPUTF8\n250 CHUNKING")
        self.assertEqual(c.cmd("MAIL FROM:<bad@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER),
                         "501 5.5.2 <bad_name!>: Helo command rejected: Invalid name")
        c.cmd("EHLO good.example")
        self.assertEqual(c.cmd("MAIL FROM:<nodomain>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER),
                         "504 5.5.2 <nodomain>: Sender address rejected: need fully-qualified address")
        c.cmd("RSET")
        self.assertEqual(c.cmd("MAIL FROM:<bad@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER),
                         "554 5.7.1 <bad@x.example>: Sender address rejected: Access denied")
        c.cmd("RSET")
        self.assertEqual(c.cmd("MAIL FROM:<ok@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s>" % USER),
                         "504 5.5.2 <%s>: Recipient address rejected: need fully-qualified address" % USER)
        self.assertEqual(c.cmd("RCPT TO:<someone@far.example>"),
                         "554 5.7.1 <someone@far.example>: Recipient address rejected: Access denied")


class TestSmtpdHostile(SmtpdBase):
    FRAGMENTS = [b"EHLO x", b"HELO", b"MAIL FROM:<a@b.example>", b"MAIL FROM:<", b"RCPT TO:<%s@test.example>" % USER.encode(),
                 b"RCPT TO:<@a,@:x>", b"RCPT TO:<\"\\", b"DATA", b"BDAT 5", b"BDAT 0 LAST", b"BDAT 99999999999999999999",
                 b"RSET", b"NOOP", b"VRFY <", b"ETRN @", b".", b"..", b"\x00", b"\xff\xfe", b"\r", b"\n", b"\r\n",
                 b"SIZE=9999999999999999999", b" NOTIFY=", b" ORCPT=rfc822;+", b" ENVID=+4", b"x" * 3000,
                 b"\r\n.\r\n", b"\n.\n", b"QUIT"]

    def test_smtpd_hostile_random_input_never_crashes(self):
        import random
        rnd = random.Random(4242)
        for service in ("default", "normalize", "reject", "errors"):
            for _ in range(12):
                try:
                    c = Client(self.ports[service], timeout=3)
                except OSError as e:
                    self.fail("cannot connect to %s: %s" % (service, e))
                data = b"".join(rnd.choice(self.FRAGMENTS) + rnd.choice([b"\r\n", b"", b" ", b"\n"])
                                for _ in range(rnd.randint(5, 60)))
                try:
                    c.send(data)
                    c.s.shutdown(socket.SHUT_WR)
                    c.is_closed(timeout=5)
                except OSError:
                    pass
                c.close()
        # every session ended with a disconnect line; no daemon died
        time.sleep(0.5)
        log = self.inst.log()
        for bad in ("killed by signal", "panic:", "fatal:", "exit status"):
            self.assertNotIn(bad, log)
        c = self.connect()
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok")


class TestSmtpdRelay(SmtpdBase):
    TRICKS = [
        "someone@far.example",
        "someone%far.example@test.example",
        "far.example!someone@test.example",
        "@test.example:someone@far.example",
        "@far.example:%s@test.example" % USER,
        "\"someone@far.example\"@test.example",
        "someone@far.example@test.example",
        "someone@far.example.",
        "someone%far.example@[127.0.0.1]",
        "someone@[10.1.2.3]",
        "\"someone%far.example\"@test.example",
        "someone@far.example@[127.0.0.1]",
    ]

    def test_smtpd_relay_tricks_refused_from_outside_mynetworks(self):
        c = self.connect("outside")
        self.assertEqual(c.cmd("MAIL FROM:<spammer@x.example>"), "250 2.1.0 Ok")
        for rcpt in self.TRICKS:
            r = c.cmd("RCPT TO:<%s>" % rcpt)
            self.assertTrue(r.startswith("554 5.7.1 <") and r.endswith(">: Relay access denied"),
                            "%s: %s" % (rcpt, r))
        # local delivery is still accepted
        for rcpt in ("%s@test.example" % USER, "%s@TEST.example." % USER, "%s@localhost" % USER,
                     "%s@[127.0.0.1]" % USER, USER):
            self.assertEqual(c.cmd("RCPT TO:<%s>" % rcpt), "250 2.1.5 Ok", rcpt)
        self.wait_log("reject: RCPT from %s: 554 5.7.1 <someone@far.example>: Relay access denied; "
                      "from=<spammer@x.example> to=<someone@far.example> proto=ESMTP helo=<client.example>"
                      % self.namaddr)

    def test_smtpd_relay_refused_with_debian_defaults_454(self):
        c = self.connect("debian")
        self.assertEqual(c.cmd("MAIL FROM:<spammer@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<someone@far.example>"), "454 4.7.1 <someone@far.example>: Relay access denied")
        self.assertEqual(c.cmd("RCPT TO:<someone%far.example@test.example>"),
                         "454 4.7.1 <someone%far.example@test.example>: Relay access denied")

    def test_smtpd_relay_allowed_from_mynetworks(self):
        for service in ("default", "mynetfile", "mynetcidr"):
            c = self.connect(service)
            self.assertEqual(c.cmd("MAIL FROM:<me@x.example>"), "250 2.1.0 Ok")
            self.assertEqual(c.cmd("RCPT TO:<someone@far.example>"), "250 2.1.5 Ok", service)
        c = self.connect("mynetneg")
        self.assertEqual(c.cmd("MAIL FROM:<me@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<someone@far.example>"), "454 4.7.1 <someone@far.example>: Relay access denied")


class TestSmtpdData(SmtpdBase):
    def test_smtpd_pipelined_transaction_one_write(self):
        c = self.connect()
        c.send("MAIL FROM:<pipe@x.example>\r\nRCPT TO:<%s@test.example>\r\nRCPT TO:<%s+x@test.example>\r\nDATA\r\n"
               % (USER, USER))
        self.assertEqual(c.reply1(), "250 2.1.0 Ok")
        self.assertEqual(c.reply1(), "250 2.1.5 Ok")
        self.assertEqual(c.reply1(), "250 2.1.5 Ok")
        self.assertEqual(c.reply1(), "354 End data with <CR><LF>.<CR><LF>")
        c.send("Subject: pipelined\r\n\r\n..dot line\r\nbody\r\n.\r\n")
        qid = self.queued_id(c.reply1())
        self.assertEqual(c.cmd("QUIT"), "221 2.0.0 Bye")
        conv = self.conv_for(qid)
        self.assertTrue(conv.finished)
        self.assertEqual(conv.content, b"Subject: pipelined\n\n.dot line\nbody\n")
        self.assertEqual(conv.all("rcpt"), ["%s@test.example" % USER, "%s+x@test.example" % USER])
        self.assertEqual(conv.get("sender"), "pipe@x.example")
        self.assertEqual(conv.get("origin"), "smtpd")
        self.assertEqual(conv.get("helo"), "client.example")
        self.assertEqual(conv.get("protocol"), "ESMTP")
        self.assertEqual(conv.get("client_addr"), "127.0.0.1")
        self.assertEqual(conv.get("client_name"), self.namaddr.split("[")[0])
        log = self.wait_log("disconnect from %s ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6" % self.namaddr)
        self.assertIn("%s: client=%s" % (qid, self.namaddr), log)
        self.assertNotIn("improper command pipelining after EHLO from %s: MAIL FROM:<pipe" % self.namaddr, log)

    def test_smtpd_smtplib_and_dsn_parameters(self):
        with smtplib.SMTP("127.0.0.1", self.ports["default"], timeout=10) as s:
            s.ehlo("lib.example")
            s.mail("dsn@x.example", ["RET=HDRS", "ENVID=abc+2Bdef", "BODY=8BITMIME", "SIZE=100"])
            code, _ = s.rcpt("%s@test.example" % USER, ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;x+40y.example"])
            self.assertEqual(code, 250)
            code, msg = s.data(b"Subject: dsn\r\n\r\n8bit \xe9t\xe9\r\n")
            self.assertEqual(code, 250)
        qid = msg.decode().split()[-1]
        conv = self.conv_for(qid)
        self.assertEqual(conv.get("dsn_ret"), "HDRS")
        self.assertEqual(conv.get("dsn_envid"), "abc+def")
        self.assertEqual(conv.get("body_type"), "8BITMIME")
        self.assertEqual(conv.get("notify"), "SUCCESS,FAILURE")
        self.assertEqual(conv.get("orcpt"), "rfc822;x@y.example")
        self.assertEqual(conv.content, b"Subject: dsn\n\n8bit \xe9t\xe9\n")

    def test_smtpd_8bit_data_without_8bitmime_and_nul_in_content(self):
        c = self.connect(ehlo=None)
        self.assertEqual(c.cmd("HELO old.example"), "250 test.example")
        self.transaction(c, "old@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: \xff\xfe 8bit\r\n\r\nnul:\x00:end\r\n.\r\n")
        qid = self.queued_id(c.reply1())
        conv = self.conv_for(qid)
        self.assertEqual(conv.content, b"Subject: \xff\xfe 8bit\n\nnul:\x00:end\n")
        self.assertEqual(conv.get("protocol"), "SMTP")
        self.assertEqual(conv.get("body_type"), "7BIT")

    def test_smtpd_long_content_line_passed_whole(self):
        c = self.connect()
        self.transaction(c, "long@x.example", ["%s@test.example" % USER])
        long_line = b"." + b"y" * 10000
        c.send(b"Subject: long\r\n\r\n" + long_line + b"\r\nafter\r\n.\r\n")
        conv = self.conv_for(self.queued_id(c.reply1()))
        self.assertEqual(conv.content, b"Subject: long\n\n" + long_line[1:] + b"\nafter\n")

    def test_smtpd_size_parameter_over_limit(self):
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<big@x.example> SIZE=100001"), "552 5.3.4 Message size exceeds fixed limit")
        self.assertEqual(c.cmd("MAIL FROM:<big@x.example> SIZE=100000"), "250 2.1.0 Ok")

    def test_smtpd_data_over_size_limit(self):
        c = self.connect()
        n_before = len(self.cleanup.convs)
        self.transaction(c, "bigdata@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 120 + b".\r\n")
        self.assertEqual(c.reply1(), "552 5.3.4 Error: message file too big")
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok")
        conv = self.cleanup.convs[n_before]
        self.cleanup.wait_closed(conv)
        self.assertFalse(conv.finished)

    def test_smtpd_bdat_session(self):
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<bdat2@x.example>"), "250 2.1.0 Ok")
        self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "250 2.1.5 Ok")
        chunk1, chunk2 = b"Subject: chunk\r\n\r\n.x\r", b"\nend\r\n"
        c.send(b"BDAT %d\r\n%s" % (len(chunk1), chunk1))
        self.assertEqual(c.reply1(), "250 2.0.0 Ok: %d bytes" % len(chunk1))
        self.assertEqual(c.cmd("DATA"), "503 5.5.1 Error: DATA after BDAT")
        c.send(b"BDAT %d LAST\r\n%s" % (len(chunk2), chunk2))
        r = c.reply1()
        self.assertRegex(r, r"^250 2\.0\.0 Ok: %d bytes queued as [0-9A-Z]+$" % (len(chunk1) + len(chunk2)))
        conv = self.conv_for(r.split()[-1])
        self.assertEqual(conv.content, b"Subject: chunk\n\n.x\nend\n")
        c.send(b"BDAT 3 LAST\r\nabc")
        self.assertEqual(c.reply1(), "503 5.5.1 Error: need RCPT command")
        c.send(b"BDAT x\r\n")
        self.assertEqual(c.reply1(), "521 5.5.4 Syntax: BDAT count [LAST]")
        self.assertTrue(c.is_closed())

    def test_smtpd_timeout_mid_data(self):
        c = self.connect("timeout")
        n_before = len(self.cleanup.convs)
        self.transaction(c, "slow@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: slow\r\n\r\npartial")
        t0 = time.monotonic()
        self.assertEqual(c.reply1(), "421 4.4.2 test.example Error: timeout exceeded")
        self.assertLess(time.monotonic() - t0, 10)
        self.assertTrue(c.is_closed())
        self.wait_log("timeout after DATA (17 bytes) from %s" % self.namaddr)
        conv = self.cleanup.convs[n_before]
        self.cleanup.wait_closed(conv)
        self.assertFalse(conv.finished)

    def test_smtpd_lost_connection_mid_data(self):
        c = self.connect()
        n_before = len(self.cleanup.convs)
        self.transaction(c, "gone@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: gone\r\n\r\nhalf a line")
        c.close()
        self.wait_log("lost connection after DATA (17 bytes) from %s" % self.namaddr)
        conv = self.cleanup.convs[n_before]
        self.cleanup.wait_closed(conv)
        self.assertFalse(conv.finished)

    def test_smtpd_cleanup_unreachable_451(self):
        self.cleanup.stop()
        try:
            c = self.connect()
            self.assertEqual(c.cmd("MAIL FROM:<nocleanup@x.example>"), "250 2.1.0 Ok")
            self.assertEqual(c.cmd("RCPT TO:<%s@test.example>" % USER), "451 4.3.0 Error: queue file write error")
        finally:
            self.cleanup.start()

    def test_smtpd_cleanup_rejects_message(self):
        self.cleanup.status = "status=5\ncode=550\ndsn=5.7.1\nreason=Error: message content rejected\n\n"
        try:
            c = self.connect()
            self.transaction(c, "rejected@x.example", ["%s@test.example" % USER])
            c.send(b"Subject: x\r\n\r\nx\r\n.\r\n")
            self.assertEqual(c.reply1(), "550 5.7.1 Error: message content rejected")
            c.cmd("QUIT")
        finally:
            self.cleanup.status = "status=0\n\n"
        self.wait_log("disconnect from %s ehlo=1 mail=1 rcpt=1 data=0/1 quit=1 commands=4/5" % self.namaddr)


class TestSmtpdSmuggling(SmtpdBase):
    SMUGGLED = (b"MAIL FROM:<smuggled@evil.example>\r\nRCPT TO:<%s@test.example>\r\nDATA\r\n"
                b"Subject: smuggled\r\n\r\nevil\r\n" % USER.encode())
    ENDINGS = [b"\n.\n", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r", b"\r\n.\r\r\n"]

    def smuggle(self, service, ending):
        c = self.connect(service)
        n_before = len(self.cleanup.finished())
        self.transaction(c, "outer@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: outer\r\n\r\nline" + ending + self.SMUGGLED + b".\r\n")
        first = c.reply1()
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok", "extra replies after %r" % ending)
        c.cmd("QUIT")
        time.sleep(0.2)
        return first, self.cleanup.finished()[n_before:]

    def test_smtpd_smuggling_normalize_gives_one_message(self):
        for ending in self.ENDINGS:
            first, msgs = self.smuggle("normalize", ending)
            self.queued_id(first)
            self.assertEqual(len(msgs), 1, ending)
            self.assertEqual(msgs[0].get("sender"), "outer@x.example")
            self.assertIn(b"smuggled@evil.example", msgs[0].content)

    def test_smtpd_smuggling_reject_mode(self):
        for ending in self.ENDINGS:
            first, msgs = self.smuggle("reject", ending)
            bare_lf = any(ch == 10 and (i == 0 or ending[i - 1] != 13) for i, ch in enumerate(ending))
            if bare_lf:
                self.assertEqual(first, "550 5.5.2 test.example Error: bare <LF> received", ending)
                self.assertEqual(msgs, [], ending)
            else:
                self.assertEqual(len(msgs), 1, ending)

    def test_smtpd_bare_lf_command_rejected(self):
        c = Client(self.ports["reject"])
        self.addCleanup(c.close)
        c.reply1()
        c.send(b"EHLO lf.example\n")
        self.assertEqual(c.reply1(), "550 5.5.2 test.example Error: bare <LF> received")
        self.assertTrue(c.is_closed())

    def test_smtpd_bare_cr_is_content(self):
        c = self.connect("normalize")
        self.transaction(c, "cr@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: cr\r\n\r\na\rb\r\n.\r.\r\n.\r\n")
        conv = self.conv_for(self.queued_id(c.reply1()))
        self.assertEqual(conv.content, b"Subject: cr\n\na\rb\n\r.\n")

    def test_smtpd_bare_lf_normalized_lines(self):
        c = self.connect("normalize")
        self.transaction(c, "lf@x.example", ["%s@test.example" % USER])
        c.send(b"Subject: lf\n\nbody\n..dot\r\n.\r\n")
        conv = self.conv_for(self.queued_id(c.reply1()))
        self.assertEqual(conv.content, b"Subject: lf\n\nbody\n.dot\n")


if __name__ == "__main__":
    unittest.main()
