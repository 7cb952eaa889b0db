"""Local submission end to end (issue 5), as root: sendmail -> postdrop ->
maildrop/ -> pickup -> cleanup -> qmgr -> local -> Maildir, with real clients
(bsd-mailx, mutt), plain users (uid, -f policy, authorized_submit_users), a
stopped mail system, corrupt maildrop files and requeued queue files.
Diagnostics are compared with real Postfix 3.7's, recorded in tests/data/submit
(record-real.sh)."""
import email
import os
import shutil
import socket
import subprocess
import threading
import time
import unittest

import pctest
import qfile
from pctest import Instance, free_port, wait_for, make_user, remove_user, count_maildir

SENDMAIL = pctest.sbin("sendmail")
POSTDROP = pctest.sbin("postdrop")
REAL = os.path.join(pctest.DATA, "submit")


def real(name):
    with open(os.path.join(REAL, "real-%s.err" % name)) as f:
        err = f.read()
    with open(os.path.join(REAL, "real-%s.rc" % name)) as f:
        return err, int(f.read())


def read_new(home):
    d = os.path.join(home, "Maildir", "new")
    out = []
    for n in sorted(os.listdir(d), key=lambda n: os.stat(os.path.join(d, n)).st_mtime):
        with open(os.path.join(d, n), "rb") as f:
            out.append(email.message_from_bytes(f.read()))
    return out


