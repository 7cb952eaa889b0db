"""cleanup: the cleanup protocol from a Python client, and the queue files it writes.

Every test starts a real instance whose master.cf has the stock line
"cleanup unix n - y - 0 cleanup", speaks the protocol of
docs/internal-protocols.md over public/cleanup, and reads the committed
queue file with qfile.py.
"""
import os
import re
import signal
import socket
import subprocess
import time
import unittest

import pctest
import qfile
from pctest import Instance, wait_for

MASTER_CF = "cleanup unix n - y - 0 cleanup\n"
ID_RE = re.compile(r"^[0-9A-F]{6,30}$")


def esc(v):
    return (v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\0", "\\0"))


class CleanupClient:
    """The client side of the cleanup protocol."""

    def __init__(self, inst, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(os.path.join(inst.spool, "public", "cleanup"))
        self.f = self.sock.makefile("rwb")
        self.greeting = self.read_list()
        self.queue_id = self.greeting.get("queue_id")

    def read_list(self):
        out = {}
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("connection closed inside a list")
            line = line.rstrip(b"\n").decode()
            if line == "":
                return out
            k, _, v = line.partition("=")
            out.setdefault(k, v.replace("\\n", "\n").replace("\\\\", "\\"))

    def envelope(self, pairs):
        for k, v in pairs:
            self.f.write(("%s=%s\n" % (k, esc(v))).encode())
        self.f.write(b"\n")
        self.f.flush()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        for i in range(0, len(data), 60000):
            part = data[i:i + 60000]
            self.f.write(b"%d\n" % len(part) + part)
        self.f.flush()

    def finish(self):
        self.f.write(b"0\n")
        self.f.flush()
        return self.read_list()

    def close(self):
        try:
            self.f.close()
        except OSError:
            pass
        self.sock.close()


def smtpd_env(sender="sender@ext.example", rcpts=("bob@test.example",), **extra):
    base = {"origin": "smtpd", "sender": sender, "client_name": "client.example",
            "client_addr": "127.0.0.1", "client_port": "40000", "helo": "helo.example",
            "protocol": "ESMTP", "rewrite_context": extra.pop("ctx", "remote")}
    base.update(extra)
    env = list(base.items())
    for r in rcpts:
        env.append(("rcpt", r))
    return env


class CleanupBase(unittest.TestCase):
    main_cf = ""

    def setUp(self):
        self.inst = Instance(main_cf_extra=self.main_cf, master_cf=MASTER_CF)
        self.addCleanup(self.inst.stop)
        self.etc = self.inst.etc
        self.prepare()
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        sock = os.path.join(self.inst.spool, "public", "cleanup")
        wait_for(lambda: os.path.exists(sock), 10, what="public/cleanup")

    def prepare(self):
        """Hook: write tables before the instance starts."""

    def table(self, name, text, postmap=False):
        path = os.path.join(self.etc, name)
        with open(path, "w") as f:
            f.write(text)
        if postmap:
            r = pctest.run([pctest.sbin("postmap"), "-c", self.etc, "hash:" + path])
            self.assertEqual(r.returncode, 0, r.stderr)
        return path

    def send(self, content, env=None, **kw):
        c = CleanupClient(self.inst)
        try:
            self.assertTrue(ID_RE.match(c.queue_id or ""), c.greeting)
            self.assertEqual(c.greeting.get("proto"), "cleanup")
            c.envelope(env if env is not None else smtpd_env(**kw))
            c.chunk(content)
            reply = c.finish()
        finally:
            c.close()
        return c.queue_id, reply

    def queued(self, qid, queue="incoming"):
        path = os.path.join(self.inst.spool, queue, qid)
        self.assertTrue(os.path.exists(path), "%s not in %s/: %s" % (qid, queue, self.listing()))
        return qfile.read(path)

    def listing(self):
        out = {}
        for q in ("incoming", "hold"):
            d = os.path.join(self.inst.spool, q)
            out[q] = sorted(os.listdir(d)) if os.path.isdir(d) else []
        return out

    def headers(self, recs):
        text = qfile.content(recs).decode("utf-8", "replace")
        return text.split("\n\n", 1)[0]

    def body(self, recs):
        text = qfile.content(recs).decode("utf-8", "replace")
        return text.split("\n\n", 1)[1] if "\n\n" in text else ""

    def attrs(self, recs):
        out = {}
        for v in qfile.values(recs, "A"):
            k, _, val = v.partition("=")
            out.setdefault(k, val)
        return out

    def rcpts(self, recs):
        return qfile.values(recs, "R")

    def assert_ok(self, reply):
        self.assertEqual(reply.get("status"), "0", reply)


class TestBasics(CleanupBase):
    main_cf = "header_checks =\n"

    def test_remote_message_queued_with_received_and_layout(self):
        qid, reply = self.send("Subject: hi\nMessage-ID: <abc@x>\n\nbody line\n")
        self.assert_ok(reply)
        recs = self.queued(qid)
        types = "".join(t for t, _, _ in recs)
        self.assertRegex(types, r"^TSA+ML+XCAR E$".replace(" ", ""))
        hdrs = self.headers(recs)
        first = hdrs.split("\n")[0:3]
        self.assertEqual(first[0], "Received: from helo.example (client.example [127.0.0.1])")
        self.assertEqual(first[1], "\tby test.example (Postfix) with ESMTP id %s" % qid)
        self.assertRegex(first[2], r"^\tfor <bob@test\.example>; [A-Z][a-z]{2}, [ \d]\d [A-Z][a-z]{2} "
                                   r"\d{4} \d\d:\d\d:\d\d [+-]\d{4} \(\S+\)$")
        self.assertNotIn("Date:", hdrs)
        self.assertIn("Subject: hi", hdrs)
        self.assertEqual(self.body(recs), "body line\n")
        self.assertEqual(qfile.values(recs, "S"), ["sender@ext.example"])
        self.assertEqual(self.rcpts(recs), ["bob@test.example"])
        a = self.attrs(recs)
        self.assertEqual(a["client_addr"], "127.0.0.1")
        self.assertEqual(a["helo"], "helo.example")
        self.assertEqual(a["orig_rcpt"], "bob@test.example")
        size, off, n = qfile.values(recs, "C")[0].split()
        self.assertEqual(int(size), len(qfile.content(recs)))
        self.assertEqual(int(n), 1)
        m_off = [o for t, _, o in recs if t == "M"][0]
        first_l = [o for t, _, o in recs if t == "L"][0]
        self.assertEqual(int(off), first_l)
        self.assertGreater(first_l, m_off)
        self.inst.wait_log("%s: message-id=<abc@x>" % qid)

    def test_received_comments_from_the_client(self):
        tls = ("(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
               "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)")
        qid, reply = self.send("\nb\n", received_comment=tls, protocol="ESMTPSA")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid)).split("\n")
        self.assertEqual(hdrs[1], "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)")
        self.assertEqual(hdrs[2], "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)")
        self.assertEqual(hdrs[3], "\tby test.example (Postfix) with ESMTPSA id %s" % qid)
        env = smtpd_env() + [("received_comment", "(evil)\nX-Injected: yes")]
        qid, reply = self.send("\nb\n", env=env)
        self.assert_ok(reply)
        self.assertNotIn("X-Injected", self.headers(self.queued(qid)))

    def test_local_origin_adds_missing_headers(self):
        qid, reply = self.send("Subject: hi\n\nbody\n", ctx="local")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        m = re.search(r"^Message-Id: <(\d{14})\.%s@test\.example>$" % qid, hdrs, re.M)
        self.assertTrue(m, hdrs)
        self.assertRegex(hdrs, r"(?m)^Date: [A-Z][a-z]{2}, [ \d]\d [A-Z][a-z]{2} \d{4} ")
        self.assertRegex(hdrs, r"(?m)^From: sender@ext\.example$")
        self.inst.wait_log("%s: message-id=<%s.%s@test.example>" % (qid, m.group(1), qid))

    def test_remote_origin_logs_empty_message_id(self):
        qid, reply = self.send("Subject: hi\n\nbody\n")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertNotIn("Message-Id:", hdrs)
        self.assertNotIn("From:", hdrs)
        self.inst.wait_log("%s: message-id=<>" % qid)

    def test_pickup_received_and_several_recipients(self):
        env = [("origin", "pickup"), ("sender", "alice"), ("uid", "1000"),
               ("rcpt", "bob@test.example"), ("rcpt", "carol@test.example")]
        qid, reply = self.send("Subject: x\n\nhello\n", env=env)
        self.assert_ok(reply)
        recs = self.queued(qid)
        hdrs = self.headers(recs).split("\n")
        self.assertEqual(hdrs[0], "Received: by test.example (Postfix, from userid 1000)")
        self.assertRegex(hdrs[1], r"^\tid %s; [A-Z][a-z]{2}, " % qid)
        self.assertEqual(qfile.values(recs, "S"), ["alice@test.example"])
        self.assertIn("From: alice@test.example", hdrs)
        self.assertEqual(self.rcpts(recs), ["bob@test.example", "carol@test.example"])

    def test_extract_recipients_from_headers(self):
        env = [("origin", "pickup"), ("sender", "alice"), ("uid", "0"), ("flags", "extract_recipients")]
        qid, reply = self.send("To: Bob <bob>, carol@test.example\nCc: dave@x.example\nBcc: eve@x.example\n"
                               "Subject: t\n\nbody\n", env=env)
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(self.rcpts(recs), ["bob@test.example", "carol@test.example", "dave@x.example",
                                            "eve@x.example"])
        hdrs = self.headers(recs)
        self.assertNotIn("Bcc", hdrs)
        self.assertIn("To: Bob <bob@test.example>, carol@test.example", hdrs)
        # with Resent- headers, only those count
        qid, reply = self.send("To: bob@test.example\nResent-To: frank@x.example\nResent-From: alice\n\nb\n",
                               env=env)
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(self.rcpts(recs), ["frank@x.example"])
        hdrs = self.headers(recs)
        self.assertRegex(hdrs, r"(?m)^Resent-Message-Id: <\d{14}\.%s@test\.example>$" % qid)
        self.assertRegex(hdrs, r"(?m)^Resent-Date: ")
        self.assertNotRegex(hdrs, r"(?m)^Message-Id:")
        self.inst.wait_log("%s: resent-message-id=<" % qid)

    def test_received_without_for_when_several_recipients(self):
        qid, reply = self.send("\nbody\n", rcpts=("a@test.example", "b@test.example"))
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid)).split("\n")
        self.assertEqual(hdrs[1], "\tby test.example (Postfix) with ESMTP id %s;" % qid)
        self.assertRegex(hdrs[2], r"^\t[A-Z][a-z]{2}, ")

    def test_return_path_and_content_length_dropped(self):
        qid, reply = self.send("Return-Path: <evil@x>\nContent-Length: 3\nSubject: s\n\nb\n")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertNotIn("Return-Path", hdrs)
        self.assertNotIn("Content-Length", hdrs)
        self.assertIn("Subject: s", hdrs)

    def test_dsn_and_attributes(self):
        env = smtpd_env(rcpts=()) + [("rcpt", "bob@test.example"), ("orcpt", "rfc822;bob@test.example"),
                                     ("notify", "SUCCESS,FAILURE"), ("dsn_envid", "E1"),
                                     ("dsn_ret", "HDRS"), ("sasl_username", "bob")]
        qid, reply = self.send("\nx\n", env=env)
        self.assert_ok(reply)
        recs = self.queued(qid)
        types = [t for t, _, _ in recs]
        i = types.index("R")
        self.assertEqual(types[i - 3:i + 1], ["O", "N", "A", "R"])
        self.assertEqual(qfile.values(recs, "O"), ["rfc822;bob@test.example"])
        self.assertEqual(qfile.values(recs, "N"), ["SUCCESS,FAILURE"])
        a = self.attrs(recs)
        self.assertEqual((a["dsn_envid"], a["dsn_ret"], a["sasl_username"]), ("E1", "HDRS", "bob"))

    def test_long_lines_are_split_into_pieces(self):
        long = "x" * 5000
        qid, reply = self.send("Subject: s\n\n%s\nshort\nnoeol" % long)
        self.assert_ok(reply)
        recs = self.queued(qid)
        pieces = [(t, len(d)) for t, d, _ in recs if t in "lL"]
        self.assertIn(("l", 2048), pieces)
        self.assertEqual(qfile.content(recs).decode().split("\n\n", 1)[1], long + "\nshort\nnoeol\n")

    def test_folded_header_kept(self):
        qid, reply = self.send("Subject: one\n two\n\tthree\nX-A: b\n\nbody\n")
        self.assert_ok(reply)
        self.assertIn("Subject: one\n two\n\tthree\nX-A: b", self.headers(self.queued(qid)))

    def test_non_header_line_ends_headers(self):
        qid, reply = self.send("Subject: one\nthis is not a header\nmore\n")
        self.assert_ok(reply)
        text = qfile.content(self.queued(qid)).decode()
        # real Postfix 3.7 writes the empty separator line before such a body line
        self.assertTrue(text.endswith("Subject: one\n\nthis is not a header\nmore\n"), text)

    def test_no_recipients_rejected(self):
        qid, reply = self.send("\nx\n", rcpts=())
        self.assertEqual((reply["status"], reply["code"], reply["dsn"]), ("5", "550", "5.1.0"))
        self.assertEqual(self.listing()["incoming"], [])


