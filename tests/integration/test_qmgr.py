"""qmgr: start-up scan and resume, delivery through the delivery protocol,
deferral with back-off (deferred/<hash>/ID, mtime = next attempt), F flush,
expiry and RFC 3464 notifications, the null sender, corrupt files, many
recipients, crashing agents and concurrency limits.

Each test runs a real master with the stock qmgr line in a temp instance.
Delivery agents are played by FakeAgent, a Python server on
$queue_directory/private/<transport> that speaks the delivery protocol
(docs/internal-protocols.md); notifications are received by FakeCleanup on
public/cleanup, which speaks the cleanup protocol, so no other daemon is
needed.  Queue files are written with qfile.py.
"""
import email
import email.policy
import itertools
import os
import pwd
import random
import re
import socket
import threading
import time
import unittest

from attrproto import escape, unescape
import pctest
import qfile
from pctest import Instance, wait_for

QMGR_LINE = "qmgr      unix  n       -       n       300     1       qmgr\n"

_ids = itertools.count(random.randint(1, 1 << 20))


def new_id():
    """A queue ID of Postfix's short form (unique within a test run)."""
    return "%05X%X" % (random.randint(0, 0xFFFFF), 0x100000 + next(_ids))


def read_list(f):
    """One attribute list as [(name, value)], or None at EOF."""
    items = []
    while True:
        line = f.readline()
        if not line:
            return None
        line = line.decode().rstrip("\n")
        if line == "":
            return items
        k, _, v = line.partition("=")
        items.append((k, unescape(v)))


