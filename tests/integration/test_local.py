"""local: the local(8) delivery agent, driven over the delivery protocol.

Each test writes a queue file into active/ (qfile.py), speaks the delivery
protocol to private/local as qmgr would (docs/internal-protocols.md) and
checks the answer, the log line and the mailbox.

As root (CI) the tests create throw-away system users (useradd -M, home in
the temp dir, removed in tearDown) so that the privilege switch is real: the
delivered files must belong to the recipient.  As an ordinary user the
recipient is the current user (local can only deliver as its own uid then),
mailboxes live under the temp dir through mail_spool_directory and
forward_path, and another uid is deferred.
"""
import os
import pwd
import random
import re
import socket
import stat
import subprocess
import threading
import time
import unittest

import pctest
import qfile
from pctest import Instance

ROOT = os.geteuid() == 0
MASTER_CF = "local unix - n n - - local\n"


def random_id():
    return "%010X" % random.getrandbits(40)


def read_list(f):
    """One attribute list from the file object (dict name -> last value, plus '_items')."""
    items = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed")
        line = line.rstrip(b"\n")
        if line == b"":
            break
        k, _, v = line.partition(b"=")
        v = v.replace(b"\\n", b"\n").replace(b"\\r", b"\r").replace(b"\\0", b"\0").replace(b"\\\\", b"\\")
        items.append((k.decode(), v.decode("utf-8", "replace")))
    d = dict(items)
    d["_items"] = items
    return d


def esc(v):
    return str(v).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0")


