"""Queue tools as root (issue 5): postsuper -d/-h/-H/-r/-s/-p on held,
deferred and active mail, held mail across postfix stop/start, a message
deferred on the real mail path (smtpd -> cleanup -> qmgr, relay on a closed
loopback port) listed, shown and handled, and the users' side: plain users
cannot run postsuper, authorized_mailq_users / authorized_flush_users are
checked by showq/flush on the client's SO_PEERCRED uid.

showq and flush run chrooted here (as in Debian's master.cf)."""
import grp
import os
import re
import smtplib
import socket
import threading
import time
import unittest

import pctest
import qfile
from pctest import wait_for, make_user, remove_user
from test_queuetools import QueueBase, postqueue, data, new_id, REASON

JAILED_MASTER_CF = """\
pickup    unix  n       -       y       60      1       pickup
qmgr      unix  n       -       n       300     1       qmgr
showq     unix  n       -       y       -       -       showq
flush     unix  n       -       y       1000?   0       flush
"""


def postsuper(inst, *args, input=None, user=None):
    argv = [pctest.sbin("postsuper"), "-c", inst.etc] + list(args)
    if user is not None:
        argv = ["setpriv", "--reuid", user, "--regid", user, "--init-groups"] + argv
    return pctest.run(argv, input=input)


class RootBase(QueueBase):
    master_cf = JAILED_MASTER_CF

    def setUp(self):
        if os.geteuid() != 0:
            self.fail("needs root")
        super().setUp()

    def where(self, qid):
        for q in ("maildrop", "incoming", "active", "hold"):
            if os.path.exists(self.path(q, qid)):
                return q
        if os.path.exists(self.path("deferred", qid[0], qid)):
            return "deferred"
        return None

    def super_ok(self, *args, input=None):
        r = postsuper(self.inst, *args, input=input)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stderr