class TestAbort(CleanupBase):
    def incoming(self):
        return os.listdir(os.path.join(self.inst.spool, "incoming"))

    def test_close_before_end_chunk_leaves_nothing(self):
        c = CleanupClient(self.inst)
        c.envelope(smtpd_env())
        c.chunk("Subject: x\n\npartial body\n")
        wait_for(lambda: self.incoming(), 5, what="temporary file")
        c.close()
        wait_for(lambda: not self.incoming(), 10, what="temporary file removed")

    def test_close_after_greeting_leaves_nothing(self):
        c = CleanupClient(self.inst)
        c.close()
        wait_for(lambda: not self.incoming(), 10, what="temporary file removed")

    def test_kill_9_mid_message_leaves_no_committed_file(self):
        c = CleanupClient(self.inst)
        c.envelope(smtpd_env())
        c.chunk("Subject: x\n\n" + "line\n" * 1000)
        wait_for(lambda: self.incoming(), 5, what="temporary file")
        # only this instance's cleanup (its daemon_directory is private to the test)
        pids = [p for p in pctest.pids_of(os.path.join(self.inst.daemon_dir, "cleanup"))
                if p != os.getpid()]
        self.assertTrue(pids, "no cleanup process found")
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        with self.assertRaises((EOFError, OSError)):
            c.finish()
        c.close()
        committed = [n for n in self.incoming() if ID_RE.match(n)]
        self.assertEqual(committed, [])
        # a new process takes the next client
        qid, reply = self.send("\nafter\n")
        self.assert_ok(reply)

    def test_garbage_envelope(self):
        c = CleanupClient(self.inst)
        c.f.write(b"this is not an attribute list\n\n")
        c.f.flush()
        c.sock.settimeout(5)
        data = c.f.read()
        c.close()
        self.assertEqual(data, b"")
        wait_for(lambda: not self.incoming(), 10, what="temporary file removed")