class User:
    def __init__(self, name, home):
        self.name = name
        self.home = home
        pw = pwd.getpwnam(name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid


class FakeCleanup(threading.Thread):
    """public/cleanup speaking the cleanup protocol: records what local submits."""

    def __init__(self, path, queue_id="C0FFEE1234"):
        super().__init__(daemon=True)
        self.queue_id = queue_id
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(5)
        self.sock.settimeout(20)
        self.envelopes, self.contents = [], []

    def run(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn, conn.makefile("rwb") as f:
            f.write(b"proto=cleanup\nversion=1\nqueue_id=%s\n\n" % self.queue_id.encode())
            f.flush()
            env = read_list(f)
            data = b""
            while True:
                n = int(f.readline())
                if n == 0:
                    break
                data += f.read(n)
            self.envelopes.append(env["_items"])
            self.contents.append(data.decode())
            f.write(b"status=0\n\n")
            f.flush()

    def close(self):
        self.sock.close()


class LocalTest(unittest.TestCase):
    """One instance per test; users made on demand."""

    extra_main_cf = ""

    def setUp(self):
        self.users = []
        self.inst = Instance(main_cf_extra="", master_cf=MASTER_CF, prefix="pctest-local-")
        self.addCleanup(self.cleanup)
        self.tmp = self.inst.root
        self.spool_dir = os.path.join(self.tmp, "mail")
        self.fwd_dir = os.path.join(self.tmp, "fwd")
        self.out_dir = os.path.join(self.tmp, "out")
        for d in (self.spool_dir, self.fwd_dir, self.out_dir, os.path.join(self.tmp, "home")):
            os.makedirs(d)
            os.chmod(d, 0o1777)
        self.aliases = os.path.join(self.tmp, "etc", "aliases")
        self.write_aliases("")

    def cleanup(self):
        self.inst.stop()
        for u in self.users:
            pctest.remove_user(u.name)

    # ---- configuration ----

    def config(self, extra, start=True):
        base = "\n".join([
            "mydestination = test.example, localhost",
            "myorigin = test.example",
            "alias_maps = hash:%s" % self.aliases,
            "alias_database = hash:%s" % self.aliases,
            "mail_spool_directory = %s" % self.spool_dir,
            "default_privs = %s" % ("nobody" if ROOT else pctest.current_user()),
            "recipient_delimiter = +",
            "deliver_lock_delay = 1s",
            "" if ROOT else "forward_path = %s/$user" % self.fwd_dir,
            "",
        ])
        self.inst.write_main_cf(base + self.extra_main_cf + extra)
        if start:
            if self.inst.master_pid():
                r = self.inst.postfix("reload")
                time.sleep(0.3)
            else:
                r = self.inst.postfix("start")
            self.assertEqual(r.returncode, 0, r.stderr)

    def write_aliases(self, text):
        with open(self.aliases, "w") as f:
            f.write(text)
        r = pctest.run([pctest.sbin("postalias"), "-c", self.inst.etc, "hash:" + self.aliases])
        self.assertEqual(r.returncode, 0, r.stderr)

    def user(self):
        """A recipient: a fresh system user as root, else the current user."""
        if not ROOT:
            name = pctest.current_user()
            return User(name, os.path.join(self.tmp, "home", name))
        name, home, _, _ = pctest.make_user(self.tmp)
        u = User(name, home)
        self.users.append(u)
        return u

    # ---- the protocol ----

    def queue(self, rcpts, content, sender="sender@ext.example", arrival=None, attrs=None):
        qid = random_id()
        path = os.path.join(self.inst.spool, "active", qid)
        qfile.write(path, qfile.message(sender, rcpts, content, attrs=attrs, arrival=arrival))
        return qid

    def deliver(self, rcpts, content="Subject: test\n\nhello\n", sender="sender@ext.example",
                orig=None, timeout=30, attrs=None):
        """Deliver rcpts (list of addresses); return (queue id, {index: answer})."""
        arrival = time.time() - 0.5
        qid = self.queue(rcpts, content, sender, arrival, attrs)
        req = [("queue_name", "active"), ("queue_id", qid), ("queue_file", "active/" + qid),
               ("sender", sender), ("arrival", "%.6f" % arrival), ("active", "%.6f" % (arrival + 0.2)),
               ("transport", "local"), ("nexthop", "test.example")]
        for i, r in enumerate(rcpts):
            req.append(("rcpt", r))
            if orig and orig.get(r):
                req.append(("orig_rcpt", orig[r]))
            req.append(("index", str(i)))
        answers = self.talk(req, timeout)
        return qid, answers

    def talk(self, req, timeout=30):
        path = os.path.join(self.inst.spool, "private", "local")
        pctest.wait_for(lambda: os.path.exists(path), 10, what="private/local")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        with s:
            s.connect(path)
            with s.makefile("rwb") as f:
                greet = read_list(f)
                self.assertEqual((greet.get("proto"), greet.get("version")), ("delivery", "1"))
                f.write(b"".join(("%s=%s\n" % (k, esc(v))).encode() for k, v in req) + b"\n")
                f.flush()
                answers = {}
                while True:
                    a = read_list(f)
                    if a.get("end") == "1":
                        break
                    answers[int(a["index"])] = a
        return answers

    def log_line(self, qid, to):
        pat = "%s: to=<%s>" % (qid, to)
        log = self.inst.wait_log(pat)
        return [l for l in log.splitlines() if pat in l][-1]

    # ---- mailboxes ----

    def maildir_setup(self, u):
        """main.cf lines making u's mailbox a Maildir, and its path.

        As root: home_mailbox = Maildir/ in the user's (temp) home.  Otherwise
        mail_spool_directory ending in '/' (a Maildir per user under the temp
        dir), because the current user's real home must not be touched."""
        if ROOT:
            return "home_mailbox = Maildir/\n", os.path.join(u.home, "Maildir")
        d = os.path.join(self.tmp, "maildirs")
        os.makedirs(d, exist_ok=True)
        return "mail_spool_directory = %s/\n" % d, os.path.join(d, u.name)

    def forward_file(self, u):
        return os.path.join(u.home, ".forward") if ROOT else os.path.join(self.fwd_dir, u.name)

    def maildir_files(self, d):
        new = os.path.join(d, "new")
        if not os.path.isdir(new):
            return []
        return sorted(os.path.join(new, n) for n in os.listdir(new))

    def read(self, path):
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class TestLocal(LocalTest):
    def test_unknown_user_bounces(self):
        self.config("")
        qid, ans = self.deliver(["nosuchuser@test.example"])
        self.assertEqual(ans[0]["status"], "bounced")
        self.assertEqual(ans[0]["dsn"], "5.1.1")
        self.assertEqual(ans[0]["reason"], 'unknown user: "nosuchuser"')
        line = self.log_line(qid, "nosuchuser@test.example")
        self.assertRegex(line, r"postfix/local\[\d+\]: %s: to=<nosuchuser@test.example>, relay=local, "
                         r"delay=[\d.]+, delays=[\d.]+/[\d.]+/0/[\d.]+, dsn=5.1.1, "
                         r"status=bounced \(unknown user: \"nosuchuser\"\)$" % qid)

    def test_mbox_delivery_from_line_quoting(self):
        u = self.user()
        self.config("")
        body = "Subject: mbox\n\nFrom here on\n>From stays\nFrom: no\nend\n"
        qid, ans = self.deliver(["%s@test.example" % u.name], body)
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertEqual(ans[0]["reason"], "delivered to mailbox")
        self.assertEqual(ans[0]["dsn"], "2.0.0")
        mbox = os.path.join(self.spool_dir, u.name)
        text = self.read(mbox)
        self.assertRegex(text, r"^From sender@ext.example  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n"
                         r"Return-Path: <sender@ext.example>\n"
                         r"X-Original-To: %s@test.example\n"
                         r"Delivered-To: %s@test.example\n"
                         r"Subject: mbox\n\n>From here on\n>From stays\nFrom: no\nend\n\n$" % (u.name, u.name))
        st = os.stat(mbox)
        self.assertEqual(st.st_uid, u.uid)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertFalse(os.path.exists(mbox + ".lock"))
        self.assertIn("status=sent (delivered to mailbox)", self.log_line(qid, "%s@test.example" % u.name))
        # a second message is appended after the first
        self.deliver(["%s@test.example" % u.name], "Subject: two\n\nsecond\n")
        self.assertEqual(len(re.findall(r"^From ", self.read(mbox), re.M)), 2)

    def test_maildir_delivery(self):
        u = self.user()
        extra, md = self.maildir_setup(u)
        self.config(extra)
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt], "Subject: md\n\nFrom body\n", orig={rcpt: "Alias@test.example"})
        self.assertEqual((ans[0]["status"], ans[0]["dsn"], ans[0]["reason"]),
                         ("sent", "2.0.0", "delivered to maildir"), ans[0])
        files = self.maildir_files(md)
        self.assertEqual(len(files), 1)
        name = os.path.basename(files[0])
        st = os.stat(files[0])
        m = re.match(r"^(\d+)\.V([0-9a-f]+)I([0-9a-f]+)M(\d+)\.(\S+)$", name)
        self.assertTrue(m, name)
        self.assertEqual(int(m.group(2), 16), st.st_dev)
        self.assertEqual(int(m.group(3), 16), st.st_ino)
        self.assertLess(abs(int(m.group(1)) - time.time()), 60)
        self.assertLess(int(m.group(4)), 1000000)
        self.assertEqual(m.group(5), socket.gethostname())
        self.assertEqual(self.read(files[0]),
                         "Return-Path: <sender@ext.example>\nX-Original-To: Alias@test.example\n"
                         "Delivered-To: %s\nSubject: md\n\nFrom body\n" % rcpt)
        self.assertEqual(os.listdir(os.path.join(md, "tmp")), [])
        self.assertTrue(os.path.isdir(os.path.join(md, "cur")))
        self.assertEqual(st.st_uid, u.uid)      # as root: the privilege switch happened
        self.assertEqual(stat.S_IMODE(os.stat(md).st_mode), 0o700)
        line = self.log_line(qid, rcpt)
        self.assertIn(", orig_to=<Alias@test.example>, relay=local, ", line)
        self.assertTrue(line.endswith("dsn=2.0.0, status=sent (delivered to maildir)"), line)

    def test_other_uid(self):
        """As root the mailbox belongs to the recipient; unprivileged, another uid is deferred."""
        if ROOT:
            u = self.user()
            self.config("")
            _, ans = self.deliver(["%s@test.example" % u.name])
            self.assertEqual(ans[0]["status"], "sent", ans[0])
            st = os.stat(os.path.join(self.spool_dir, u.name))
            self.assertEqual((st.st_uid, st.st_gid), (u.uid, u.gid))
            # a Debian-style spool (root:mail 2775, not world-writable): the
            # mailbox is created as the user with the spool's group
            import grp
            spool = os.path.join(self.tmp, "varmail")
            os.makedirs(spool)
            mail_gid = grp.getgrnam("mail").gr_gid
            os.chown(spool, 0, mail_gid)
            os.chmod(spool, 0o2775)
            self.config("mail_spool_directory = %s\n" % spool)
            time.sleep(1.2)
            _, ans = self.deliver(["%s@test.example" % u.name])
            self.assertEqual(ans[0]["status"], "sent", ans[0])
            st = os.stat(os.path.join(spool, u.name))
            self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (u.uid, mail_gid, 0o600))
            return
        other = [p for p in pwd.getpwall() if p.pw_uid != os.getuid() and p.pw_name.isalnum()][0]
        self.config("")
        qid, ans = self.deliver(["%s@test.example" % other.pw_name])
        self.assertEqual(ans[0]["status"], "deferred")
        self.assertEqual(ans[0]["reason"], "cannot switch to uid %d: Operation not permitted" % other.pw_uid)
        self.assertFalse(os.path.exists(os.path.join(self.spool_dir, other.pw_name)))

    def test_recipient_delimiter(self):
        u = self.user()
        self.write_aliases("team: %s\nteam+x: /dev/null/nothing\n" % u.name)
        self.config("")
        rcpt = "%s+Lists@test.example" % u.name
        qid, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        text = self.read(os.path.join(self.spool_dir, u.name))
        self.assertIn("Delivered-To: %s+lists@test.example\n" % u.name, text)
        self.assertIn("status=sent (delivered to mailbox)", self.log_line(qid, rcpt))
        # the alias is found by the name without the extension
        _, ans = self.deliver(["team+y@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Delivered-To: %s@test.example\n" % u.name, self.read(os.path.join(self.spool_dir, u.name)))

    def test_alias_to_several_users_and_include(self):
        u1 = self.user()
        u2 = self.user() if ROOT else None
        extra, md = self.maildir_setup(u1)
        inc = os.path.join(self.tmp, "etc", "list.inc")
        with open(inc, "w") as f:
            f.write("# members\n%s\n" % u1.name)
        second = u2.name if ROOT else os.path.join(self.out_dir, "Maildir") + "/"
        self.write_aliases("team: %s, %s\nincl: :include:%s\n" % (u1.name, second, inc))
        self.config(extra)
        qid, ans = self.deliver(["team@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertEqual(len(self.maildir_files(md)), 1)
        line = self.log_line(qid, "%s@test.example" % u1.name)
        self.assertIn("to=<%s@test.example>, orig_to=<team@test.example>, relay=local" % u1.name, line)
        if ROOT:
            _, md2 = self.maildir_setup(u2)
            self.assertEqual(len(self.maildir_files(md2)), 1)
            self.assertEqual(os.stat(self.maildir_files(md2)[0]).st_uid, u2.uid)
        else:
            self.assertEqual(len(self.maildir_files(os.path.join(self.out_dir, "Maildir"))), 1)
        qid, ans = self.deliver(["incl@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertEqual(len(self.maildir_files(md)), 2)
        self.assertIn("orig_to=<incl@test.example>", self.log_line(qid, "%s@test.example" % u1.name))

    def command_alias(self):
        out = os.path.join(self.out_dir, "cmd")
        self.write_aliases('cmd: "|env > %s.env; cat > %s.msg"\n' % (out, out))
        return out

    def test_alias_command(self):
        out = self.command_alias()
        self.config("")
        qid, ans = self.deliver(["cmd+ext@test.example"],
                                attrs={"client_addr": "192.0.2.7", "helo": "evil\x01helo"})
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertEqual(ans[0]["reason"], "delivered to command: env > %s.env; cat > %s.msg" % (out, out))
        env = dict(l.split("=", 1) for l in self.read(out + ".env").splitlines() if "=" in l)
        self.assertEqual(env["RECIPIENT"], "cmd+ext@test.example")
        self.assertEqual(env["SENDER"], "sender@ext.example")
        self.assertEqual(env["LOCAL"], "cmd+ext")
        self.assertEqual(env["EXTENSION"], "ext")
        self.assertEqual(env["DOMAIN"], "test.example")
        self.assertEqual(env["PATH"], "/usr/bin:/bin")
        self.assertEqual(env["USER"], "nobody" if ROOT else pctest.current_user())
        self.assertNotIn("POSTCOTE_PREFIX", env)
        self.assertEqual(env["CLIENT_ADDRESS"], "192.0.2.7")
        self.assertEqual(env["CLIENT_HELO"], "evil_helo")
        msg = self.read(out + ".msg")
        self.assertRegex(msg, r"^From sender@ext.example  .*\nReturn-Path: <sender@ext.example>\n"
                         r"X-Original-To: cmd\+ext@test.example\nDelivered-To: cmd\+ext@test.example\n"
                         r"Subject: test\n\nhello\n$")
        if ROOT:
            self.assertEqual(os.stat(out + ".msg").st_uid, pwd.getpwnam("nobody").pw_uid)
        self.assertIn("status=sent (delivered to command: env > ", self.log_line(qid, "cmd+ext@test.example"))

    def test_alias_command_restricted(self):
        out = self.command_alias()
        self.config("allow_mail_to_commands = forward\n")
        qid, ans = self.deliver(["cmd@test.example"])
        self.assertEqual((ans[0]["status"], ans[0]["dsn"], ans[0]["reason"]),
                         ("bounced", "5.7.1", "mail to command is restricted"))
        self.assertFalse(os.path.exists(out + ".msg"))

    def test_command_exit_codes(self):
        self.write_aliases('soft: "|echo try later; exit 75"\nhard: "|echo no such mailbox >&2; exit 1"\n'
                           'slow: "|sleep 30"\n')
        self.config("command_time_limit = 1s\n")
        _, ans = self.deliver(["soft@test.example", "hard@test.example", "slow@test.example"])
        self.assertEqual((ans[0]["status"], ans[0]["dsn"], ans[0]["reason"]),
                         ("deferred", "4.3.0", "temporary failure. Command output: try later"))
        self.assertEqual((ans[1]["status"], ans[1]["reason"]),
                         ("bounced", 'Command died with status 1: "echo no such mailbox >&2; exit 1". '
                                     'Command output: no such mailbox'))
        self.assertEqual((ans[2]["status"], ans[2]["reason"]),
                         ("deferred", 'Command time limit exceeded: "sleep 30"'))

    def test_alias_file(self):
        path = os.path.join(self.out_dir, "file.mbox")
        self.write_aliases("file: %s\n" % path)
        self.config("")
        qid, ans = self.deliver(["file@test.example"], "Subject: f\n\nFrom x\n")
        self.assertEqual((ans[0]["status"], ans[0]["reason"]), ("sent", "delivered to file: %s" % path))
        text = self.read(path)
        self.assertRegex(text, r"^From sender@ext.example  .*\nReturn-Path: <sender@ext.example>\n"
                         r"X-Original-To: file@test.example\nDelivered-To: file@test.example\n"
                         r"Subject: f\n\n>From x\n\n$")
        if ROOT:
            self.assertEqual(os.stat(path).st_uid, pwd.getpwnam("nobody").pw_uid)
        self.assertIn("status=sent (delivered to file: %s)" % path, self.log_line(qid, "file@test.example"))

    def test_alias_dev_null_and_fifo(self):
        fifo = os.path.join(self.out_dir, "fifo")
        link = os.path.join(self.out_dir, "link")
        os.mkfifo(fifo)
        os.chmod(fifo, 0o666)
        os.symlink("/etc/passwd", link)
        self.write_aliases("devnull: /dev/null\nfifo: %s\nlink: %s\n" % (fifo, link))
        self.config("")
        t0 = time.monotonic()
        _, ans = self.deliver(["devnull@test.example", "fifo@test.example", "link@test.example"],
                              timeout=20)
        self.assertEqual((ans[0]["status"], ans[0]["reason"]), ("sent", "delivered to file: /dev/null"))
        self.assertEqual(ans[1]["status"], "deferred", ans[1])     # a FIFO: refused, no hang
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual((ans[2]["status"], ans[2]["reason"]),
                         ("deferred", "cannot append message to file %s: open %s: refusing to follow "
                                      "a symbolic link" % (link, link)))

    def test_alias_file_restricted(self):
        path = os.path.join(self.out_dir, "file.mbox")
        self.write_aliases("file: %s\n" % path)
        self.config("allow_mail_to_files = forward\n")
        _, ans = self.deliver(["file@test.example"])
        self.assertEqual((ans[0]["status"], ans[0]["dsn"], ans[0]["reason"]),
                         ("bounced", "5.7.1", "mail to file is restricted"))
        self.assertFalse(os.path.exists(path))

    def test_dot_forward(self):
        u = self.user()
        self.config("")
        copy = os.path.join(self.out_dir, "fwd-copy")
        fwd = self.forward_file(u)
        with open(fwd, "w") as f:
            f.write("# keep a copy\n\\%s, %s\n" % (u.name, copy))
        os.chown(fwd, u.uid, u.gid)
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Subject: test", self.read(os.path.join(self.spool_dir, u.name)))
        self.assertIn("Subject: test", self.read(copy))
        self.assertEqual(os.stat(copy).st_uid, u.uid)
        self.assertIn("status=sent (delivered to file: %s)" % copy, self.log_line(qid, rcpt))

    def test_mailbox_size_limit(self):
        u = self.user()
        self.config("mailbox_size_limit = 1200\nmessage_size_limit = 1000\n")
        rcpt = "%s@test.example" % u.name
        _, ans = self.deliver([rcpt], "Subject: small\n\nx\n")
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        mbox = os.path.join(self.spool_dir, u.name)
        size = os.path.getsize(mbox)
        qid, ans = self.deliver([rcpt], "Subject: big\n\n" + ("y" * 70 + "\n") * 15)
        self.assertEqual(ans[0]["status"], "bounced", ans[0])
        self.assertEqual(ans[0]["dsn"], "5.2.2")
        self.assertEqual(ans[0]["reason"], "cannot update mailbox %s for user %s. error writing message: "
                         "File too large" % (mbox, u.name))
        self.assertEqual(os.path.getsize(mbox), size)      # cut back, not half-written

    def test_delivered_to_loop(self):
        u = self.user()
        self.config("")
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt], "Delivered-To: %s\nSubject: loop\n\nx\n" % rcpt.upper())
        self.assertEqual((ans[0]["status"], ans[0]["dsn"], ans[0]["reason"]),
                         ("bounced", "5.4.6", "mail forwarding loop for %s" % rcpt))
        self.assertFalse(os.path.exists(os.path.join(self.spool_dir, u.name)))
        # a Delivered-To in the body is no loop
        _, ans = self.deliver([rcpt], "Subject: ok\n\nDelivered-To: %s\n" % rcpt)
        self.assertEqual(ans[0]["status"], "sent", ans[0])

    def test_unwritable_maildir_defers_then_succeeds(self):
        u = self.user()
        extra, md = self.maildir_setup(u)
        self.config(extra)
        for d in ("", "tmp", "new", "cur"):
            os.makedirs(os.path.join(md, d), exist_ok=True)
            os.chown(os.path.join(md, d), u.uid, u.gid)
        os.chmod(os.path.join(md, "tmp"), 0o500)
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "deferred", ans[0])
        self.assertRegex(ans[0]["reason"], r"^maildir delivery failed: create maildir file %s/tmp/\S+: "
                         r"Permission denied$" % re.escape(md))
        self.assertTrue(ans[0]["dsn"].startswith("4."))
        self.assertIn("status=deferred (maildir delivery failed", self.log_line(qid, rcpt))
        os.chmod(os.path.join(md, "tmp"), 0o700)
        _, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertEqual(len(self.maildir_files(md)), 1)

    def test_mbox_locking(self):
        u = self.user()
        self.config("deliver_lock_attempts = 2\n")
        rcpt = "%s@test.example" % u.name
        mbox = os.path.join(self.spool_dir, u.name)
        with open(mbox + ".lock", "w"):
            pass
        _, ans = self.deliver([rcpt])
        self.assertEqual((ans[0]["status"], ans[0]["reason"]),
                         ("deferred", "unable to create lock file %s.lock: File exists" % mbox))
        os.unlink(mbox + ".lock")
        import fcntl
        fd = os.open(mbox, os.O_WRONLY | os.O_CREAT, 0o600)
        os.fchown(fd, u.uid, u.gid)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        _, ans = self.deliver([rcpt])
        self.assertEqual((ans[0]["status"], ans[0]["reason"]),
                         ("deferred", "unable to lock for exclusive access: Resource temporarily unavailable"))
        self.assertFalse(os.path.exists(mbox + ".lock"))
        os.close(fd)
        _, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "sent", ans[0])

    def test_mailbox_command(self):
        u = self.user()
        out = os.path.join(self.out_dir, "mc")
        self.config("mailbox_command = cat > %s.$USER.$EXTENSION\n" % out)
        _, ans = self.deliver(["%s+box@test.example" % u.name])
        self.assertEqual((ans[0]["status"], ans[0]["reason"]),
                         ("sent", "delivered to command: cat > %s.$USER.$EXTENSION" % out))
        path = "%s.%s.box" % (out, u.name)
        self.assertIn("Subject: test", self.read(path))
        self.assertEqual(os.stat(path).st_uid, u.uid)

    def test_command_groups(self):
        """The command runs with the user's supplementary groups (resolved before the fork)."""
        import grp
        u = self.user()
        if ROOT:
            subprocess.run(["usermod", "-a", "-G", "mail", u.name], check=True)
        out = os.path.join(self.out_dir, "groups")
        self.config("mailbox_command = id -G > %s\n" % out)
        _, ans = self.deliver(["%s@test.example" % u.name])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        groups = [int(g) for g in self.read(out).split()]
        self.assertEqual(groups[0], u.gid)
        if ROOT:
            self.assertIn(grp.getgrnam("mail").gr_gid, groups)
            self.assertNotIn(0, groups)

    def test_mailbox_transport_unavailable(self):
        u = self.user()
        self.config("mailbox_transport = lmtp:unix:private/dovecot-lmtp\n")
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt])
        self.assertEqual(ans[0]["status"], "deferred", ans[0])
        self.assertIn("mailbox_transport = lmtp:unix:private/dovecot-lmtp: cannot hand off to private/lmtp",
                      ans[0]["reason"])
        self.log_line(qid, rcpt)

    def test_owner_alias_sets_sender(self):
        u = self.user()
        self.write_aliases("list: %s\nowner-list: postmaster\n" % u.name)
        self.config("")
        _, ans = self.deliver(["list@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Return-Path: <owner-list@test.example>\n", self.read(os.path.join(self.spool_dir, u.name)))

    def test_expand_owner_alias(self):
        u = self.user()
        self.write_aliases("list: %s\nowner-list: listboss\n" % u.name)
        self.config("expand_owner_alias = yes\n")
        _, ans = self.deliver(["list@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Return-Path: <listboss@test.example>\n", self.read(os.path.join(self.spool_dir, u.name)))

    def test_alias_loop_and_self_reference(self):
        u = self.user()
        self.write_aliases("a: b\nb: a, %s\n%s: %s\n" % (u.name, u.name, u.name))
        self.config("")
        _, ans = self.deliver(["a@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        text = self.read(os.path.join(self.spool_dir, u.name))
        self.assertEqual(text.count("Subject: test"), 1)

    def test_several_recipients_and_bad_requests(self):
        u = self.user()
        self.config("")
        _, ans = self.deliver(["%s@test.example" % u.name, "ghost@test.example"])
        self.assertEqual(ans[0]["status"], "sent")
        self.assertEqual(ans[1]["status"], "bounced")
        # a queue file outside the queue: refused, connection closed without answers
        with self.assertRaises(EOFError):
            self.talk([("queue_id", "ABCDEF1234"), ("queue_file", "../etc/ABCDEF1234"),
                       ("sender", ""), ("rcpt", "x@test.example")])
        self.inst.wait_log("warning: bad delivery request: malformed request")
        with self.assertRaises(EOFError):       # not a queue ID
            self.talk([("queue_id", "x;y"), ("queue_file", "active/x;y"), ("sender", ""),
                       ("rcpt", "x@test.example")])
        self.inst.wait_log("warning: bad delivery request: bad queue_id or queue_file")
        # garbage instead of a request, and a client that leaves early
        for junk in (b"no equals sign\n\n", b"rcpt=x@test.example\n"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(os.path.join(self.inst.spool, "private", "local"))
            s.recv(100)
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(s.recv(100), b"")
            s.close()
        # a missing queue file: deferred
        _, ans2 = None, self.talk([("queue_id", "ABCDEF1234"), ("queue_file", "active/ABCDEF1234"),
                                   ("sender", ""), ("rcpt", "x@test.example"), ("index", "7")])
        self.assertEqual(ans2[7]["status"], "deferred")
        self.assertIn("cannot read queue file", ans2[7]["reason"])

    def test_forward_to_remote_address(self):
        u = self.user()
        self.write_aliases("ext: someone@far.example, %s\n" % u.name)
        self.config("")
        fake = FakeCleanup(os.path.join(self.inst.spool, "public", "cleanup"))
        self.addCleanup(fake.close)
        fake.start()
        qid, ans = self.deliver(["ext@test.example"], sender="orig@ext.example")
        fake.join(10)
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        env = fake.envelopes[0]
        self.assertIn(("origin", "local"), env)
        self.assertIn(("sender", "orig@ext.example"), env)
        self.assertEqual([v for k, v in env if k == "rcpt"], ["someone@far.example"])
        self.assertIn(("orcpt", "rfc822;ext@test.example"), env)
        self.assertTrue(fake.contents[0].startswith("Delivered-To: ext@test.example\nSubject: test\n\nhello\n"),
                        fake.contents[0])
        line = self.log_line(qid, "someone@far.example")
        self.assertIn("to=<someone@far.example>, orig_to=<ext@test.example>, relay=local, ", line)
        self.assertTrue(line.endswith("dsn=2.0.0, status=sent (forwarded as C0FFEE1234)"), line)
        self.assertIn("status=sent (delivered to mailbox)", self.log_line(qid, "%s@test.example" % u.name))

    def test_forward_without_cleanup_defers(self):
        self.write_aliases("ext: someone@far.example\n")
        self.config("")
        qid, ans = self.deliver(["ext@test.example"])
        self.assertEqual(ans[0]["status"], "deferred", ans[0])
        self.assertTrue(ans[0]["reason"].startswith("cannot forward: "), ans[0])

    def test_mailbox_transport_hand_off(self):
        u = self.user()
        self.config("mailbox_transport = lmtp:unix:private/dovecot-lmtp\n")
        path = os.path.join(self.inst.spool, "private", "lmtp")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(20)
        self.addCleanup(srv.close)
        got = {}

        def agent():
            conn, _ = srv.accept()
            with conn, conn.makefile("rwb") as f:
                f.write(b"proto=delivery\nversion=1\n\n")
                f.flush()
                got.update(read_list(f))
                f.write(b"index=0\nstatus=sent\ndsn=2.0.0\nreason=250 2.0.0 Saved\n\nend=1\n\n")
                f.flush()
        th = threading.Thread(target=agent, daemon=True)
        th.start()
        rcpt = "%s@test.example" % u.name
        qid, ans = self.deliver([rcpt])
        th.join(10)
        self.assertEqual((ans[0]["status"], ans[0]["reason"]), ("sent", "250 2.0.0 Saved"))
        self.assertEqual((got["rcpt"], got["transport"], got["nexthop"], got["queue_id"]),
                         (rcpt, "lmtp", "unix:private/dovecot-lmtp", qid))
        self.assertNotIn("%s: to=<%s>" % (qid, rcpt), self.inst.log())   # the other agent logs it

    def test_luser_relay(self):
        u = self.user()
        self.config("luser_relay = %s+$user\n" % u.name)
        qid, ans = self.deliver(["stranger@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Delivered-To: %s+stranger@test.example" % u.name,
                      self.read(os.path.join(self.spool_dir, u.name)))
        # the local part cannot turn the relay address into a list or a command
        _, ans = self.deliver(["|touch x,y@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Delivered-To: \"%s+_touch_x,y\"@test.example" % u.name,
                      self.read(os.path.join(self.spool_dir, u.name)))

    def test_root_commands_run_as_default_privs(self):
        out = os.path.join(self.out_dir, "rootcmd")
        # (no .forward: unprivileged, reading root's would need root)
        self.config("mailbox_command = id -u > %s\nforward_path =\n" % out)
        _, ans = self.deliver(["root@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        dp = pwd.getpwnam("nobody" if ROOT else pctest.current_user()).pw_uid
        self.assertEqual(self.read(out).strip(), str(dp))

    def test_per_user_maps(self):
        u = self.user()
        out = os.path.join(self.out_dir, "bymap")
        self.config("mailbox_command_maps = inline:{ {%s = cat > %s} }\n"
                    "fallback_transport_maps = inline:{ {nobody-here = lmtp:unix:private/x} }\n"
                    % (u.name, out))
        _, ans = self.deliver(["%s@test.example" % u.name, "nobody-here@test.example",
                               "stranger@test.example"])
        self.assertEqual((ans[0]["status"], ans[0]["reason"]), ("sent", "delivered to command: cat > %s" % out))
        self.assertIn("Subject: test", self.read(out))
        self.assertEqual(ans[1]["status"], "deferred", ans[1])
        self.assertIn("cannot hand off to private/lmtp", ans[1]["reason"])
        self.assertEqual(ans[2]["reason"], 'unknown user: "stranger"')

    def test_require_home_directory(self):
        u = self.user()
        if ROOT:
            os.rmdir(u.home)
        home = pwd.getpwnam(u.name).pw_dir     # unprivileged: the real one (only looked at)
        self.config("require_home_directory = yes\nforward_path =\n")
        _, ans = self.deliver(["%s@test.example" % u.name])
        if os.path.isdir(home):
            self.assertEqual(ans[0]["status"], "sent", ans[0])
        else:
            self.assertEqual(ans[0]["status"], "deferred", ans[0])
            self.assertEqual(ans[0]["reason"], "home directory %s of user %s: No such file or directory"
                             % (home, u.name))
    def test_continued_lines_and_big_message(self):
        u = self.user()
        self.config("")
        qid = random_id()
        recs = qfile.message("sender@ext.example", ["%s@test.example" % u.name], "Subject: parts\n\n")
        body = [("l", "first "), ("l", "second "), ("L", "third"), ("L", "x" * 200000)]
        recs = recs[:-1] + body + recs[-1:]
        qfile.write(os.path.join(self.inst.spool, "active", qid), recs)
        ans = self.talk([("queue_id", qid), ("queue_file", "active/" + qid), ("sender", "sender@ext.example"),
                         ("rcpt", "%s@test.example" % u.name)])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        text = self.read(os.path.join(self.spool_dir, u.name))
        self.assertIn("\n\nfirst second third\n" + "x" * 200000 + "\n\n", text)

    def test_propagate_unmatched_extensions(self):
        u = self.user()
        self.write_aliases("team: %s\n" % u.name)
        self.config("propagate_unmatched_extensions = canonical, virtual, alias\n")
        _, ans = self.deliver(["team+news@test.example"])
        self.assertEqual(ans[0]["status"], "sent", ans[0])
        self.assertIn("Delivered-To: %s+news@test.example\n" % u.name,
                      self.read(os.path.join(self.spool_dir, u.name)))

    def test_dot_forward_with_extension(self):
        u = self.user()
        extra = "" if ROOT else \
            "forward_path = %s/$user${recipient_delimiter}${extension}, %s/$user\n" % (self.fwd_dir, self.fwd_dir)
        self.config(extra)
        copy = os.path.join(self.out_dir, "ext-copy")
        fwd = self.forward_file(u) + "+lists"
        with open(fwd, "w") as f:
            f.write("%s\n" % copy)
        os.chown(fwd, u.uid, u.gid)
        _, ans = self.deliver(["%s+lists@test.example" % u.name, "%s+other@test.example" % u.name])
        self.assertEqual((ans[0]["status"], ans[0]["reason"]), ("sent", "delivered to file: %s" % copy))
        self.assertEqual((ans[1]["status"], ans[1]["reason"]), ("sent", "delivered to mailbox"))


if __name__ == "__main__":
    unittest.main()
