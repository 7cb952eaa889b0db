"""The mail path end to end (issue 4): real SMTP clients -> smtpd -> cleanup ->
queue -> qmgr -> local -> the recipient's Maildir, as root (daemons drop to
the postfix user, local switches to the recipient), with crashes in the
middle and deferrals."""
import email
import os
import signal
import smtplib
import shutil
import subprocess
import threading
import time
import unittest

import pctest
from pctest import Instance, free_port, wait_for, make_user, remove_user, count_maildir


def read_new(home):
    d = os.path.join(home, "Maildir", "new")
    out = []
    for n in sorted(os.listdir(d)):
        with open(os.path.join(d, n), "rb") as f:
            out.append((n, f.read()))
    return out


class MailPath(unittest.TestCase):
    extra = ""

    def setUp(self):
        if os.geteuid() != 0:
            self.fail("needs root (local switches to the recipient's uid)")
        self.port = free_port()
        self.inst = Instance(main_cf_extra="mydestination = localhost, $myhostname\n"
                                           "home_mailbox = Maildir/\n"
                                           "alias_maps =\nalias_database =\n"
                                           "mynetworks = 127.0.0.0/8\n" + self.extra,
                             master_cf=pctest.MAIL_MASTER_CF % {"smtpd": "127.0.0.1:%d" % self.port})
        self.addCleanup(self.inst.stop)
        self.user, self.home, self.uid, self.gid = make_user(self.inst.root)
        self.addCleanup(remove_user, self.user)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        pctest.wait_port(self.port)
        self.rcpt = "%s@localhost" % self.user

    def smtp(self):
        return smtplib.SMTP("127.0.0.1", self.port, timeout=20)

    def wait_delivered(self, n, timeout=30):
        wait_for(lambda: count_maildir(self.home) >= n, timeout,
                 what="%d messages in %s/Maildir/new (log:\n%s)" % (n, self.home, self.inst.log()[-3000:]))