class TestLimits(CleanupBase):
    main_cf = "header_size_limit = 1000\nmessage_size_limit = 20000\n"

    def test_header_size_limit_truncates(self):
        big = "X-Big: " + "a" * 900 + "\n" + "".join("\t" + "b" * 70 + "\n" for _ in range(20))
        qid, reply = self.send("Subject: s\n" + big + "X-After: yes\n\nbody\n")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        xbig = re.search(r"(?ms)^X-Big: .*?(?=^X-After)", hdrs).group(0)
        self.assertLessEqual(len(xbig), 1001)
        self.assertIn("X-After: yes", hdrs)
        self.inst.wait_log("%s: header X-Big: message header length exceeds safety limit" % qid)

    def test_hopcount_limit(self):
        hops = "".join("Received: from h%d by x; Wed, 2 Dec 2026 18:00:00 +0000\n" % i for i in range(49))
        qid, reply = self.send(hops + "Subject: loop\n\nbody\n")
        self.assertEqual((reply["status"], reply["code"], reply["dsn"], reply["reason"]),
                         ("5", "554", "5.4.0", "Error: too many hops"))
        self.assertEqual(self.listing()["incoming"], [])
        self.inst.wait_log("%s: reject: header Received: from h48" % qid)
        hops = "".join("Received: from h%d by x\n" % i for i in range(48))
        qid, reply = self.send(hops + "\nbody\n")
        self.assert_ok(reply)

    def test_message_size_limit(self):
        qid, reply = self.send("Subject: s\n\n" + ("y" * 99 + "\n") * 300)
        self.assertEqual((reply["status"], reply["code"], reply["dsn"]), ("5", "552", "5.3.4"))
        self.assertEqual(self.listing()["incoming"], [])