class TestPostsuper(RootBase):
    def test_hold_release_requeue_delete(self):
        qid = self.put("deferred", "alice@example.org", ["bob@remote.example"], REASON)
        before = open(self.path("deferred", qid[0], qid), "rb").read()
        err = self.super_ok("-h", qid)
        self.assertEqual(err, "postsuper: %s: placed on hold\npostsuper: Placed on hold: 1 message\n" % qid)
        self.assertEqual(self.where(qid), "hold")
        self.assertRegex(self.inst.log(), r"postfix/postsuper\[\d+\]: %s: placed on hold" % qid)
        self.assertRegex(self.inst.log(), r"postfix/postsuper\[\d+\]: Placed on hold: 1 message")
        self.assertRegex(self.mailq("-p"), r"\n%s! " % qid)
        # again: already held, nothing counted (as Postfix)
        self.assertEqual(self.super_ok("-h", qid), "postsuper: Placed on hold: 0 messages\n")
        # requeue: the unchanged file goes to maildrop/
        err = self.super_ok("-r", qid)
        self.assertEqual(err, "postsuper: %s: requeued\npostsuper: Requeued: 1 message\n" % qid)
        self.assertEqual(self.where(qid), "maildrop")
        self.assertEqual(open(self.path("maildrop", qid), "rb").read(), before)
        err = self.super_ok("-d", qid, "maildrop")
        self.assertEqual(err, "postsuper: %s: removed\npostsuper: Deleted: 1 message\n" % qid)
        self.assertIsNone(self.where(qid))
        self.assertFalse(os.path.exists(self.path("defer", qid[0], qid)))
        self.assertEqual(self.mailq("-p"), "Mail queue is empty\n")

    def test_release_makes_qmgr_retry(self):
        qid = self.put("hold", "alice@example.org", ["bob@remote.example"], REASON)
        time.sleep(0.3)
        self.assertNotIn("%s: from=" % qid, self.inst.log())
        err = self.super_ok("-H", qid)
        self.assertEqual(err, "postsuper: %s: released from hold\npostsuper: Released from hold: 1 message\n" % qid)
        # released into deferred/, due now: qmgr takes it at once (and defers it
        # again: there is no SMTP client for the relay)
        self.inst.wait_log("%s: from=<alice@example.org>, size=" % qid)
        self.assertIn(self.where(qid), ("deferred", "active"))

    def test_all_stdin_queues_and_unknown(self):
        held = [self.put("hold", "a@example.org", ["x@remote.example"]) for _ in range(3)]
        dfr = [self.put("deferred", "a@example.org", ["x@remote.example"], REASON) for _ in range(2)]
        self.assertEqual(self.super_ok("-d", "NOSUCHID"), "postsuper: Deleted: 0 messages\n")
        self.assertEqual(self.super_ok("-d", "not-an-id!"), "postsuper: Deleted: 0 messages\n")
        # ALL limited to a queue: no per-message lines, as Postfix
        self.assertEqual(self.super_ok("-h", "ALL", "deferred"), "postsuper: Placed on hold: 2 messages\n")
        self.assertEqual(sorted(q for q in map(self.where, held + dfr)), ["hold"] * 5)
        err = self.super_ok("-d", "-", input="%s\n  %s \n\nNOSUCHID\n" % (held[0], held[1]))
        self.assertIn("postsuper: Deleted: 2 messages\n", err)
        self.assertIn("postsuper: %s: removed\n" % held[0], err)
        self.assertEqual(self.super_ok("-H", "ALL"), "postsuper: Released from hold: 3 messages\n")
        # qmgr retries them at once and defers them again; wait until it is done
        rest = [q for q in held + dfr if self.where(q) is not None]
        wait_for(lambda: all(self.where(q) == "deferred" for q in rest) and
                 self.inst.log().count("status=deferred") >= 3, 10, what="deferred again")
        self.assertEqual(self.super_ok("-d", "ALL"), "postsuper: Deleted: 3 messages\n")
        self.assertEqual(self.mailq("-p"), "Mail queue is empty\n")

    def test_delete_all_like_the_recording(self):
        # the queue record-real.sh made: "postsuper -d ALL" removed all four,
        # the maildrop file included, and left "Mail queue is empty"
        self.fill_like_recording()
        self.assertEqual(self.super_ok("-d", "ALL"), data("real-postsuper-d-all.err"))
        self.assertEqual(self.mailq("-p"), data("real-empty-after.out"))

    def test_bad_usage(self):
        msgs = data("real-messages.txt")
        r = postsuper(self.inst, "-z")
        self.assertEqual(r.returncode, 1)
        self.assertIn("postsuper: invalid option -- 'z'\n", r.stderr)
        self.assertIn(re.search(r"(postsuper: fatal: usage: .*)", msgs).group(1), r.stderr)
        r = postsuper(self.inst, "-d", "ALL", "bogus")
        self.assertEqual((r.returncode, r.stderr), (1, "postsuper: fatal: invalid directory name: bogus\n"))
        r = postsuper(self.inst)        # default -s -p: nothing to repair, silent
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_plain_user_refused(self):
        user, home, uid, gid = make_user(self.inst.root)
        self.addCleanup(remove_user, user)
        qid = self.put("hold", "a@example.org", ["x@remote.example"])
        r = postsuper(self.inst, "-d", "ALL", user=user)
        self.assertEqual((r.returncode, r.stderr),
                         (1, "postsuper: fatal: use of this command is reserved for the superuser\n"))
        self.assertEqual(self.where(qid), "hold")

    def test_structure_check_and_purge(self):
        # a file whose name does not match its inode (restored from a backup)
        qid = self.put("hold", "a@example.org", ["x@remote.example"])
        wrong = qid[:5] + "%X" % (os.stat(self.path("hold", qid)).st_ino + 0x1000)
        os.rename(self.path("hold", qid), self.path("hold", wrong))
        # a deferred file in the wrong hash subdirectory
        dq = self.put("deferred", "a@example.org", ["y@remote.example"], REASON)
        other = "0" if dq[0] != "0" else "1"
        os.makedirs(self.path("deferred", other), exist_ok=True)
        self.chown(self.path("deferred", other))
        os.rename(self.path("deferred", dq[0], dq), self.path("deferred", other, dq))
        # temporary files: an old one is purged, a fresh one kept
        # (in hold/: qmgr cleans incoming/ itself)
        old, fresh = self.path("hold", ".tmp.1.2.3"), self.path("hold", ".tmp.4.5.6")
        for p in (old, fresh):
            open(p, "w").close()
        os.utime(old, (time.time() - 7200, time.time() - 7200))
        err = self.super_ok("-s", "-p")
        self.assertIn("%s: renamed to %s" % (wrong, qid), err)
        self.assertEqual(self.where(qid), "hold")
        self.assertIn("moved to %s" % self.path("deferred", dq[0], dq), err)
        self.assertEqual(self.where(dq), "deferred")
        self.assertFalse(os.path.exists(old))
        self.assertTrue(os.path.exists(fresh))
        self.assertIn("removed old temporary file: %s" % old, err)
        # nothing left to do now
        self.assertEqual(self.super_ok("-s"), "")