class TestDelivery(MailPath):
    def test_smtplib_to_maildir(self):
        with self.smtp() as s:
            s.sendmail("sender@example.org", [self.rcpt],
                       b"Subject: hello\r\nFrom: sender@example.org\r\n\r\nbody line\r\n.dot line\r\n")
        self.wait_delivered(1)
        name, data = read_new(self.home)[0]
        st = os.stat(os.path.join(self.home, "Maildir", "new", name))
        self.assertEqual((st.st_uid, st.st_gid), (self.uid, self.gid))
        msg = email.message_from_bytes(data)
        self.assertEqual(msg["Return-Path"], "<sender@example.org>")
        self.assertEqual(msg["Delivered-To"], self.rcpt)
        self.assertIn("by test.example (Postfix) with ESMTP id", msg["Received"])
        self.assertIn(b"\n.dot line\n", data)
        log = self.inst.wait_log("status=sent (delivered to maildir)")
        qid = [l for l in log.splitlines() if "client=localhost[127.0.0.1]" in l or "client=unknown[127.0.0.1]" in l]
        self.assertTrue(qid, log)
        qid = qid[0].split(": ")[1]
        for shape in ("postfix/cleanup[", "%s: message-id=<" % qid, "%s: from=<sender@example.org>, size=" % qid,
                      "nrcpt=1 (queue active)", "%s: to=<%s>, relay=local, delay=" % (qid, self.rcpt),
                      "%s: removed" % qid):
            self.assertIn(shape, log)

    def test_swaks_and_curl(self):
        r = subprocess.run(["swaks", "--to", self.rcpt, "--from", "swaks@example.org",
                            "--server", "127.0.0.1:%d" % self.port, "--silent", "2"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        if shutil.which("curl") is None:
            self.fail("curl is not installed")
        msg = "From: curl@example.org\r\nSubject: via curl\r\n\r\nhi\r\n"
        r = subprocess.run(["curl", "-sS", "smtp://127.0.0.1:%d" % self.port, "--mail-from", "curl@example.org",
                            "--mail-rcpt", self.rcpt, "-T", "-"], input=msg, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.wait_delivered(2)

    def test_many_recipients_one_transaction(self):
        others = [make_user(self.inst.root) for _ in range(3)]
        for o in others:
            self.addCleanup(remove_user, o[0])
        rcpts = [self.rcpt] + ["%s@localhost" % o[0] for o in others]
        with self.smtp() as s:
            s.sendmail("sender@example.org", rcpts, b"Subject: many\r\n\r\nx\r\n")
        for home in [self.home] + [o[1] for o in others]:
            wait_for(lambda: count_maildir(home) == 1, 30, what="delivery to " + home)

    def test_unwritable_maildir_defers_then_succeeds(self):
        os.makedirs(os.path.join(self.home, "Maildir"))
        os.chmod(os.path.join(self.home, "Maildir"), 0o000)     # root-owned, the user cannot enter
        with self.smtp() as s:
            s.sendmail("sender@example.org", [self.rcpt], b"Subject: later\r\n\r\nx\r\n")
        self.inst.wait_log("status=deferred", timeout=30)
        shutil.rmtree(os.path.join(self.home, "Maildir"))
        self.inst.postfix("flush")
        self.wait_delivered(1, timeout=60)

    def test_unknown_user_is_rejected_at_rcpt(self):
        with self.smtp() as s:
            s.ehlo("client.example")
            s.mail("sender@example.org")
            code, text = s.rcpt("nosuchuser%d@localhost" % os.getpid())
            self.assertEqual(code, 550)
            self.assertIn(b"5.1.1", text)
            self.assertIn(b"User unknown in local recipient table", text)


class TestExpiry(MailPath):
    # mail for a transport that does not exist stays deferred and then expires
    extra = ("transport_maps = inline:{ nowhere.example=nosuchtransport: }\n"
             "relay_domains = nowhere.example\n"
             "maximal_queue_lifetime = 2s\nbounce_queue_lifetime = 2s\n"
             "minimal_backoff_time = 1s\nmaximal_backoff_time = 1s\nqueue_run_delay = 1s\n")

    def test_expired_mail_bounces_with_dsn(self):
        with self.smtp() as s:
            s.sendmail(self.rcpt, ["someone@nowhere.example"], b"Subject: doomed\r\n\r\nx\r\n")
        self.wait_delivered(1, timeout=60)      # the notification comes back to our user
        data = read_new(self.home)[0][1]
        msg = email.message_from_bytes(data)
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Return-Path"], "<>")
        parts = list(msg.walk())
        ds = [p for p in parts if p.get_content_type() == "message/delivery-status"]
        self.assertTrue(ds)
        text = ds[0].as_string()
        self.assertIn("Final-Recipient: rfc822; someone@nowhere.example", text)
        self.assertIn("Action: failed", text)
        self.assertRegex(text, r"Status: 4\.\d\.\d")
        log = self.inst.wait_log("status=expired, returned to sender")
        self.assertIn("sender non-delivery notification:", log)


class TestCrashes(MailPath):
    extra = "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\nqueue_run_delay = 1s\n"

    def test_kill_9_during_1000_messages_loses_nothing(self):
        total, acked, nxt = 1000, [], [0]
        lock = threading.Lock()

        def sender():
            while True:
                with lock:
                    if nxt[0] >= total:
                        return
                    tag = "m%d" % nxt[0]
                    nxt[0] += 1
                try:
                    with self.smtp() as s:
                        s.sendmail("sender@example.org", [self.rcpt],
                                   ("Subject: %s\r\nX-Tag: %s\r\n\r\nx\r\n" % (tag, tag)).encode())
                    with lock:
                        acked.append(tag)          # 250 received: must be delivered
                except (OSError, smtplib.SMTPException):
                    pass                           # not acknowledged: may be lost

        threads = [threading.Thread(target=sender) for _ in range(5)]
        for t in threads:
            t.start()
        victims = ["cleanup", "qmgr", "local", "cleanup", "local", "qmgr"]
        deadline = time.monotonic() + 240
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            time.sleep(0.4)
            if victims:
                v = victims.pop(0)
                for pid in pctest.pids_of(os.path.join(self.inst.daemon_dir, v) + " "):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        for t in threads:
            t.join(timeout=60)
        self.assertGreaterEqual(len(acked), total * 9 // 10)
        self.inst.postfix("flush")

        def tags():
            seen = {}
            d = os.path.join(self.home, "Maildir", "new")
            for n in os.listdir(d):
                with open(os.path.join(d, n), "rb") as f:
                    for line in f:
                        if line.startswith(b"X-Tag: "):
                            t = line[7:].strip().decode()
                            seen[t] = seen.get(t, 0) + 1
                            break
            return seen

        wait_for(lambda: set(acked) <= set(tags()), 120,
                 what="every acknowledged message delivered (missing %d)" % len(set(acked) - set(tags())))
        dups = {t: c for t, c in tags().items() if c > 1}
        if dups:
            print("duplicates after crashes (allowed, reported): %d" % len(dups))


if __name__ == "__main__":
    unittest.main()


class TestQueuedBeforeStart(MailPath):
    def setUp(self):
        super().setUp()
        self.inst.postfix("stop")
        wait_for(lambda: not self.inst.master_pid() or not pctest._alive(self.inst.master_pid()), 10,
                 what="master exit")

    def test_mail_queued_while_down_is_delivered_at_start(self):
        import qfile
        incoming = os.path.join(self.inst.spool, "incoming")
        path = os.path.join(incoming, "ABCDE12345")
        qfile.write(path, qfile.message("sender@example.org", [self.rcpt],
                                        "Subject: waiting\n\nqueued while stopped\n"))
        pw = __import__("pwd").getpwnam(pctest.mail_owner())
        os.chown(path, pw.pw_uid, pw.pw_gid)
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.wait_delivered(1, timeout=15)      # no trigger: qmgr's first wakeup comes at start