class TestHostileClients(CleanupBase):
    main_cf = "ipc_timeout = 2s\nmessage_size_limit = 0\nheader_size_limit = 10000\n"

    def incoming(self):
        return os.listdir(os.path.join(self.inst.spool, "incoming"))

    def test_silent_client_times_out(self):
        c = CleanupClient(self.inst)
        c.envelope(smtpd_env())
        c.chunk("Subject: x\n\nstalled")
        t0 = time.monotonic()
        c.sock.settimeout(10)
        data = c.f.read()
        c.close()
        self.assertEqual(data, b"")
        self.assertLess(time.monotonic() - t0, 8)
        wait_for(lambda: not self.incoming(), 10, what="temporary file removed")

    def test_bad_chunk_header(self):
        for junk in (b"99999999999\n", b"abc\n", b"-5\n", b"70000\n" + b"x" * 70000):
            c = CleanupClient(self.inst)
            c.envelope(smtpd_env())
            try:
                c.f.write(junk)
                c.f.flush()
                data = c.f.read()
            except ConnectionResetError:   # closed with our bytes unread
                data = b""
            c.close()
            self.assertEqual(data, b"", junk[:20])
        wait_for(lambda: not self.incoming(), 10, what="temporary files removed")

    def test_large_message_streams_in_bounded_memory(self):
        c = CleanupClient(self.inst)
        pids = pctest.pids_of(os.path.join(self.inst.daemon_dir, "cleanup"))
        self.assertEqual(len(pids), 1, pids)
        c.envelope(smtpd_env())
        folded = "X-Huge: start\n" + "\tfold\n" * 200000          # one 1.2 MB header
        c.chunk("Subject: big\n" + folded + "\n")
        line = b"z" * (8 * 1024 * 1024)                               # one 8 MiB line
        c.chunk(line + b"\n")
        short = b"0123456789abcdef0123456789abcdef0123456789abcde\n"  # 48 bytes
        for _ in range(16):                                           # 16 MiB of short lines
            c.chunk(short * 22000)
        reply = c.finish()
        c.close()
        self.assert_ok(reply)
        with open("/proc/%d/status" % pids[0]) as f:
            hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
        self.assertLess(hwm, 24 * 1024, "cleanup used %d kB" % hwm)
        recs = self.queued(c.queue_id)
        hdr = [d for t, d, _ in recs if t in "lL" and d.startswith(b"X-Huge")]
        self.assertTrue(hdr)
        size = int(qfile.values(recs, "C")[0].split()[0])
        self.assertGreater(size, 8 * 1024 * 1024 + 16 * 22000 * 48)

    def test_no_header_injection_through_client_attributes(self):
        qid, reply = self.send("\nb\n", helo="evil\nX-Injected: 1", client_name="n\r\nX-Two: 2",
                               full_name="x\nX-Three: 3", ctx="local")
        self.assert_ok(reply)
        recs = self.queued(qid)
        hdrs = self.headers(recs)
        self.assertNotRegex(hdrs, r"(?m)^X-(Injected|Two|Three)")
        self.assertIn("Received: from evil?X-Injected: 1 (n??X-Two: 2 [127.0.0.1])", hdrs)
        self.assertNotIn("helo", self.attrs(recs))
        self.inst.wait_log("%s: ignoring malformed helo attribute" % qid)

    def test_control_characters_in_addresses_rejected(self):
        qid, reply = self.send("\nb\n", sender="a\nb@x")
        self.assertEqual((reply["status"], reply["code"]), ("4", "451"))
        qid, reply = self.send("\nb\n", rcpts=("ok@test.example", "bad\x01@x"))
        self.assert_ok(reply)
        self.assertEqual(self.rcpts(self.queued(qid)), ["ok@test.example"])