class HangingAgent:
    """private/smtp that greets and then never answers: the message stays active."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(8)
        self.conns = []
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.sendall(b"proto=delivery\nversion=1\n\n")
            self.conns.append(c)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


class TestActive(RootBase):
    def test_hold_active_message(self):
        agent = HangingAgent(self.path("private", "smtp"))
        self.addCleanup(agent.close)
        qid = self.put("incoming", "a@example.org", ["x@remote.example"])
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as t:
            t.connect(self.path("public", "qmgr"))
            t.sendall(b"A")
        wait_for(lambda: self.where(qid) == "active" and agent.conns, 10, what="active delivery")
        self.assertRegex(self.mailq("-p"), r"\n%s\* " % qid)
        err = self.super_ok("-h", qid)
        self.assertEqual(err, "postsuper: %s: placed on hold\npostsuper: Placed on hold: 1 message\n" % qid)
        agent.close()       # the delivery attempt ends; the message must stay held
        time.sleep(1)
        self.assertEqual(self.where(qid), "hold")
        self.assertRegex(self.mailq("-p"), r"\n%s! " % qid)


class TestRestart(RootBase):
    def test_held_mail_survives_restart(self):
        qid = self.put("hold", "alice@example.org", ["bob@remote.example"], REASON)
        self.inst.postfix("stop")
        wait_for(lambda: not pctest._alive(self.inst.master_pid()), 10, what="master exit")
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: os.path.exists(self.path("public", "showq")), 10, what="showq")
        time.sleep(1)
        self.assertEqual(self.where(qid), "hold")
        self.assertNotIn("%s: from=" % qid, self.inst.log())
        self.assertRegex(self.mailq("-p"), r"\n%s! " % qid)
        self.super_ok("-H", qid)
        self.inst.wait_log("%s: from=<alice@example.org>" % qid)


class TestMailPath(RootBase):
    """A message deferred on the real path: smtpd -> cleanup -> qmgr, relay to a closed port."""

    def setUp(self):
        self.port = pctest.free_port()
        self.closed = pctest.free_port()
        self.master_cf = pctest.MAIL_MASTER_CF % {"smtpd": "127.0.0.1:%d" % self.port}
        self.extra = "relayhost = [127.0.0.1]:%d\nmynetworks = 127.0.0.0/8\n" % self.closed
        super().setUp()
        pctest.wait_port(self.port)

    def test_deferred_listed_shown_and_handled(self):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=20) as s:
            s.sendmail("alice@example.org", ["bob@remote.example", "carol@remote.example"],
                       b"Subject: via smtp\r\nFrom: alice@example.org\r\n\r\nhello world\r\n")
        log = self.inst.wait_log("status=deferred", timeout=30)
        qid = re.search(r"\]: ([0-9A-F]+): to=<bob@remote.example>", log).group(1)
        wait_for(lambda: self.where(qid) == "deferred", 10, what="deferred file")
        out = self.mailq("-p")
        reason = re.search(r"%s.*status=deferred \((.*)\)" % qid, log).group(1)
        self.assertIn("%78s\n" % ("(%s)" % reason), out)
        self.assertRegex(out, r"^-Queue ID-.*\n%s +\d+ .* alice@example.org\n" % qid)
        self.assertTrue(out.endswith("in 1 Request.\n"), out)
        r = pctest.run([pctest.sbin("postcat"), "-c", self.inst.etc, "-q", qid])
        self.assertEqual(r.returncode, 0, r.stderr)
        name = "deferred/%s/%s" % (qid[0], qid)
        for line in ("*** ENVELOPE RECORDS %s ***" % name, "sender: alice@example.org",
                     "recipient: bob@remote.example", "*** MESSAGE CONTENTS %s ***" % name,
                     "Subject: via smtp", "hello world", "*** MESSAGE FILE END %s ***" % name):
            self.assertIn(line + "\n", r.stdout)
        self.assertRegex(r.stdout, r"\nReceived: from ")
        self.assertEqual(self.super_ok("-h", qid), "postsuper: %s: placed on hold\n"
                         "postsuper: Placed on hold: 1 message\n" % qid)
        self.assertEqual(self.super_ok("-H", qid), "postsuper: %s: released from hold\n"
                         "postsuper: Released from hold: 1 message\n" % qid)
        wait_for(lambda: self.where(qid) == "deferred", 10, what="deferred again")
        self.assertEqual(self.super_ok("-d", qid), "postsuper: %s: removed\npostsuper: Deleted: 1 message\n" % qid)
        self.assertEqual(self.mailq("-p"), "Mail queue is empty\n")


    def test_requeue_goes_through_pickup_and_cleanup(self):
        with smtplib.SMTP("127.0.0.1", self.port, timeout=20) as s:
            s.sendmail("alice@example.org", ["bob@remote.example"], b"Subject: again\r\n\r\nbody\r\n")
        log = self.inst.wait_log("status=deferred", timeout=30)
        qid = re.search(r"\]: ([0-9A-F]+): to=<bob@remote.example>", log).group(1)
        wait_for(lambda: self.where(qid) == "deferred", 10, what="deferred file")
        self.assertEqual(self.super_ok("-r", qid), "postsuper: %s: requeued\npostsuper: Requeued: 1 message\n" % qid)
        # pickup feeds the file through cleanup: a new queue ID, the same envelope
        log = self.inst.wait_log("from=<alice@example.org>, size=", timeout=30)
        new = wait_for(lambda: re.findall(r"pickup\[\d+\]: ([0-9A-F]+): uid=\d+ from=<alice@example.org>",
                                          self.inst.log()), 30, what="pickup log line")[0]
        self.assertNotEqual(new, qid)
        wait_for(lambda: self.where(new) == "deferred", 30, what="requeued message deferred again")
        self.assertIsNone(self.where(qid))
        out = self.mailq("-p")
        self.assertIn(new, out)
        self.assertIn("bob@remote.example", out)
        r = pctest.run([pctest.sbin("postcat"), "-c", self.inst.etc, "-b", "-q", new])
        self.assertEqual(r.stdout, "\nbody\n")


class TestMaildrop(RootBase):
    """A local submission waiting in maildrop/ (no pickup running): postdrop's file is
    root's and 0644, showq lists it as Postfix does (size = file size, no reason)."""
    master_cf = JAILED_MASTER_CF.replace("pickup ", "#pickup ")

    def test_maildrop_entry(self):
        r = pctest.run([pctest.sbin("sendmail"), "-C", self.inst.etc, "-f", "alice@example.org",
                        "erin@remote.example"], input="Subject: md\n\nmaildrop\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = os.listdir(self.path("maildrop"))
        self.assertEqual(len(names), 1)
        qid = names[0]
        size = os.stat(self.path("maildrop", qid)).st_size
        out = self.mailq("-p")
        self.assertRegex(out, r"\n%s +%d \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d  alice@example.org\n"
                              r" {41}erin@remote.example\n\n-- 0 Kbytes in 1 Request.\n$" % (qid, size))
        # the real recording's maildrop entry has the same shape
        real = data("real-mailq.out").split("\n\n")[0].split("\n")[1:]
        self.assertRegex(real[0], r"^[0-9A-F]+ +\d+ .* alice@example.org$")
        self.assertEqual(real[1], " " * 41 + "erin@remote.example")
        r = pctest.run([pctest.sbin("sendmail"), "-C", self.inst.etc, "-bp"])
        self.assertEqual(r.stdout, out)
        r = pctest.run([pctest.sbin("postcat"), "-c", self.inst.etc, "-q", qid])
        self.assertIn("*** ENVELOPE RECORDS maildrop/%s ***\n" % qid, r.stdout)
        self.assertIn("recipient: erin@remote.example\n", r.stdout)


class TestUsers(RootBase):
    """Plain users: showq and flush check the client's uid."""
    extra = "authorized_mailq_users = root, !%(deny)s, static:anyone\n" \
            "authorized_flush_users = %(allow)s\n"

    def setUp(self):
        self.users = [make_user(pctest.tempfile.gettempdir()) for _ in range(3)]
        for u in self.users:
            self.addCleanup(remove_user, u[0])
        self.allow, self.deny, self.plain = [u[0] for u in self.users]
        self.extra = self.extra % {"deny": self.deny, "allow": self.allow}
        super().setUp()
        self.put("hold", "a@example.org", ["x@remote.example"])
        self.gid = grp.getgrnam(pctest.setgid_group()).gr_gid

    def as_user(self, user, *args, groups=True):
        """postqueue as user; with groups, also in setgid_group (the group
        that may enter $queue_directory/public, see docs/queue-tools.md)."""
        argv = ["setpriv", "--reuid", user, "--regid", user]
        argv += ["--groups", str(self.gid)] if groups else ["--clear-groups"]
        return pctest.run(argv + [pctest.sbin("postqueue"), "-c", self.inst.etc] + list(args))

    def test_mailq_for_a_user(self):
        r = self.as_user(self.allow, "-p")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("x@remote.example", r.stdout)
        self.assertTrue(r.stdout.endswith("-- 0 Kbytes in 1 Request.\n"), r.stdout)
        r = self.as_user(self.allow, "-j")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"queue_name": "hold"', r.stdout)

    def test_authorized_mailq_users_denies(self):
        uid = pctest.pwd.getpwnam(self.deny).pw_uid
        r = self.as_user(self.deny, "-p")
        self.assertEqual((r.returncode, r.stdout), (69, ""))
        self.assertEqual(r.stderr, "postqueue: fatal: User %s(%d) is not allowed to view the mail queue\n"
                         % (self.deny, uid))

    def test_authorized_flush_users(self):
        r = self.as_user(self.allow, "-f")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        uid = pctest.pwd.getpwnam(self.deny).pw_uid
        for args in (["-f"], ["-i", "ABCDEF1234"]):
            r = self.as_user(self.deny, *args)
            self.assertEqual(r.returncode, 69)
            self.assertEqual(r.stderr, "postqueue: fatal: User %s(%d) is not allowed to flush the mail queue\n"
                             % (self.deny, uid))

    def test_plain_user_outside_setgid_group(self):
        # $queue_directory/public is mail_owner:setgid_group 0710 (as Postfix's),
        # and postqueue is not set-gid: a user outside that group cannot reach
        # public/showq.  This documents the current limit (docs/queue-tools.md).
        r = self.as_user(self.plain, "-p", groups=False)
        self.assertEqual(r.returncode, 69)
        self.assertEqual(r.stderr, "postqueue: fatal: Queue report unavailable - mail system is down "
                         "(Connect to the Postfix showq service: Permission denied)\n")


if __name__ == "__main__":
    unittest.main()