class Server:
    """A UNIX stream server on path, one thread per connection."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)
        self.sock.listen(128)
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve_conn, args=(conn,), daemon=True).start()

    def serve_conn(self, conn):
        conn.settimeout(20)
        try:
            with conn, conn.makefile("rwb") as f:
                self.serve(f)
        except (OSError, ValueError):
            pass

    def close(self):
        self.stop = True
        try:
            self.sock.close()
            os.unlink(self.path)
        except OSError:
            pass


class FakeAgent(Server):
    """Delivery agent: answer(rcpt) -> (status, dsn, reason); mode "crash"
    answers the first recipient and hangs up; delay holds each request."""

    def __init__(self, path, answer=None, mode="normal", delay=0.0):
        self.answer = answer or (lambda r: ("sent", "2.0.0", "delivered to maildir"))
        self.mode = mode
        self.delay = delay
        self.requests = []
        self.active = 0
        self.max_active = 0
        super().__init__(path)

    def serve(self, f):
        if self.mode == "silent":
            time.sleep(10)
            return
        if self.mode == "badproto":
            f.write(b"proto=cleanup\nversion=1\n\n")
            f.flush()
            return
        f.write(b"proto=delivery\nversion=1\n\n")
        f.flush()
        req = read_list(f)
        if req is None:
            return
        rcpts = []
        for k, v in req:
            if k == "rcpt":
                rcpts.append({"rcpt": v})
            elif rcpts and k in ("orig_rcpt", "orcpt", "notify", "index"):
                rcpts[-1][k] = v
        with self.lock:
            self.requests.append({"attrs": dict(req), "rcpts": rcpts})
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if self.mode == "hang":
                time.sleep(10)
                return
            if self.mode == "flood":
                f.write(b"x" * 300000)
                f.flush()
                time.sleep(2)
                return
            if self.delay:
                time.sleep(self.delay)
            for n, r in enumerate(rcpts):
                if self.mode == "crash" and n == 1:
                    return
                status, dsn, reason = self.answer(r["rcpt"])
                f.write(("index=%s\nstatus=%s\ndsn=%s\nreason=%s\n\n"
                         % (r["index"], status, dsn, escape(reason))).encode())
                f.flush()
            if self.mode == "crash":
                return
            f.write(b"end=1\n\n")
            f.flush()
        finally:
            with self.lock:
                self.active -= 1

    def all_rcpts(self):
        with self.lock:
            return [r["rcpt"] for q in self.requests for r in q["rcpts"]]


class FakeCleanup(Server):
    """cleanup service: records each submitted message (envelope + content)."""

    def __init__(self, path):
        self.messages = []
        super().__init__(path)

    def serve(self, f):
        qid = new_id()
        f.write(("proto=cleanup\nversion=1\nqueue_id=%s\n\n" % qid).encode())
        f.flush()
        env = read_list(f)
        if env is None:
            return
        data = bytearray()
        while True:
            n = int(f.readline().decode().strip())
            if n == 0:
                break
            data += f.read(n)
        with self.lock:
            self.messages.append({"id": qid, "env": env, "data": bytes(data)})
        f.write(b"status=0\n\n")
        f.flush()


class QmgrBase(unittest.TestCase):
    def make(self, extra="", agent=True, cleanup=True, **agent_args):
        self.inst = Instance(main_cf_extra=extra, master_cf=QMGR_LINE)
        self.addCleanup(self.inst.stop)
        if os.environ.get("QMGR_TEST_DEBUG"):
            self.addCleanup(lambda: print("\n--- maillog ---\n" + self.inst.log()))
        spool = self.inst.spool
        self.owner = pwd.getpwnam(pctest.mail_owner())
        for d in ("private", "public", "incoming", "active", "deferred", "defer", "bounce",
                  "corrupt", "hold"):
            p = os.path.join(spool, d)
            os.makedirs(p, exist_ok=True)
            os.chmod(p, 0o711 if d == "public" else 0o700)
            self.chown(p)
        self.agent = None
        if agent:
            self.agent = FakeAgent(os.path.join(spool, "private", "local"), **agent_args)
            self.addCleanup(self.agent.close)
        self.cleanup = None
        if cleanup:
            self.cleanup = FakeCleanup(os.path.join(spool, "public", "cleanup"))
            self.addCleanup(self.cleanup.close)
        return self.inst

    def start(self):
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the private/public directories belong to mail_owner now; our sockets stay usable
        self.trigger(b"W")

    def path(self, *parts):
        return os.path.join(self.inst.spool, *parts)

    def chown(self, path):
        if os.geteuid() == 0:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def queue(self, sender="alice@test.example", rcpts=("bob@test.example",), body=None,
              queue="incoming", arrival=None, extra=None, qid=None, raw=None):
        qid = qid or new_id()
        body = body or ("From: %s\nTo: %s\nSubject: test %s\n\nHello.\n" % (sender, rcpts[0], qid))
        recs = raw if raw is not None else qfile.message(sender, [], body, arrival=arrival)
        if raw is None:
            # recipients (with optional O/N records) before the content
            pos = next(i for i, (t, _) in enumerate(recs) if t == "M")
            rr = []
            for r in rcpts:
                if isinstance(r, tuple):
                    addr, orcpt, notify = r
                    if orcpt:
                        rr.append(("O", orcpt))
                    if notify:
                        rr.append(("N", notify))
                    rr.append(("R", addr))
                else:
                    rr.append(("R", r))
            recs = recs[:pos] + (extra or []) + rr + recs[pos:]
        d = self.path(queue)
        if queue == "deferred":
            d = os.path.join(d, qid[0])
            os.makedirs(d, exist_ok=True)
            self.chown(d)
        p = os.path.join(d, qid)
        if isinstance(recs, bytes):
            with open(p, "wb") as f:
                f.write(recs)
        else:
            qfile.write(p, recs)
        self.chown(p)
        return qid

    def trigger(self, req=b"A"):
        p = self.path("public", "qmgr")
        wait_for(lambda: os.path.exists(p), 10, what="public/qmgr")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(p)
        s.sendall(req)
        s.close()

    def gone(self, qid):
        for q in ("incoming", "active", "corrupt"):
            if os.path.exists(self.path(q, qid)):
                return False
        return not os.path.exists(self.path("deferred", qid[0], qid))

    def wait_gone(self, qid, timeout=10):
        wait_for(lambda: self.gone(qid), timeout, what="%s removed" % qid)

    def deferred_path(self, qid):
        return self.path("deferred", qid[0], qid)

    def wait_deferred(self, qid, timeout=10):
        wait_for(lambda: os.path.exists(self.deferred_path(qid)), timeout, what="%s deferred" % qid)

    def notices(self, n=1, timeout=10):
        wait_for(lambda: len(self.cleanup.messages) >= n, timeout, what="%d notification(s)" % n)
        return self.cleanup.messages

    def parse_dsn(self, msg):
        return email.message_from_bytes(msg["data"], policy=email.policy.compat32)


def dsn_parts(m):
    """(human text, per-message fields, [per-recipient fields], returned part) of a report."""
    parts = m.get_payload()
    human = parts[0].get_payload()
    status = parts[1]
    blocks = status.get_payload()
    per_msg = dict(blocks[0].items())
    per_rcpt = [dict(b.items()) for b in blocks[1:]]
    return human, per_msg, per_rcpt, parts[2] if len(parts) > 2 else None


class TestDelivery(QmgrBase):
    def test_delivers_logs_and_removes(self):
        self.make()
        qid = self.queue(rcpts=["bob@test.example"])
        self.start()
        self.wait_gone(qid)
        log = self.inst.wait_log("%s: removed" % qid)
        self.assertRegex(log, r"postfix/qmgr\[\d+\]: %s: from=<alice@test.example>, size=\d+, "
                         r"nrcpt=1 \(queue active\)" % qid)
        req = self.agent.requests[0]
        self.assertEqual(req["attrs"]["queue_id"], qid)
        self.assertEqual(req["attrs"]["queue_file"], "active/" + qid)
        self.assertEqual(req["attrs"]["queue_name"], "active")
        self.assertEqual(req["attrs"]["sender"], "alice@test.example")
        self.assertEqual(req["attrs"]["transport"], "local")
        self.assertEqual(req["rcpts"][0]["rcpt"], "bob@test.example")

    def test_new_mail_trigger_and_size(self):
        self.make()
        self.start()
        body = "Subject: x\n\n" + "line\n" * 10
        qid = self.queue(body=body)
        self.trigger(b"A")
        log = self.inst.wait_log("%s: removed" % qid)
        self.assertIn("%s: from=<alice@test.example>, size=%d, nrcpt=1 (queue active)"
                      % (qid, len(body)), log)
        self.assertEqual(self.cleanup.messages, [])

    def test_many_recipients_local_one_per_request(self):
        self.make()
        rcpts = ["u%d@test.example" % i for i in range(60)]
        qid = self.queue(rcpts=rcpts)
        self.start()
        self.wait_gone(qid, timeout=30)
        self.assertEqual(sorted(self.agent.all_rcpts()), sorted(rcpts))
        self.assertTrue(all(len(r["rcpts"]) == 1 for r in self.agent.requests))
        self.assertIn("nrcpt=60 (queue active)", self.inst.log())

    def test_recipient_limit_batches(self):
        self.make("local_destination_recipient_limit = 25\n")
        rcpts = ["u%d@test.example" % i for i in range(60)]
        qid = self.queue(rcpts=rcpts)
        self.start()
        self.wait_gone(qid, timeout=30)
        self.assertEqual(sorted(len(r["rcpts"]) for r in self.agent.requests), [10, 25, 25])
        self.assertEqual(sorted(self.agent.all_rcpts()), sorted(rcpts))

    def test_cleanup_layout_recipients_after_content(self):
        # as cleanup writes: envelope, content, X, then C and the recipients with their
        # O/N records and orig_rcpt attributes; unknown attributes are ignored
        recs = [("T", "%d.000001" % time.time()), ("S", "alice@test.example"),
                ("A", "origin=smtpd"), ("A", "client_name=localhost"), ("A", "x_unknown=1"),
                ("A", "dsn_envid=ENV123"), ("M", ""), ("L", "Subject: layout"), ("L", ""),
                ("l", "long line "), ("L", "continued"), ("X", ""), ("C", "4321 10 2"),
                ("O", "rfc822;Orig@Test.Example"), ("N", "SUCCESS,FAILURE"),
                ("A", "orig_rcpt=alias@test.example"), ("R", "bob@test.example"),
                ("A", "orig_rcpt=carol@test.example"), ("R", "carol@test.example"), ("E", "")]
        self.make()
        qid = self.queue(raw=recs)
        self.start()
        self.wait_gone(qid)
        self.assertIn("%s: from=<alice@test.example>, size=4321, nrcpt=2 (queue active)" % qid,
                      self.inst.log())
        rc = {r["rcpt"]: r for q in self.agent.requests for r in q["rcpts"]}
        self.assertEqual(rc["bob@test.example"].get("orig_rcpt"), "alias@test.example")
        self.assertEqual(rc["bob@test.example"].get("orcpt"), "rfc822;Orig@Test.Example")
        self.assertEqual(rc["bob@test.example"].get("notify"), "SUCCESS,FAILURE")
        self.assertNotIn("orig_rcpt", rc["carol@test.example"])
        self.assertNotIn("notify", rc["carol@test.example"])
        self.assertEqual(self.agent.requests[0]["attrs"].get("dsn_envid"), "ENV123")
        # NOTIFY=SUCCESS: a success report, with the ENVID
        m = self.parse_dsn(self.notices(1)[0])
        self.assertIn("Original-Envelope-Id: ENV123", m.get_payload()[1].as_string())

    def test_done_recipients_are_skipped(self):
        self.make()
        qid = self.queue(rcpts=["a@test.example", "b@test.example"],
                         extra=[("D", "old@test.example")])
        self.start()
        self.wait_gone(qid)
        self.assertEqual(sorted(self.agent.all_rcpts()), ["a@test.example", "b@test.example"])
        self.assertIn("nrcpt=3 (queue active)", self.inst.log())

    def test_partial_progress_is_marked_in_the_file(self):
        # one recipient delivered, one deferred: the file keeps a D and an R record
        self.make(answer=lambda r: ("sent", "2.0.0", "ok") if r.startswith("a@")
                  else ("deferred", "4.2.0", "mailbox busy"))
        qid = self.queue(rcpts=["a@test.example", "b@test.example"])
        self.start()
        self.wait_deferred(qid)
        recs = qfile.read(self.deferred_path(qid))
        self.assertEqual(qfile.values(recs, "D"), ["a@test.example"])
        self.assertEqual(qfile.values(recs, "R"), ["b@test.example"])
        with open(self.path("defer", qid[0], qid)) as f:
            text = f.read()
        self.assertIn("4.2.0\tb@test.example\tmailbox busy", text)
        self.assertNotIn("a@test.example", text)


class TestStartup(QmgrBase):
    def test_resumes_active_and_removes_stale_tmp(self):
        self.make()
        qa = self.queue(queue="active")
        qi = self.queue(queue="incoming")
        stale = self.path("incoming", ".tmp.1234.1.000001")
        fresh = self.path("incoming", ".tmp.1234.2.000002")
        for p in (stale, fresh):
            with open(p, "w") as f:
                f.write("partial")
            self.chown(p)
        old = time.time() - 2 * 86400
        os.utime(stale, (old, old))
        self.start()
        self.wait_gone(qa)
        self.wait_gone(qi)
        wait_for(lambda: not os.path.exists(stale), 10, what="stale tmp removed")
        self.assertTrue(os.path.exists(fresh))
        self.assertIn("%s: removed" % qa, self.inst.log())

    def test_due_deferred_mail_is_retried_at_startup(self):
        self.make()
        qid = self.queue(queue="deferred")
        past = time.time() - 10
        os.utime(self.deferred_path(qid), (past, past))
        qnot = self.queue(queue="deferred")
        future = time.time() + 3600
        os.utime(self.deferred_path(qnot), (future, future))
        self.start()
        self.wait_gone(qid)
        time.sleep(0.5)
        self.assertTrue(os.path.exists(self.deferred_path(qnot)))

    def test_corrupt_file_moves_to_corrupt(self):
        self.make()
        good = qfile.encode(qfile.message("a@test.example", ["b@test.example"], "S: x\n\nbody\n"))
        qid = self.queue(raw=good[:-3])      # no END record
        qid2 = self.queue(raw=b"Zjunk")       # unknown record type
        qid3 = self.queue(raw=qfile.encode([("T", "1.0"), ("R", "x@test.example"), ("E", "")]))
        self.start()
        for q in (qid, qid2, qid3):
            wait_for(lambda: os.path.exists(self.path("corrupt", q)), 10, what="corrupt/" + q)
            self.assertFalse(os.path.exists(self.path("active", q)))
        for q in (qid, qid2, qid3):
            wait_for(lambda: re.search(r"qmgr\[\d+\]: warning: %s: corrupt queue file" % q, self.inst.log()),
                     10, what="corrupt warning for " + q)
        self.assertEqual(self.agent.requests, [])


class TestDeferral(QmgrBase):
    def test_missing_transport_defers_with_backoff_and_mtime(self):
        self.make("minimal_backoff_time = 600s\nmaximal_backoff_time = 4000s\n", agent=False)
        qid = self.queue()
        t0 = time.time()
        self.start()
        self.wait_deferred(qid)
        log = self.inst.wait_log("status=deferred (mail transport unavailable)")
        self.assertRegex(log, r"qmgr\[\d+\]: %s: to=<bob@test.example>, relay=none, "
                         r"delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/0/0, dsn=4.3.0, "
                         r"status=deferred \(mail transport unavailable\)" % qid)
        self.assertRegex(log, r"warning: connect to transport private/local: No such file or directory")
        mtime = os.stat(self.deferred_path(qid)).st_mtime
        self.assertGreaterEqual(mtime, t0 + 600 - 2)
        self.assertLessEqual(mtime, time.time() + 600 + 2)
        with open(self.path("defer", qid[0], qid)) as f:
            self.assertIn("4.3.0\tbob@test.example\tmail transport unavailable", f.read())
        self.assertNotIn("%s: removed" % qid, log)

    def test_hash_queue_depth_two(self):
        self.make("hash_queue_depth = 2\n", agent=False)
        qid = self.queue()
        self.start()
        p = self.path("deferred", qid[0], qid[1], qid)
        wait_for(lambda: os.path.exists(p), 10, what=p)
        self.assertTrue(os.path.exists(self.path("defer", qid[0], qid[1], qid)))
        self.agent = FakeAgent(self.path("private", "local"))
        self.addCleanup(self.agent.close)
        self.trigger(b"F")
        wait_for(lambda: not os.path.exists(p), 10, what="%s retried" % qid)
        self.inst.wait_log("%s: removed" % qid)

    def test_backoff_grows_with_age_up_to_maximum(self):
        self.make("minimal_backoff_time = 100s\nmaximal_backoff_time = 2000s\n", agent=False)
        young = self.queue(arrival=time.time() - 10)
        middle = self.queue(arrival=time.time() - 1000)
        old = self.queue(arrival=time.time() - 86400)
        self.start()
        for q in (young, middle, old):
            self.wait_deferred(q)
        now = time.time()
        delay = {q: os.stat(self.deferred_path(q)).st_mtime - now for q in (young, middle, old)}
        self.assertAlmostEqual(delay[young], 100, delta=5)
        self.assertAlmostEqual(delay[middle], 1000, delta=5)
        self.assertAlmostEqual(delay[old], 2000, delta=5)

    def test_flush_retries_deferred_now(self):
        self.make(agent=False)
        qid = self.queue()
        self.start()
        self.wait_deferred(qid)
        self.agent = FakeAgent(self.path("private", "local"))
        self.addCleanup(self.agent.close)
        self.trigger(b"W")          # a wakeup alone does not retry mail that is not due
        time.sleep(1)
        self.assertTrue(os.path.exists(self.deferred_path(qid)))
        # transport_retry_time (60s) would keep the dead transport from being tried;
        # "postfix flush" sends F (and A) to public/qmgr
        r = self.inst.postfix("flush")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_gone(qid)
        self.inst.wait_log("%s: removed" % qid)
        self.assertFalse(os.path.exists(self.path("defer", qid[0], qid)))
        self.assertEqual(self.agent.all_rcpts(), ["bob@test.example"])

    def test_agent_crash_defers_the_unanswered(self):
        self.make("local_destination_recipient_limit = 10\n", mode="crash")
        qid = self.queue(rcpts=["a@test.example", "b@test.example", "c@test.example"])
        self.start()
        self.wait_deferred(qid)
        log = self.inst.log()
        self.assertRegex(log, r"warning: %s: private/local: delivery agent disconnected" % qid)
        for r in ("b@test.example", "c@test.example"):
            self.assertRegex(log, r"%s: to=<%s>, relay=none, .*dsn=4.3.0, status=deferred "
                             r"\(unknown mail transport error\)" % (qid, r))
        recs = qfile.read(self.deferred_path(qid))
        self.assertEqual(qfile.values(recs, "D"), ["a@test.example"])
        self.assertEqual(sorted(qfile.values(recs, "R")), ["b@test.example", "c@test.example"])

    def test_garbage_from_agent_is_a_protocol_error(self):
        self.make(answer=lambda r: ("weird", "9.9.9", "x"))
        qid = self.queue()
        self.start()
        self.wait_deferred(qid)
        self.assertRegex(self.inst.log(), r"warning: %s: private/local: malformed or unexpected reply" % qid)

    def test_hostile_agents(self):
        cases = [("silent", "timeout while waiting for the delivery agent's greeting"),
                 ("hang", "timeout while waiting for the delivery agent's answer"),
                 ("flood", "attribute line too long"),
                 ("badproto", "bad protocol greeting")]
        for mode, warning in cases:
            with self.subTest(mode=mode):
                self.make("qmgr_ipc_timeout = 2s\nqmgr_daemon_timeout = 2s\n", mode=mode)
                qid = self.queue()
                t0 = time.time()
                self.start()
                self.wait_deferred(qid, timeout=15)
                self.assertLess(time.time() - t0, 8)
                log = self.inst.log()
                self.assertIn("warning: %s: private/local: %s" % (qid, warning), log)
                self.assertRegex(log, r"%s: to=<bob@test.example>, relay=none, .*status=deferred "
                                 r"\(unknown mail transport error\)" % qid)
                self.agent.close()
                self.inst.stop()

    def test_delay_warning_brings_the_next_attempt_forward(self):
        self.make("delay_warning_time = 1000s\nminimal_backoff_time = 3000s\n"
                  "maximal_backoff_time = 4000s\n", agent=False)
        qid = self.queue(arrival=time.time() - 100)
        self.start()
        self.wait_deferred(qid)
        due = os.stat(self.deferred_path(qid)).st_mtime - time.time()
        self.assertAlmostEqual(due, 900, delta=10)

    def test_defer_reasons_survive_restart(self):
        self.make(answer=lambda r: ("deferred", "4.2.2", "mailbox full"))
        qid = self.queue()
        self.start()
        self.wait_deferred(qid)
        self.inst.postfix("stop")
        wait_for(lambda: not self.inst.master_pid(), 10, what="master stop")
        with open(self.path("defer", qid[0], qid)) as f:
            self.assertIn("4.2.2\tbob@test.example\tmailbox full\n", f.read())
        self.agent.answer = lambda r: ("sent", "2.0.0", "delivered to maildir")
        os.utime(self.deferred_path(qid), (time.time() - 1, time.time() - 1))
        self.start()
        self.wait_gone(qid)
        self.assertFalse(os.path.exists(self.path("defer", qid[0], qid)))


class TestNotifications(QmgrBase):
    def expire_one(self, sender="alice@test.example", extra="", rcpts=("bob@test.example",),
                   body=None, env_extra=None):
        self.make("maximal_queue_lifetime = 1h\nbounce_queue_lifetime = 1h\n" + extra, agent=False)
        qid = self.queue(sender=sender, rcpts=rcpts, arrival=time.time() - 7200, body=body,
                         extra=env_extra)
        self.start()
        self.wait_gone(qid)
        return qid

    def test_expiry_bounce_is_rfc3464(self):
        body = "From: alice@test.example\nTo: bob@test.example\nSubject: hello there\n\nBody text.\n"
        qid = self.expire_one(body=body, rcpts=[("bob@test.example", "rfc822;Bob@Test.Example", "")])
        log = self.inst.wait_log("%s: from=<alice@test.example>, status=expired, returned to sender" % qid)
        n = self.notices(1)[0]
        self.assertRegex(log, r"qmgr\[\d+\]: %s: sender non-delivery notification: %s" % (qid, n["id"]))
        env = dict(n["env"])
        self.assertEqual(env["origin"], "bounce")
        self.assertEqual(env["sender"], "")
        self.assertEqual([v for k, v in n["env"] if k == "rcpt"], ["alice@test.example"])
        m = self.parse_dsn(n)
        self.assertEqual(m.get_content_type(), "multipart/report")
        self.assertEqual(m.get_param("report-type"), "delivery-status")
        self.assertEqual(m["Subject"], "Undelivered Mail Returned to Sender")
        self.assertEqual(m["To"], "alice@test.example")
        self.assertEqual(m["Auto-Submitted"], "auto-replied")
        self.assertTrue(m["From"].startswith("MAILER-DAEMON@test.example"))
        parts = m.get_payload()
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "message/delivery-status", "message/rfc822"])
        human, per_msg, per_rcpt, orig = dsn_parts(m)
        self.assertIn("This is the mail system at host test.example.", human)
        self.assertIn("<bob@test.example>: mail transport unavailable", human)
        self.assertEqual(per_msg["Reporting-MTA"], "dns; test.example")
        self.assertEqual(per_msg["X-Postfix-Queue-ID"], qid)
        self.assertEqual(per_msg["X-Postfix-Sender"], "rfc822; alice@test.example")
        self.assertIn("Arrival-Date", per_msg)
        self.assertEqual(len(per_rcpt), 1)
        self.assertEqual(per_rcpt[0]["Final-Recipient"], "rfc822; bob@test.example")
        self.assertEqual(per_rcpt[0]["Original-Recipient"], "rfc822;Bob@Test.Example")
        self.assertEqual(per_rcpt[0]["Action"], "failed")
        self.assertEqual(per_rcpt[0]["Status"], "4.3.0")
        self.assertEqual(per_rcpt[0]["Diagnostic-Code"], "X-Postfix; mail transport unavailable")
        returned = orig.get_payload()[0]
        self.assertEqual(returned["Subject"], "hello there")
        self.assertIn("Body text.", returned.get_payload())
        self.assertFalse(os.path.exists(self.path("defer", qid[0], qid)))
        self.assertFalse(os.path.exists(self.path("bounce", qid)))

    def test_permanent_failure_bounces_at_once(self):
        self.make(answer=lambda r: ("bounced", "5.1.1", 'unknown user: "nosuch"') if r.startswith("nosuch")
                  else ("sent", "2.0.0", "delivered to maildir"))
        qid = self.queue(rcpts=["nosuch@test.example", "bob@test.example"])
        self.start()
        self.wait_gone(qid)
        m = self.parse_dsn(self.notices(1)[0])
        human, per_msg, per_rcpt, orig = dsn_parts(m)
        self.assertEqual(len(per_rcpt), 1)
        self.assertEqual(per_rcpt[0]["Final-Recipient"], "rfc822; nosuch@test.example")
        self.assertEqual(per_rcpt[0]["Status"], "5.1.1")
        self.assertEqual(per_rcpt[0]["Action"], "failed")
        self.assertIn('<nosuch@test.example>: unknown user: "nosuch"', human)
        self.assertIn("I'm sorry to have to inform you", human)
        self.assertEqual(orig.get_content_type(), "message/rfc822")

    def test_ret_hdrs_and_size_limit_return_headers_only(self):
        self.make("bounce_size_limit = 1000\n",
                  answer=lambda r: ("bounced", "5.1.1", "unknown user"))
        big = "Subject: big\n\n" + ("x" * 70 + "\n") * 100
        q1 = self.queue(body=big)
        q2 = self.queue(body="Subject: small\n\nsmall body\n", extra=[("A", "dsn_ret=HDRS")])
        self.start()
        self.wait_gone(q1)
        self.wait_gone(q2)
        for n in self.notices(2):
            m = self.parse_dsn(n)
            orig = dsn_parts(m)[3]
            self.assertEqual(orig.get_content_type(), "text/rfc822-headers")
            self.assertNotIn("xxxxxxxx", orig.get_payload())
            self.assertNotIn("small body", orig.get_payload())

    def test_null_sender_gets_no_bounce(self):
        qid = self.expire_one(sender="")
        log = self.inst.wait_log("%s: removed" % qid)
        self.assertIn("%s: from=<>, status=expired, returned to sender" % qid, log)
        self.assertIn("%s: undeliverable bounce discarded (null sender)" % qid, log)
        time.sleep(0.3)
        self.assertEqual(self.cleanup.messages, [])

    def test_bounce_of_bounce_goes_to_2bounce_recipient(self):
        qid = self.expire_one(sender="", extra="notify_classes = resource, software, 2bounce\n")
        n = self.notices(1)[0]
        self.assertEqual([v for k, v in n["env"] if k == "rcpt"], ["postmaster"])
        self.assertEqual(dict(n["env"])["sender"], "double-bounce@test.example")
        self.assertRegex(self.inst.log(), r"%s: postmaster non-delivery notification: %s" % (qid, n["id"]))

    def test_failed_double_bounce_is_discarded(self):
        qid = self.expire_one(sender="double-bounce@test.example")
        log = self.inst.wait_log("%s: removed" % qid)
        self.assertIn("%s: undeliverable postmaster notification discarded" % qid, log)
        self.assertEqual(self.cleanup.messages, [])

    def test_notify_classes_bounce_copies_postmaster(self):
        self.expire_one(extra="notify_classes = bounce, resource, software\n")
        msgs = self.notices(2)
        rcpts = sorted([v for k, v in n["env"] if k == "rcpt"][0] for n in msgs)
        self.assertEqual(rcpts, ["alice@test.example", "postmaster"])
        pm = [n for n in msgs if ("rcpt", "postmaster") in n["env"]][0]
        self.assertEqual(dict(pm["env"])["sender"], "double-bounce@test.example")
        self.assertEqual(dsn_parts(self.parse_dsn(pm))[3].get_content_type(), "text/rfc822-headers")

    def test_notify_never_and_success(self):
        self.make(answer=lambda r: ("bounced", "5.1.1", "unknown user") if r.startswith("x")
                  else ("sent", "2.0.0", "delivered to maildir"))
        qid = self.queue(rcpts=[("x1@test.example", None, "NEVER"),
                                ("ok@test.example", None, "SUCCESS")])
        self.start()
        self.wait_gone(qid)
        n = self.notices(1)
        time.sleep(0.5)
        self.assertEqual(len(self.cleanup.messages), 1)
        m = self.parse_dsn(n[0])
        self.assertEqual(m["Subject"], "Successful Mail Delivery Report")
        per_rcpt = dsn_parts(m)[2]
        self.assertEqual([(r["Final-Recipient"], r["Action"]) for r in per_rcpt],
                         [("rfc822; ok@test.example", "delivered")])
        self.assertIn("%s: sender delivery status notification: %s" % (qid, n[0]["id"]), self.inst.log())

    def test_delay_warning(self):
        self.make("delay_warning_time = 1h\n", agent=False)
        q1 = self.queue(arrival=time.time() - 7200)
        q2 = self.queue(arrival=time.time() - 7200, rcpts=[("bob@test.example", None, "FAILURE")])
        self.start()
        self.wait_deferred(q1)
        self.wait_deferred(q2)
        n = self.notices(1)
        time.sleep(0.5)
        self.assertEqual(len(self.cleanup.messages), 1)
        m = self.parse_dsn(n[0])
        self.assertEqual(m["Subject"], "Delayed Mail (still being retried)")
        human, per_msg, per_rcpt, orig = dsn_parts(m)
        self.assertEqual(per_msg["X-Postfix-Queue-ID"], q1)
        self.assertEqual(per_rcpt[0]["Action"], "delayed")
        self.assertEqual(per_rcpt[0]["Status"], "4.3.0")
        self.assertIn("Will-Retry-Until", per_rcpt[0])
        self.assertIn("THIS IS A WARNING ONLY", human)
        self.assertEqual(orig.get_content_type(), "text/rfc822-headers")
        with open(self.path("defer", q1[0], q1)) as f:
            self.assertRegex(f.read(), r"^warned=\d+\n")
        # no second warning on the next attempt
        self.trigger(b"F")
        self.inst.wait_log("%s: from=<alice" % q1)
        wait_for(lambda: self.inst.log().count("%s: from=<alice@test.example>, size" % q1) >= 2, 10,
                 what="second attempt")
        self.wait_deferred(q1)
        time.sleep(0.5)
        self.assertEqual(len(self.cleanup.messages), 1)

    def test_bounce_kept_until_cleanup_takes_it(self):
        self.make(answer=lambda r: ("bounced", "5.1.1", "unknown user"), cleanup=False)
        qid = self.queue()
        self.start()
        self.wait_deferred(qid)
        self.assertTrue(os.path.exists(self.path("bounce", qid)))
        self.assertRegex(self.inst.log(), r"warning: %s: sender non-delivery notification failed" % qid)
        self.cleanup = FakeCleanup(self.path("public", "cleanup"))
        self.addCleanup(self.cleanup.close)
        self.trigger(b"F")
        self.wait_gone(qid)
        m = self.parse_dsn(self.notices(1)[0])
        self.assertEqual(dsn_parts(m)[2][0]["Status"], "5.1.1")
        self.assertEqual(len(self.agent.requests), 1)   # not delivered twice


class TestConcurrency(QmgrBase):
    def test_destination_concurrency_limit(self):
        # one recipient per request; five messages to the same recipient, limit 2
        self.make("local_destination_concurrency_limit = 2\n", delay=0.5)
        ids = [self.queue(rcpts=["same@test.example"]) for _ in range(5)]
        self.start()
        for q in ids:
            self.wait_gone(q, timeout=20)
        self.assertEqual(self.agent.max_active, 2)

    def test_process_limit(self):
        self.make("default_process_limit = 3\nlocal_destination_concurrency_limit = 10\n", delay=0.5)
        ids = [self.queue(rcpts=["r%d@test.example" % i]) for i in range(8)]
        self.start()
        for q in ids:
            self.wait_gone(q, timeout=20)
        self.assertEqual(self.agent.max_active, 3)

    def test_deliveries_run_concurrently(self):
        self.make(delay=1.0)
        ids = [self.queue(rcpts=["r%d@test.example" % i]) for i in range(6)]
        self.start()
        t0 = time.time()
        for q in ids:
            self.wait_gone(q, timeout=20)
        self.assertGreaterEqual(self.agent.max_active, 2)
        self.assertLess(time.time() - t0, 5)


class TestWithLocal(QmgrBase):
    """qmgr with the real local(8) agent (started by the master), notifications
    through FakeCleanup.  As root the recipient is a throw-away user with a
    Maildir; otherwise the current user with an mbox under the temp dir."""

    def setUp(self):
        if not os.path.exists(pctest.libexec("local")):
            self.fail("the local delivery agent is not installed")

    def make_local(self, extra="", cleanup=True):
        spool_mail = None
        if os.geteuid() == 0:
            inst = self.make("home_mailbox = Maildir/\nalias_maps =\nalias_database =\n" + extra,
                             agent=False, cleanup=cleanup)
            self.user, self.home, _, _ = pctest.make_user(inst.root)
            self.addCleanup(pctest.remove_user, self.user)
        else:
            inst = self.make("alias_maps =\nalias_database =\n" + extra, agent=False, cleanup=cleanup)
            spool_mail = os.path.join(inst.root, "mail")
            os.makedirs(spool_mail)
            with open(os.path.join(inst.etc, "main.cf"), "a") as f:
                f.write("mail_spool_directory = %s\nforward_path =\n" % spool_mail)
            self.user, self.home = pctest.current_user(), None
        inst.write_master_cf(QMGR_LINE + "local     unix  -       n       n       -       -       local\n")
        self.spool_mail = spool_mail

    def mbox_text(self):
        with open(os.path.join(self.spool_mail, self.user), errors="replace") as f:
            return f.read()

    def test_delivery_through_local(self):
        self.make_local()
        qids = [self.queue(rcpts=["%s@test.example" % self.user]) for _ in range(3)]
        self.start()
        for q in qids:
            self.wait_gone(q, timeout=20)
        log = self.inst.log()
        for q in qids:
            self.assertRegex(log, r"postfix/local\[\d+\]: %s: to=<%s@test.example>, relay=local, "
                             r"delay=[0-9.]+, delays=[0-9./]+, dsn=2.0.0, status=sent" % (q, self.user))
            self.assertIn("%s: removed" % q, log)
        if self.home is not None:
            self.assertEqual(pctest.count_maildir(self.home), 3)
        else:
            self.assertEqual(self.mbox_text().count("Subject: test "), 3)

    def mailbox_messages(self):
        """The messages delivered to the test user, as email.message objects."""
        out = []
        if self.home is not None:
            d = os.path.join(self.home, "Maildir", "new")
            for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                with open(os.path.join(d, n), "rb") as f:
                    out.append(email.message_from_bytes(f.read()))
        else:
            import mailbox
            p = os.path.join(self.spool_mail, self.user)
            if os.path.exists(p):
                out = [email.message_from_bytes(m.as_bytes()) for m in mailbox.mbox(p)]
        return out

    def test_expiry_bounce_through_cleanup_and_local(self):
        # the whole return path: qmgr -> real cleanup -> queue -> qmgr -> local -> mailbox
        if not os.path.exists(pctest.libexec("cleanup")):
            self.fail("the cleanup daemon is not installed")
        self.make_local("transport_maps = inline:{ nowhere.example=nosuchtransport: }\n"
                        "maximal_queue_lifetime = 1h\n", cleanup=False)
        self.inst.write_master_cf(QMGR_LINE + "local     unix  -       n       n       -       -       local\n"
                                  "cleanup   unix  n       -       n       -       0       cleanup\n")
        sender = "%s@test.example" % self.user
        qid = self.queue(sender=sender, rcpts=["someone@nowhere.example"], arrival=time.time() - 7200,
                         body="From: %s\nSubject: doomed\n\ndoomed body\n" % sender)
        self.start()
        wait_for(lambda: self.mailbox_messages(), 30, what="the notification in the mailbox")
        log = self.inst.log()
        self.assertIn("%s: from=<%s>, status=expired, returned to sender" % (qid, sender), log)
        newid = [l.split("notification: ")[1] for l in log.splitlines()
                 if "%s: sender non-delivery notification: " % qid in l][0]
        self.assertRegex(log, r"%s: from=<>, size=\d+, nrcpt=1 \(queue active\)" % newid)
        self.inst.wait_log("%s: removed" % newid)
        m = self.mailbox_messages()[0]
        self.assertEqual(m.get_content_type(), "multipart/report")
        self.assertEqual(m["Return-Path"], "<>")
        human, per_msg, per_rcpt, orig = dsn_parts(m)
        self.assertEqual(per_msg["X-Postfix-Queue-ID"], qid)
        self.assertEqual(per_rcpt[0]["Final-Recipient"], "rfc822; someone@nowhere.example")
        self.assertEqual(per_rcpt[0]["Action"], "failed")
        self.assertIn("doomed body", orig.get_payload()[0].get_payload())

    def test_unknown_user_bounces_through_local(self):
        self.make_local()
        qid = self.queue(rcpts=["nosuchuser-qmgr@test.example"])
        self.start()
        self.wait_gone(qid, timeout=20)
        m = self.parse_dsn(self.notices(1)[0])
        per_rcpt = dsn_parts(m)[2]
        self.assertEqual(per_rcpt[0]["Final-Recipient"], "rfc822; nosuchuser-qmgr@test.example")
        self.assertEqual(per_rcpt[0]["Action"], "failed")
        self.assertTrue(per_rcpt[0]["Status"].startswith("5."), per_rcpt[0])
        self.assertRegex(self.inst.log(), r"%s: sender non-delivery notification: " % qid)


class TestTriggers(QmgrBase):
    def test_fifo_service_type(self):
        self.make()
        self.inst.write_master_cf("qmgr      fifo  n       -       n       300     1       qmgr\n")
        qid = self.queue()
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.path("public", "qmgr")
        wait_for(lambda: os.path.exists(p), 10, what="public/qmgr fifo")
        fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"A")
        os.close(fd)
        self.wait_gone(qid)
        self.assertEqual(self.agent.all_rcpts(), ["bob@test.example"])

    def test_master_wakeup_starts_the_queue_run(self):
        # no trigger from us: the master's wakeup timer (1s here) must start qmgr
        self.make()
        self.inst.write_master_cf("qmgr      unix  n       -       n       1       1       qmgr\n")
        qid = self.queue()
        r = self.inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_gone(qid, timeout=15)

    def test_unknown_trigger_bytes_are_ignored(self):
        self.make()
        self.start()
        self.trigger(b"xyz\0\xff")
        qid = self.queue()
        self.trigger(b"A")
        self.wait_gone(qid)
        self.assertNotIn("fatal", self.inst.log())
        self.assertNotIn("panic", self.inst.log())


if __name__ == "__main__":
    unittest.main()