class TestAlwaysAdd(CleanupBase):
    main_cf = "always_add_missing_headers = yes\nundisclosed_recipients_header = To: undisclosed-recipients:;\n"

    def test_remote_mail_gets_missing_headers_with_always_add(self):
        qid, reply = self.send("Subject: s\n\nb\n", sender="")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertRegex(hdrs, r"(?m)^Message-Id: <\d{14}\.%s@test\.example>$" % qid)
        self.assertIn("\nFrom: MAILER-DAEMON\n", hdrs + "\n")
        self.assertIn("\nTo: undisclosed-recipients:;", hdrs)
        qid, reply = self.send("Cc: x@y.example\n\nb\n")
        self.assert_ok(reply)
        self.assertNotIn("undisclosed", self.headers(self.queued(qid)))


class TestBodyChecksSizeLimit(CleanupBase):
    def prepare(self):
        bc = self.table("body.pcre", "/^forbidden/ REJECT\n")
        self.inst.write_main_cf("body_checks = pcre:%s\nbody_checks_size_limit = 100\n" % bc)

    def test_only_the_first_bytes_of_a_part_are_checked(self):
        qid, reply = self.send("\n" + "x" * 120 + "\nforbidden\n")
        self.assert_ok(reply)
        qid, reply = self.send("\nshort\nforbidden\n")
        self.assertEqual(reply["status"], "5")
        mime = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n" + "x" * 120 +
                "\n--B\n\nforbidden\n--B--\n")
        qid, reply = self.send(mime)
        self.assertEqual(reply["status"], "5")   # the limit is per part


HEADER_CHECKS = r"""
/^Subject: reject me/ REJECT
/^Subject: reject text/ REJECT 5.7.0 go away
/^Subject: reject4/ REJECT 4.7.2 try later
/^Subject: defer me/ DEFER
/^Subject: warn me/ WARN watch out
/^Subject: info me/ INFO fyi
/^Subject: ignore me/ IGNORE
/^X-Drop:/ IGNORE
/^From:.*$/ REPLACE From: mail@mydomain.local
/^Subject: prepend me/ PREPEND X-Prepended: yes
/^Subject: hold me/ HOLD held
/^Subject: discard me/ DISCARD dropped
/^Subject: redirect me/ REDIRECT other@test.example
/^Subject: bcc me/ BCC copy@test.example
/^Subject: dunno me/ DUNNO
/^Subject: ok me/ OK
/^Subject: unknown me/ FROBNICATE
/^Subject: bad replace/ REPLACE not a header
"""

BODY_CHECKS = r"""
/^reject body/ REJECT body bad
/^replace body/ REPLACE replaced line
/^ignore body/ IGNORE
/^warn body/ WARN body warning
"""