class Submit(unittest.TestCase):
    extra = ""
    start = True
    chroot_pickup = False

    def setUp(self):
        if os.geteuid() != 0:
            self.fail("needs root (plain users, local delivery as the recipient)")
        self.port = free_port()
        master_cf = pctest.MAIL_MASTER_CF % {"smtpd": "127.0.0.1:%d" % self.port}
        if self.chroot_pickup:      # the stock master.cf line
            master_cf = "\n".join("pickup    unix  n       -       y       60      1       pickup"
                                  if l.startswith("pickup ") else l for l in master_cf.splitlines()) + "\n"
        self.inst = Instance(main_cf_extra="mydestination = localhost, $myhostname\n"
                                           "home_mailbox = Maildir/\n"
                                           "alias_maps =\nalias_database =\n" + self.extra,
                             master_cf=master_cf + "showq unix n - n - - showq\nflush unix n - n 1000? 0 flush\n")
        self.addCleanup(self.inst.stop)
        self.user, self.home, self.uid, self.gid = make_user(self.inst.root)
        self.addCleanup(remove_user, self.user)
        if self.start:
            self.start_mail()

    def start_mail(self):
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def sendmail(self, *args, input="Subject: test\n\nbody\n", as_user=None, env=None):
        """Run our sendmail; stdout/stderr are text with CR LF kept (for -bs)."""
        e = dict(os.environ)
        e.update(env or {})
        kw = {}
        if as_user is not None:
            kw = {"user": as_user[0], "group": as_user[1], "extra_groups": []}
        r = subprocess.run([SENDMAIL, "-C", self.inst.etc] + list(args), input=input.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, timeout=30,
                           cwd="/", **kw)
        r.stdout = r.stdout.decode("utf-8", "replace")
        r.stderr = r.stderr.decode("utf-8", "replace")
        return r

    def kick_pickup(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(os.path.join(self.inst.spool, "public", "pickup"))
            s.sendall(b"W")

    def wait_delivered(self, home, n=1, timeout=30):
        wait_for(lambda: count_maildir(home) >= n, timeout,
                 what="%d messages in %s (log:\n%s)" % (n, home, self.inst.log()[-3000:]))

    def maildrop(self):
        return [n for n in os.listdir(os.path.join(self.inst.spool, "maildrop")) if not n.startswith(".")]

    def other_user(self):
        u = make_user(self.inst.root)
        self.addCleanup(remove_user, u[0])
        return u


class TestClients(Submit):
    def test_bsd_mailx(self):
        if shutil.which("bsd-mailx") is None:
            self.fail("bsd-mailx is not installed (scripts/deps.sh)")
        rc = os.path.join(self.inst.root, "mailrc")
        with open(rc, "w") as f:
            f.write("set sendmail=%s\n" % SENDMAIL)
        env = dict(os.environ, MAILRC=rc, MAIL_CONFIG=self.inst.etc, HOME=self.inst.root)
        r = subprocess.run(["bsd-mailx", "-s", "hello from mailx", self.user], input="mailx body\n",
                           text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.wait_delivered(self.home)
        msg = read_new(self.home)[0]
        self.assertEqual(msg["Subject"], "hello from mailx")
        self.assertIn("by test.example (Postfix, from userid 0)", msg["Received"])
        self.assertEqual(msg["Return-Path"], "<root@test.example>")
        self.assertIn("mailx body", msg.get_payload())

    def test_mutt_batch(self):
        if shutil.which("mutt") is None:
            self.fail("mutt is not installed (scripts/deps.sh)")
        env = dict(os.environ, MAIL_CONFIG=self.inst.etc, HOME=self.inst.root)
        r = subprocess.run(["mutt", "-F", "/dev/null", "-e", "set sendmail=\"%s\"" % SENDMAIL,
                            "-e", "set from=\"Mutt Sender <mutt@example.org>\"", "-e", "set use_from=yes",
                            "-s", "hello from mutt", "%s@localhost" % self.user],
                           input="mutt body\n", text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.wait_delivered(self.home)
        msg = read_new(self.home)[0]
        self.assertEqual(msg["Subject"], "hello from mutt")
        self.assertIn("mutt@example.org", msg["From"])
        self.assertIn("mutt body", msg.get_payload())


class TestModes(Submit):
    def test_extract_to_cc_bcc(self):
        cc, bcc = self.other_user(), self.other_user()
        text = ("From: root\nTo: %s@localhost\nCc: Someone <%s@localhost>\nBcc: %s@localhost\n"
                "Subject: three\n\nbody\n") % (self.user, cc[0], bcc[0])
        r = self.sendmail("-t", input=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        for home in (self.home, cc[1], bcc[1]):
            self.wait_delivered(home)
            msg = read_new(home)[0]
            self.assertIsNone(msg["Bcc"], "Bcc: header must be removed")
            self.assertEqual(msg["Subject"], "three")
            self.assertIn("Someone", msg["Cc"])

    def test_recipient_limit(self):
        r = self.sendmail(*["r%05d@remote.example" % i for i in range(10001)])
        self.assertEqual(r.returncode, 75)
        self.assertIn("postdrop: fatal: uid=0: too many recipients (at most 10000, 4194304 bytes)\n", r.stderr)
        self.assertEqual(self.maildrop(), [])

    def test_recipient_lists_on_the_command_line(self):
        a, b = self.other_user(), self.other_user()
        r = self.sendmail("Some One <%s@localhost>, %s@localhost (comment)" % (self.user, a[0]),
                          "group: \"%s\"@localhost;" % b[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        for home in (self.home, a[1], b[1]):
            self.wait_delivered(home)

    def test_extract_without_recipient_headers(self):
        err, rc = real("t-no-headers")
        r = self.sendmail("-t", input="Subject: x\n\nhi\n")
        self.assertEqual((r.stderr, r.returncode), (err, rc))
        self.assertEqual(self.maildrop(), [])

    def test_dot_ends_input_unless_i(self):
        r = self.sendmail(self.user, input="Subject: dot\n\nbefore\n.\nafter\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sendmail("-oi", self.user, input="Subject: dot-i\n\nbefore\n.\nafter\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(self.home, 2)
        msgs = {m["Subject"]: m.get_payload() for m in read_new(self.home)}
        self.assertEqual(msgs["dot"], "before\n")
        self.assertEqual(msgs["dot-i"], "before\n.\nafter\n")

    def test_headerless_crlf_and_long_lines(self):
        long = "y" * 10000
        r = self.sendmail("-F", "Full Name", self.user, input="From someone Sat Jan  1\r\njust a body\r\n%s\r\n" % long)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(self.home)
        d = os.path.join(self.home, "Maildir", "new")
        with open(os.path.join(d, os.listdir(d)[0]), "rb") as f:
            raw = f.read()
        msg = email.message_from_bytes(raw)
        self.assertEqual(msg["From"], "Full Name <root@test.example>")
        self.assertTrue(msg["Date"] and msg["Message-Id"], raw[:500])
        self.assertNotIn(b"\r", raw)
        self.assertNotIn(b"From someone", raw)
        self.assertIn(b"\n\njust a body\n" + long.encode() + b"\n", raw)

    def test_sender_option_by_root(self):
        r = self.sendmail("-f", "Bounce Handler <bounces@example.org>", self.user)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sendmail("-r", "<>", self.user)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(self.home, 2)
        paths = sorted(m["Return-Path"] for m in read_new(self.home))
        self.assertEqual(paths, ["<>", "<bounces@example.org>"])
        log = self.inst.wait_log("uid=0 from=<>")
        self.assertIn("uid=0 from=<bounces@example.org>", log)

    def test_smtp_mode(self):
        dialogue = ("EHLO client.example\r\nMAIL FROM:<smtp@example.org>\r\nRCPT TO:<%s@localhost>\r\n"
                    "DATA\r\nSubject: via -bs\r\n\r\n..dot\r\nline\r\n.\r\nRSET\r\nFOO\r\nRCPT TO:<x@y>\r\nQUIT\r\n"
                    % self.user)
        r = self.sendmail("-bs", input=dialogue)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.split("\r\n")
        self.assertEqual(lines[0], "220 test.example ESMTP Postfix")
        self.assertIn("250-test.example", lines)
        self.assertIn("250 8BITMIME", lines)
        self.assertIn("354 End data with <CR><LF>.<CR><LF>", lines)
        self.assertTrue([l for l in lines if l.startswith("250 2.0.0 Ok: queued as ")], lines)
        self.assertIn("502 5.5.2 Error: command not recognized", lines)
        self.assertIn("503 5.5.1 Error: need MAIL command", lines)
        self.assertEqual(lines[-2], "221 2.0.0 Bye")
        self.wait_delivered(self.home)
        msg = read_new(self.home)[0]
        self.assertEqual(msg["Return-Path"], "<smtp@example.org>")
        self.assertIn("from client.example (localhost [127.0.0.1])", msg["Received"])
        self.assertIn("by test.example (Postfix) with ESMTP id", msg["Received"])
        self.assertEqual(msg.get_payload(), ".dot\nline\n")

    def test_smtp_mode_timeout(self):
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("smtpd_timeout = 1s\n")
        p = subprocess.Popen([SENDMAIL, "-C", self.inst.etc, "-bs"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(("HELO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: slow\r\n" % self.user).encode())
        p.stdin.flush()
        killer = threading.Timer(20, p.kill)
        killer.start()
        out = p.stdout.read()      # stdin stays open: only the 1 s timeout ends the session
        killer.cancel()
        p.stdin.close()
        p.wait()
        self.assertTrue(out.endswith(b"421 4.4.2 test.example Error: timeout exceeded\r\n"), out)
        time.sleep(1.5)
        self.assertEqual(self.maildrop(), [])
        self.assertEqual(count_maildir(self.home), 0)

    def test_mailq_and_flush_modes(self):
        r = self.sendmail("-bp", input="")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "Mail queue is empty\n")
        r = self.sendmail("-q", input="")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_newaliases_mode(self):
        aliases = os.path.join(self.inst.etc, "aliases")
        with open(aliases, "w") as f:
            f.write("postmaster: root\n")
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("alias_database = hash:%s\n" % aliases)
        r = self.sendmail("-bi", input="")
        self.assertEqual(r.returncode, 0, r.stderr)
        r2 = pctest.run([pctest.sbin("postalias"), "-c", self.inst.etc, "-q", "postmaster", "hash:" + aliases])
        self.assertEqual(r2.stdout, "root\n", r2.stderr)


class TestPlainUser(Submit):
    def setUp(self):
        super().setUp()
        # a non-default config directory must be listed in the default main.cf
        # (Postfix's rule for unprivileged callers of the set-gid postdrop)
        self.default_cf = os.path.join(pctest.PREFIX, "etc", "postfix", "main.cf")
        with open(self.default_cf) as f:
            self.saved_cf = f.read()
        self.addCleanup(self.restore_cf)

    def restore_cf(self):
        with open(self.default_cf, "w") as f:
            f.write(self.saved_cf)

    def allow_config(self):
        with open(self.default_cf, "a") as f:
            f.write("\nalternate_config_directories = %s\n" % self.inst.etc)

    def test_unlisted_config_directory_is_refused(self):
        r = self.sendmail(self.user, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 75)
        self.assertEqual(r.stderr,
                         "sendmail: error: unauthorized configuration directory name: %s\n"
                         "sendmail: fatal: specify \"alternate_config_directories = %s\" or "
                         "\"multi_instance_directories = %s\" in %s/main.cf\n"
                         % (self.inst.etc, self.inst.etc, self.inst.etc, os.path.dirname(self.default_cf)))
        r = subprocess.run([POSTDROP, "-c", self.inst.etc], input=b"", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, user=self.uid, group=self.gid, extra_groups=[], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"postdrop: error: unauthorized configuration directory name", r.stderr)

    def test_user_submission_carries_uid(self):
        self.allow_config()
        other = self.other_user()
        r = self.sendmail("%s@localhost" % other[0], as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(other[1])
        msg = read_new(other[1])[0]
        self.assertEqual(msg["Return-Path"], "<%s@test.example>" % self.user)
        self.assertIn("by test.example (Postfix, from userid %d)" % self.uid, msg["Received"])
        self.assertIn("postfix/pickup[", self.inst.log())
        self.assertIn(": uid=%d from=<%s>" % (self.uid, self.user), self.inst.log())

    def test_user_sender_option_and_policy(self):
        self.allow_config()
        r = self.sendmail("-f", "list-owner@example.org", self.user, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 0, r.stderr)    # local_login_sender_maps = static:*
        self.wait_delivered(self.home)
        self.assertEqual(read_new(self.home)[0]["Return-Path"], "<list-owner@example.org>")
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("local_login_sender_maps = inline:{ %s=%s@test.example }\n" % (self.user, self.user))
        r = self.sendmail("-f", "list-owner@example.org", self.user, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 75)
        self.assertEqual(r.stderr, "sendmail: fatal: list-owner@example.org(%d): not authorized to use "
                                   "sender='list-owner@example.org'\n" % self.uid)
        r = self.sendmail("-f", "%s@test.example" % self.user, self.user, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_smtp_mode_by_user_is_not_trusted(self):
        self.allow_config()
        dialogue = ("HELO forged.example\r\nMAIL FROM:<u@example.org>\r\nRCPT TO:<%s@localhost>\r\n"
                    "DATA\r\nSubject: user -bs\r\n\r\nx\r\n.\r\nQUIT\r\n" % self.user)
        r = self.sendmail("-bs", input=dialogue, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("250 2.0.0 Ok: queued as ", r.stdout)
        self.wait_delivered(self.home)
        msg = read_new(self.home)[0]
        self.assertNotIn("forged.example", msg.as_string())
        self.assertIn("from userid %d" % self.uid, msg["Received"])

    def test_not_authorized_user(self):
        self.allow_config()
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("authorized_submit_users = !%s, static:anyone\n" % self.user)
        r = self.sendmail(self.user, as_user=(self.uid, self.gid))
        self.assertEqual(r.returncode, 75)
        self.assertEqual(r.stderr, "sendmail: fatal: User %s(%d) is not allowed to submit mail\n"
                         % (self.user, self.uid))
        # postdrop checks the list too (a user can run it directly)
        r = subprocess.run([POSTDROP, "-c", self.inst.etc], input=b"", stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, user=self.uid, group=self.gid, extra_groups=[], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode(), "postdrop: fatal: User %s(%d) is not allowed to submit mail\n"
                         % (self.user, self.uid))
        self.assertEqual(self.maildrop(), [])
        r = self.sendmail(self.user)        # root still may
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_user_cannot_read_maildrop(self):
        self.allow_config()
        self.inst.postfix("stop")
        r = self.sendmail(self.user, as_user=(self.uid, self.gid), input="Subject: secret\n\nsecret\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = self.maildrop()
        self.assertEqual(len(names), 1)
        path = os.path.join(self.inst.spool, "maildrop", names[0])
        self.assertEqual(os.stat(path).st_uid, self.uid)
        r = subprocess.run(["cat", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           user=self.uid, group=self.gid, extra_groups=[], timeout=10)
        self.assertNotEqual(r.returncode, 0)       # maildrop/ is not searchable for others
        r = subprocess.run(["ls", os.path.dirname(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           user=self.uid, group=self.gid, extra_groups=[], timeout=10)
        self.assertNotEqual(r.returncode, 0)


class TestChrootedPickup(Submit):
    chroot_pickup = True

    def test_stock_pickup_line(self):
        r = self.sendmail(self.user, input="Subject: chrooted\n\nx\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(self.home)
        self.assertEqual(read_new(self.home)[0]["Subject"], "chrooted")
        self.assertIn("pickup    unix  n       -       y", open(os.path.join(self.inst.etc, "master.cf")).read())


class TestStopped(Submit):
    start = False

    def test_submission_while_stopped_is_delivered_after_start(self):
        self.start_mail()
        self.inst.postfix("stop")
        wait_for(lambda: not pctest._alive(self.inst.master_pid()), 10, what="master stopped")
        r = self.sendmail(self.user, input="Subject: while down\n\nx\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.maildrop()), 1)
        time.sleep(1)
        self.assertEqual(count_maildir(self.home), 0)
        self.start_mail()
        self.wait_delivered(self.home)
        self.assertEqual(read_new(self.home)[0]["Subject"], "while down")
        wait_for(lambda: self.maildrop() == [], 10, what="maildrop emptied")

    def test_corrupt_maildrop_file(self):
        self.inst.postfix("check")
        bad = os.path.join(self.inst.spool, "maildrop", "ABCDEF12345")
        with open(bad, "wb") as f:
            f.write(b"garbage that is not a record stream\n")
        os.chown(bad, self.uid, self.gid)
        trunc = os.path.join(self.inst.spool, "maildrop", "ABCDEF12346")
        with open(trunc, "wb") as f:          # valid records, but no END
            f.write(qfile.encode([("T", "1.0"), ("S", "x"), ("R", "y"), ("M", ""), ("L", "z")]))
        self.start_mail()
        log = self.inst.wait_log("moved to corrupt/ABCDEF12346", timeout=20)
        self.assertIn("postfix/pickup[", log)
        self.assertIn("warning: maildrop/ABCDEF12345: corrupt queue file: unknown record type", log)
        self.assertIn("warning: uid=%d: corrupt maildrop file: moved to corrupt/ABCDEF12345" % self.uid, log)
        self.assertTrue(os.path.exists(os.path.join(self.inst.spool, "corrupt", "ABCDEF12345")))
        self.assertEqual(self.maildrop(), [])
        # not retried: a later wakeup does not log it again
        r = self.sendmail(self.user)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_delivered(self.home)
        self.assertEqual(self.inst.log().count("maildrop/ABCDEF12345:"), 1)

    def test_requeued_queue_file(self):
        # a held message is a complete queue file; postsuper -r moves it to maildrop/ unchanged
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("header_checks = pcre:%s/hc\n" % self.inst.etc)
        with open(os.path.join(self.inst.etc, "hc"), "w") as f:
            f.write("/^Subject: hold me/ HOLD\n")
        other = self.other_user()
        self.start_mail()
        r = self.sendmail("-f", "orig@example.org", self.user, other[0], input="Subject: hold me\n\nheld body\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        hold = os.path.join(self.inst.spool, "hold")
        wait_for(lambda: os.listdir(hold), 20, what="held message (log:\n%s)" % self.inst.log()[-2000:])
        qid = os.listdir(hold)[0]
        path = os.path.join(hold, qid)
        recs = qfile.read(path)
        # the first recipient was delivered already: mark it done as qmgr does
        off = [o for t, d, o in recs if t == "R"][0]
        with open(path, "r+b") as f:
            f.seek(off)
            f.write(b"D")
        os.rename(path, os.path.join(self.inst.spool, "maildrop", qid))
        self.kick_pickup()
        self.wait_delivered(other[1])
        msg = read_new(other[1])[0]
        self.assertEqual(msg["Return-Path"], "<orig@example.org>")
        self.assertEqual(len(msg.get_all("Received")), 1)       # no second Received: header
        self.assertIn("held body", msg.get_payload())
        time.sleep(1)
        self.assertEqual(count_maildir(self.home), 0)           # the done recipient is skipped
        self.assertIn(": uid=%d from=<orig@example.org>" % os.stat(os.path.join(self.inst.spool, "maildrop")).st_uid,
                      self.inst.log())


class TestDiagnostics(Submit):
    extra = "message_size_limit = 2000\n"

    def test_too_big(self):
        err, rc = real("too-big")
        big = "Subject: big\n\n" + ("x" * 70 + "\n") * 100 + "\n"
        r = self.sendmail(self.user, input=big)
        self.assertEqual((r.stderr, r.returncode), (err, rc))
        self.assertEqual(self.maildrop(), [])
        wait_for(lambda: not os.listdir(os.path.join(self.inst.spool, "maildrop")), 5, what="no temp file")

    def test_too_big_smtp_mode(self):
        body = ("x" * 70 + "\r\n") * 100
        r = self.sendmail("-bs", input="HELO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<%s>\r\nDATA\r\n%s.\r\nQUIT\r\n"
                          % (self.user, body))
        self.assertIn("552 5.3.4 Error: message file too big\r\n", r.stdout)
        r = self.sendmail("-bs", input="EHLO h\r\nMAIL FROM:<a@b> SIZE=5000\r\nQUIT\r\n")
        self.assertIn("552 5.3.4 Message size exceeds fixed limit\r\n", r.stdout)

    def test_smtp_mode_limits(self):
        r = self.sendmail("-bs", input="HELO h\r\n" + "NOOP " + "x" * 5000 + "\r\n" + "BAD\r\n" * 30)
        self.assertIn("500 5.5.0 Error: line too long\r\n", r.stdout)
        self.assertTrue(r.stdout.endswith("421 4.7.0 test.example Error: too many errors\r\n"), r.stdout)
        self.assertEqual(r.stdout.count("502 5.5.2"), 19)     # smtpd_hard_error_limit = 20

    def test_symlink_in_maildrop(self):
        os.symlink("/etc/passwd", os.path.join(self.inst.spool, "maildrop", "ABCDEF98765"))
        self.kick_pickup()
        self.inst.wait_log("moved to corrupt/ABCDEF98765")
        self.assertTrue(os.path.islink(os.path.join(self.inst.spool, "corrupt", "ABCDEF98765")))

    def test_invalid_options(self):
        for name, args in (("invalid-option", ["-Q", "root"]), ("missing-argument", ["-N"]),
                           ("no-recipients", [])):
            err, rc = real(name)
            r = self.sendmail(*args, input="")
            self.assertEqual((r.stderr, r.returncode), (err, rc), name)
        r = self.sendmail("-bp", "-t", input="")
        self.assertEqual((r.stderr, r.returncode), ("sendmail: fatal: -t can be used only in delivery mode\n", 75))
        r = self.sendmail("-bz", input="")
        self.assertEqual((r.stderr, r.returncode), ("sendmail: fatal: unsupported: -bz\n", 75))
        r = self.sendmail("-B", "foo", "root", input="")
        self.assertEqual(r.stderr, "sendmail: fatal: -B option needs 8BITMIME or 7BIT\n")
        # ignored options, as Postfix
        r = self.sendmail("-x", "-h", "3", "-L", "lab", "-O", "a=b", "-Am", "-R", "full", "-G", "-U", "-m",
                          "-c", "-oem", "-o7", "-e", "x", "-p", "smtp:h", self.user)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_not_authorized_root(self):
        with open(os.path.join(self.inst.etc, "main.cf"), "a") as f:
            f.write("authorized_submit_users =\n")
        err, rc = real("not-authorized")
        r = self.sendmail(self.user, input="hi\n")
        self.assertEqual((r.stderr, r.returncode), (err, rc))

    def test_postdrop_input_checks(self):
        err, rc = real("postdrop-usage")
        r = pctest.run([POSTDROP, "-x"])
        self.assertEqual((r.stderr, r.returncode), (err, rc))
        err, rc = real("postdrop-garbage")
        r = pctest.run([POSTDROP, "-c", self.inst.etc], input="garbage\n")
        self.assertEqual(r.returncode, rc)
        self.assertTrue(r.stderr.startswith("postdrop: warning: stdin: "), r.stderr)
        self.assertTrue(r.stderr.endswith(err.splitlines()[-1] + "\n"), r.stderr)
        # records out of order (content before the sender), a forged done recipient
        for recs in ([("M", ""), ("S", "a")], [("S", "a"), ("D", "b"), ("M", ""), ("X", "")],
                     [("S", "a"), ("A", "uid=0"), ("R", "b"), ("M", ""), ("X", "")]):
            data = qfile.encode(recs + [("E", "")])
            r = subprocess.run([POSTDROP, "-c", self.inst.etc], input=data, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            self.assertEqual(r.returncode, 1, recs)
            self.assertIn(b"postdrop: fatal: uid=0: malformed input", r.stderr)
        # a record over the 1 MiB record limit
        data = qfile.encode([("S", "a"), ("R", "b"), ("M", ""), ("L", "x" * (1024 * 1024 + 1))])
        r = subprocess.run([POSTDROP, "-c", self.inst.etc], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"record length too large", r.stderr)
        self.assertEqual(os.listdir(os.path.join(self.inst.spool, "maildrop")), [])


if __name__ == "__main__":
    unittest.main()
