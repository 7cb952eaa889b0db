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
        self.config("")

    def cleanup(self):
        self.inst.stop()
        for u in self.users:
            subprocess.run(["userdel", u.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

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
        name = "pct%06x" % random.getrandbits(24)
        home = os.path.join(self.tmp, "home", name)
        r = subprocess.run(["useradd", "-M", "-d", home, "-s", "/usr/sbin/nologin", name],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(r.returncode, 0, "useradd failed: %s" % r.stdout)
        u = User(name, home)
        self.users.append(u)
        os.makedirs(home)
        os.chown(home, u.uid, u.gid)
        os.chmod(home, 0o755)
        return u

    # ---- the protocol ----

    def queue(self, rcpts, content, sender="sender@ext.example", arrival=None):
        qid = random_id()
        path = os.path.join(self.inst.spool, "active", qid)
        qfile.write(path, qfile.message(sender, rcpts, content, arrival=arrival))
        return qid

    def deliver(self, rcpts, content="Subject: test\n\nhello\n", sender="sender@ext.example",
                orig=None, timeout=30):
        """Deliver rcpts (list of addresses); return (queue id, {index: answer})."""
        arrival = time.time() - 0.5
        qid = self.queue(rcpts, content, sender, arrival)
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
        s.connect(path)
        f = s.makefile("rwb")
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
        s.close()
        return answers

    def log_line(self, qid, to):
        pat = "%s: to=<%s>" % (qid, to)
        log = self.inst.wait_log(pat)
        return [l for l in log.splitlines() if pat in l][-1]

    # ---- mailboxes ----

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


if __name__ == "__main__":
    unittest.main()