class TestChecks(CleanupBase):
    def prepare(self):
        hc = self.table("header_checks.pcre", HEADER_CHECKS)
        bc = self.table("body_checks.pcre", BODY_CHECKS)
        mc = self.table("mime_checks.pcre", "/^Content-Type: application\\/x-evil/ REJECT evil attachment\n")
        nc = self.table("nested_checks.pcre", "/^Subject: nested bad/ REJECT nested\n")
        self.inst.write_main_cf("header_checks = pcre:%s\nbody_checks = pcre:%s\n"
                                "mime_header_checks = pcre:%s\nnested_header_checks = pcre:%s\n"
                                % (hc, bc, mc, nc))

    ORIGIN = ("from client.example[127.0.0.1]; from=<sender@ext.example> to=<bob@test.example> "
              "proto=ESMTP helo=<helo.example>")

    def msg(self, subject, body="body\n", extra=""):
        return "Subject: %s\n%s\n%s" % (subject, extra, body)

    def reject(self, subject, status, code, dsn, reason, logged):
        qid, reply = self.send(self.msg(subject))
        self.assertEqual((reply["status"], reply["code"], reply["dsn"], reply["reason"]),
                         (status, code, dsn, reason))
        self.assertEqual(self.listing()["incoming"], [])
        self.inst.wait_log("%s: reject: header Subject: %s %s: %s" % (qid, subject, self.ORIGIN, logged))

    def test_reject(self):
        self.reject("reject me", "5", "550", "5.7.1", "message content rejected",
                    "5.7.1 message content rejected")

    def test_reject_with_text_and_code(self):
        self.reject("reject text", "5", "550", "5.7.0", "go away", "5.7.0 go away")

    def test_reject_with_4xx_code_defers(self):
        self.reject("reject4", "4", "451", "4.7.2", "try later", "4.7.2 try later")

    def test_defer(self):
        self.reject("defer me", "4", "451", "4.7.1", "service unavailable", "4.7.1 service unavailable")

    def test_warn_and_info_are_logged_and_queued(self):
        qid, reply = self.send(self.msg("warn me"))
        self.assert_ok(reply)
        self.queued(qid)
        self.inst.wait_log("%s: warning: header Subject: warn me %s: watch out" % (qid, self.ORIGIN))
        qid, reply = self.send(self.msg("info me"))
        self.assert_ok(reply)
        self.inst.wait_log("%s: info: header Subject: info me %s: fyi" % (qid, self.ORIGIN))

    def test_ignore(self):
        qid, reply = self.send(self.msg("ignore me", extra="X-Drop: yes\n X-folded: too\nX-Keep: 1\n"))
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertNotIn("ignore me", hdrs)
        self.assertNotIn("X-Drop", hdrs)
        self.assertNotIn("X-folded", hdrs)
        self.assertIn("X-Keep: 1", hdrs)

    def test_replace_from_pcre_table(self):
        qid, reply = self.send(self.msg("plain", extra="From: App <app@localhost>\n"))
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertIn("\nFrom: mail@mydomain.local\n", hdrs + "\n")
        self.assertNotIn("app@localhost", hdrs)
        self.inst.wait_log("%s: replace: header From: App <app@localhost> %s: From: mail@mydomain.local"
                           % (qid, self.ORIGIN))

    def test_prepend(self):
        qid, reply = self.send(self.msg("prepend me"))
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertIn("X-Prepended: yes\nSubject: prepend me", hdrs)
        self.inst.wait_log("%s: prepend: header Subject: prepend me %s: X-Prepended: yes" % (qid, self.ORIGIN))

    def test_hold_commits_into_hold_queue(self):
        qid, reply = self.send(self.msg("hold me"))
        self.assert_ok(reply)
        self.assertEqual(self.listing()["incoming"], [])
        recs = self.queued(qid, "hold")
        self.assertEqual(self.rcpts(recs), ["bob@test.example"])
        self.inst.wait_log("%s: hold: header Subject: hold me %s: held" % (qid, self.ORIGIN))

    def test_discard(self):
        qid, reply = self.send(self.msg("discard me"))
        self.assert_ok(reply)
        self.assertEqual(self.listing(), {"incoming": [], "hold": []})
        self.inst.wait_log("%s: discard: header Subject: discard me %s: dropped" % (qid, self.ORIGIN))

    def test_redirect_replaces_recipients(self):
        qid, reply = self.send(self.msg("redirect me"), rcpts=("bob@test.example", "carol@test.example"))
        self.assert_ok(reply)
        self.assertEqual(self.rcpts(self.queued(qid)), ["other@test.example"])
        self.inst.wait_log("%s: redirect: header Subject: redirect me %s: other@test.example" % (qid, self.ORIGIN))

    def test_bcc_adds_recipient(self):
        qid, reply = self.send(self.msg("bcc me"))
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(self.rcpts(recs), ["bob@test.example", "copy@test.example"])
        self.assertEqual(qfile.values(recs, "N"), ["NEVER"])

    def test_internal_mail_is_not_inspected(self):
        for origin in ("local", "bounce"):
            env = [("origin", origin), ("sender", ""), ("rcpt", "bob@test.example")]
            qid, reply = self.send(self.msg("reject me", body="reject body\n"), env=env)
            self.assert_ok(reply)
            self.assertIn("Subject: reject me", self.headers(self.queued(qid)))

    def test_dunno_ok_unknown_and_bad_replace_keep_the_header(self):
        for subj in ("dunno me", "ok me", "unknown me", "bad replace"):
            qid, reply = self.send(self.msg(subj))
            self.assert_ok(reply)
            self.assertIn("Subject: " + subj, self.headers(self.queued(qid)))
        self.inst.wait_log("warning: unknown command in header_checks map: FROBNICATE")
        self.inst.wait_log('warning: bad REPLACE header text "not a header" in header_checks map'
                           ' -- need "headername: headervalue"')

    def test_body_checks(self):
        qid, reply = self.send(self.msg("plain", body="line one\nreject body now\n"))
        self.assertEqual((reply["status"], reply["code"], reply["dsn"], reply["reason"]),
                         ("5", "550", "5.7.1", "body bad"))
        self.inst.wait_log("%s: reject: body reject body now %s: 5.7.1 body bad" % (qid, self.ORIGIN))
        qid, reply = self.send(self.msg("plain", body="replace body x\nignore body y\nwarn body z\nkeep\n"))
        self.assert_ok(reply)
        self.assertEqual(self.body(self.queued(qid)), "replaced line\nwarn body z\nkeep\n")
        self.inst.wait_log("%s: warning: body warn body z %s: body warning" % (qid, self.ORIGIN))

    def test_mime_and_nested_header_checks(self):
        mime = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\npreamble\n"
                "--XX\nContent-Type: text/plain\n\nhello in part\n"
                "--XX\nContent-Type: application/x-evil\n\nAAAA\n--XX--\n")
        qid, reply = self.send("Subject: m\n" + mime)
        self.assertEqual((reply["status"], reply["reason"]), ("5", "evil attachment"))
        self.inst.wait_log("%s: reject: header Content-Type: application/x-evil %s" % (qid, self.ORIGIN))
        nested = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=YY\n\n"
                  "--YY\nContent-Type: message/rfc822\n\nFrom: x@y\nSubject: nested bad\n\ninner\n--YY--\n")
        qid, reply = self.send("Subject: n\n" + nested)
        self.assertEqual((reply["status"], reply["reason"]), ("5", "nested"))
        # the same Subject in a MIME part is not a nested message header, and a
        # Subject: reject me there is not a primary header either
        part = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=ZZ\n\n"
                "--ZZ\nSubject: reject me\nContent-Type: text/plain\n\nx\n--ZZ--\nreject body after\n")
        qid, reply = self.send("Subject: p\n" + part)
        self.assertEqual(reply["status"], "5")  # the epilogue line is a body line
        part = part.replace("reject body after", "epilogue")
        qid, reply = self.send("Subject: p\n" + part)
        self.assert_ok(reply)
        self.assertIn("Subject: reject me", self.body(self.queued(qid)))


class TestCanonical(CleanupBase):
    def prepare(self):
        sc = self.table("sender_canonical", "/.*/ mail@mydomain.local\nalice@test.example alice.smith@test.example\n",
                        postmap=True)
        rc = self.table("recipient_canonical", "bob@test.example robert@test.example\n@old.example @new.example\n"
                                               "carol carol.c@test.example\n", postmap=True)
        cc = self.table("canonical.pcre", "/^(.*)@legacy\\.example$/ ${1}@modern.example\n")
        self.inst.write_main_cf("sender_canonical_maps = hash:%s\nrecipient_canonical_maps = hash:%s\n"
                                "canonical_maps = pcre:%s\nmasquerade_domains = !keep.example.org, example.org\n"
                                "masquerade_exceptions = root\nrecipient_delimiter = +\n" % (sc, rc, cc))

    def test_bare_user_key_only_for_local_domains_and_extensions_propagate(self):
        qid, reply = self.send("\nb\n", rcpts=("carol@test.example", "carol+tag@test.example",
                                                "carol@elsewhere.example", "bob+x@test.example"))
        self.assert_ok(reply)
        self.assertEqual(self.rcpts(self.queued(qid)), ["carol.c@test.example", "carol.c+tag@test.example",
                                                        "carol@elsewhere.example", "robert+x@test.example"])

    def test_literal_regex_key_in_hash_table_matches_nothing(self):
        qid, reply = self.send("Subject: s\n\nb\n", sender="someone@ext.example")
        self.assert_ok(reply)
        self.assertEqual(qfile.values(self.queued(qid), "S"), ["someone@ext.example"])

    def test_envelope_sender_and_recipient_canonical(self):
        qid, reply = self.send("\nb\n", sender="alice@test.example",
                               rcpts=("bob@test.example", "joe@old.example", "x@legacy.example"))
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(qfile.values(recs, "S"), ["alice.smith@test.example"])
        self.assertEqual(self.rcpts(recs), ["robert@test.example", "joe@new.example", "x@modern.example"])
        origs = [v.split("=", 1)[1] for v in qfile.values(recs, "A") if v.startswith("orig_rcpt=")]
        self.assertEqual(origs, ["bob@test.example", "joe@old.example", "x@legacy.example"])

    def test_header_rewriting_only_in_local_context(self):
        content = ("From: Alice <alice@test.example>\nTo: \"Bob B\" <bob@test.example>, x@legacy.example (X)\n"
                   "Cc: undisclosed-recipients:;\nSubject: s\n\nb\n")
        qid, reply = self.send(content, ctx="local")
        self.assert_ok(reply)
        hdrs = self.headers(self.queued(qid))
        self.assertIn("From: Alice <alice.smith@test.example>", hdrs)
        self.assertIn("To: \"Bob B\" <robert@test.example>, x@modern.example (X)", hdrs)
        self.assertIn("Cc: undisclosed-recipients:;", hdrs)
        qid, reply = self.send(content, ctx="remote")
        self.assert_ok(reply)
        self.assertIn("From: Alice <alice@test.example>", self.headers(self.queued(qid)))

    def test_bare_header_address_gets_myorigin(self):
        qid, reply = self.send("To: root, \"john doe\"@legacy.example\n\nb\n", ctx="local")
        self.assert_ok(reply)
        self.assertIn("To: root@test.example, \"john doe\"@modern.example", self.headers(self.queued(qid)))

    def test_masquerade(self):
        qid, reply = self.send("From: u@host.sub.example.org, root@h.example.org, k@keep.example.org\n\nb\n",
                               sender="u@mx.example.org", ctx="local")
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(qfile.values(recs, "S"), ["u@example.org"])
        self.assertIn("From: u@example.org, root@h.example.org, k@keep.example.org", self.headers(recs))


class TestCanonicalPcreSeed(CleanupBase):
    """The seed's intent done with a regular expression table: every sender rewritten."""

    def prepare(self):
        sc = self.table("sender_canonical.pcre", "/.*/ mail@mydomain.local\n")
        self.inst.write_main_cf("sender_canonical_maps = pcre:%s\n" % sc)

    def test_every_sender_rewritten(self):
        qid, reply = self.send("From: app@localhost\n\nb\n", sender="app@localhost", ctx="local")
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(qfile.values(recs, "S"), ["mail@mydomain.local"])
        self.assertIn("From: mail@mydomain.local", self.headers(recs))
        qid, reply = self.send("\nb\n", sender="")
        self.assert_ok(reply)
        self.assertEqual(qfile.values(self.queued(qid), "S"), [""])


class TestCharacters(CleanupBase):
    main_cf = "message_reject_characters = \\007\nmessage_strip_characters = \\t#\n"

    def test_reject_strip_and_stray_cr(self):
        qid, reply = self.send("Subject: s\n\nbell \x07 here\n")
        self.assertEqual((reply["status"], reply["code"], reply["dsn"], reply["reason"]),
                         ("5", "550", "5.7.1", "disallowed character"))
        self.inst.wait_log("%s: reject: content bell ? here from client.example[127.0.0.1];" % qid)
        qid, reply = self.send("Subject: a#b\n\nx\ty#z\ncr\rin line\n")
        self.assert_ok(reply)
        text = qfile.content(self.queued(qid)).decode()
        self.assertIn("Subject: ab\n", text)
        self.assertTrue(text.endswith("\n\nxyz\ncr in line\n"), text)


class TestAutoBcc(CleanupBase):
    def prepare(self):
        sb = self.table("sender_bcc", "boss@test.example audit-boss@test.example\n", postmap=True)
        rb = self.table("recipient_bcc", "@test.example rcpt-copy@archive.example\n", postmap=True)
        self.inst.write_main_cf("always_bcc = everything\nsender_bcc_maps = hash:%s\n"
                                "recipient_bcc_maps = hash:%s\n" % (sb, rb))

    def test_automatic_bcc(self):
        qid, reply = self.send("\nb\n", sender="boss@test.example", rcpts=("bob@test.example", "x@far.example"))
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(self.rcpts(recs), ["bob@test.example", "x@far.example", "rcpt-copy@archive.example",
                                            "audit-boss@test.example", "everything@test.example"])
        self.assertEqual(qfile.values(recs, "N"), ["NEVER"] * 3)

    def test_no_automatic_bcc_for_forwarded_mail(self):
        env = [("origin", "local"), ("sender", "boss@test.example"), ("rcpt", "bob@test.example")]
        qid, reply = self.send("\nb\n", env=env)
        self.assert_ok(reply)
        self.assertEqual(self.rcpts(self.queued(qid)), ["bob@test.example"])


class TestVirtual(CleanupBase):
    def prepare(self):
        big = ", ".join("m%d@test.example" % i for i in range(12))
        v = self.table("virtual", "list@test.example a@test.example, b@test.example\n"
                                  "self@test.example self@test.example, copy@test.example\n"
                                  "loop1@test.example loop2@test.example\n"
                                  "loop2@test.example loop1@test.example\n"
                                  "chain@test.example list@test.example\n"
                                  "big@test.example %s\n"
                                  "@catch.example catchall@test.example\n" % big, postmap=True)
        self.inst.write_main_cf("virtual_alias_maps = hash:%s\nvirtual_alias_recursion_limit = 5\n"
                                "virtual_alias_expansion_limit = 10\n" % v)

    def origs(self, recs):
        return [v.split("=", 1)[1] for v in qfile.values(recs, "A") if v.startswith("orig_rcpt=")]

    def test_expansion(self):
        qid, reply = self.send("\nb\n", rcpts=("chain@test.example", "x@catch.example", "plain@test.example"))
        self.assert_ok(reply)
        recs = self.queued(qid)
        self.assertEqual(self.rcpts(recs), ["a@test.example", "b@test.example", "catchall@test.example",
                                            "plain@test.example"])
        self.assertEqual(self.origs(recs), ["chain@test.example", "chain@test.example", "x@catch.example",
                                            "plain@test.example"])
        self.assertEqual(qfile.values(recs, "C")[0].split()[2], "4")

    def test_self_reference_is_kept_once(self):
        qid, reply = self.send("\nb\n", rcpts=("self@test.example", "self@test.example"))
        self.assert_ok(reply)
        self.assertEqual(self.rcpts(self.queued(qid)), ["self@test.example", "copy@test.example"])

    def test_loop_defers_at_recursion_limit(self):
        qid, reply = self.send("\nb\n", rcpts=("loop1@test.example",))
        self.assertEqual((reply["status"], reply["code"], reply["dsn"]), ("4", "451", "4.3.0"))
        self.assertEqual(self.listing()["incoming"], [])
        self.inst.wait_log("%s: unreasonable virtual_alias_maps map nesting for loop1@test.example"
                           " -- message not accepted, try again later" % qid)

    def test_expansion_limit(self):
        qid, reply = self.send("\nb\n", rcpts=("big@test.example",))
        self.assertEqual((reply["status"], reply["dsn"]), ("4", "4.3.0"))
        self.inst.wait_log("%s: unreasonable virtual_alias_maps map expansion size for big@test.example" % qid)


class TestMapErrors(CleanupBase):
    main_cf = ("virtual_alias_maps = hash:/nonexistent/virtual\n")

    def test_missing_table_defers(self):
        qid, reply = self.send("\nb\n")
        self.assertEqual((reply["status"], reply["code"], reply["dsn"], reply["reason"]),
                         ("4", "451", "4.3.0", "Error: queue file write error"))
        self.assertEqual(self.listing()["incoming"], [])
        log = self.inst.wait_log("virtual_alias_maps map lookup problem for bob@test.example")
        self.assertIn("warning: hash:/nonexistent/virtual is unavailable.", log)


class TestHeaderCheckErrors(CleanupBase):
    main_cf = "header_checks = fail:broken\n"

    def test_header_checks_error_defers(self):
        qid, reply = self.send("Subject: s\n\nb\n")
        self.assertEqual((reply["status"], reply["dsn"]), ("4", "4.3.0"))
        self.inst.wait_log("%s: header_checks map lookup problem -- message not accepted, try again later" % qid)


if __name__ == "__main__":
    unittest.main()
