"""master + postfix: start/stop/reload/status, process creation, restarts,
throttling, process limits, wakeups, and bad configurations.

Every test runs a real master in a temp instance on loopback ports, with the
pc-testd fixture daemon (tests/fixtures/pc-testd.c) as the service program.
"""
import os
import re
import signal
import socket
import time
import unittest

import pctest
from pctest import Instance, free_port, wait_for, wait_port


class Client:
    """Line client for pc-testd."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rwb")
        self.greeting = self.f.readline().decode().strip()

    def cmd(self, line):
        self.f.write((line + "\r\n").encode())
        self.f.flush()
        return self.f.readline().decode().strip()

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


def testd_line(port, maxproc="-", args="", wakeup="-", name=None):
    return "%s inet n - n %s %s pc-testd %s\n" % (name or "127.0.0.1:%d" % port, wakeup, maxproc, args)


class MasterBase(unittest.TestCase):
    def make(self, master_cf, extra=""):
        inst = Instance(main_cf_extra="service_throttle_time = 1s\n" + extra, master_cf=master_cf)
        self.addCleanup(inst.stop)
        return inst

    def start(self, inst):
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r


class TestStartStop(MasterBase):
    def test_stock_master_cf_starts_and_reports_missing_programs(self):
        port = free_port()
        with open(os.path.join(pctest.SHARED, "compat", "debian-postfix-3.7", "master.cf")) as f:
            stock = f.read()
        stock = re.sub(r"^smtp      inet", "127.0.0.1:%d inet" % port, stock, flags=re.M)
        stock += testd_line(free_port())
        inst = self.make(stock)
        r = self.start(inst)
        self.assertIn("postfix/postfix-script: starting the Postfix mail system", r.stderr)
        log = inst.wait_log("daemon started -- version 3.7.11, configuration %s" % inst.etc)
        # every stock service whose program postcote lacks is reported once, by
        # name; services whose program exists are not
        entries = []
        for line in stock.splitlines():
            cols = line.split()
            if line[:1] not in ("", " ", "\t", "#") and len(cols) >= 8:
                entries.append((cols[0], cols[1], cols[7]))
        missing = 0
        for svc, typ, prog in entries:
            pat = 'service "%s" (%s): program %s/%s is not available' % (svc, typ, inst.daemon_dir, prog)
            if os.path.exists(os.path.join(inst.daemon_dir, prog)):
                self.assertEqual(log.count(pat), 0, pat)
            else:
                missing += 1
                self.assertEqual(log.count(pat), 1, pat)
        self.assertGreater(missing, 10)
        self.assertEqual(log.count("is not available"), missing)
        self.assertNotIn('service "postlog"', log)
        self.assertEqual(inst.postfix("status").returncode, 0)

    def test_second_start_refused(self):
        inst = self.make(testd_line(free_port()))
        self.start(inst)
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("postfix/postfix-script: fatal: the Postfix mail system is already running", r.stderr)

    def test_status(self):
        inst = self.make(testd_line(free_port()))
        r = inst.postfix("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("postfix/postfix-script: the Postfix mail system is not running", r.stderr)
        self.start(inst)
        r = inst.postfix("status")
        self.assertEqual(r.returncode, 0)
        self.assertIn("the Postfix mail system is running: PID: %d" % inst.master_pid(), r.stderr)

    def test_stop_leaves_no_process_behind(self):
        port = free_port()
        inst = self.make(testd_line(port) + testd_line(free_port(), args="trigger", wakeup="1",
                                                       name="trig").replace("inet", "unix"))
        self.start(inst)
        wait_port(port)
        clients = [Client(port) for _ in range(3)]
        self.assertTrue(all(c.greeting.startswith("220 pc-testd") for c in clients))
        self.assertGreaterEqual(len(pctest.pids_of(inst.root)), 4)
        r = inst.postfix("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stopping the Postfix mail system", r.stderr)
        wait_for(lambda: not pctest.pids_of(inst.root), 10, what="all processes gone")
        self.assertIn("terminating on signal 15", inst.log())
        for c in clients:
            c.close()
        r = inst.postfix("stop")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fatal: the Postfix mail system is not running", r.stderr)

    def test_abort(self):
        port = free_port()
        inst = self.make(testd_line(port))
        self.start(inst)
        Client(port).close()
        self.assertEqual(inst.postfix("abort").returncode, 0)
        wait_for(lambda: not pctest.pids_of(inst.root), 10, what="all processes gone")

    def test_unknown_command(self):
        inst = self.make(testd_line(free_port()))
        r = inst.postfix("bogus")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown command: 'bogus'", r.stderr)

    def test_check_reports_unused_parameters(self):
        inst = self.make(testd_line(free_port()), extra="foo_bar = 1\nx = $no_such_thing\n")
        r = inst.postfix("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("postconf: warning: %s/main.cf: unused parameter: foo_bar=1" % inst.etc, r.stderr)
        self.assertIn("postconf: warning: %s/main.cf: undefined parameter: no_such_thing" % inst.etc,
                      r.stderr)

    def test_check_creates_queue_directories(self):
        inst = self.make(testd_line(free_port()))
        r = inst.postfix("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        for d, mode in (("incoming", 0o700), ("active", 0o700), ("deferred", 0o700), ("hold", 0o700),
                        ("corrupt", 0o700), ("maildrop", 0o1730), ("private", 0o700),
                        ("public", 0o711), ("pid", 0o755)):
            st = os.stat(os.path.join(inst.spool, d))
            self.assertEqual(st.st_mode & 0o7777, mode, d)
        self.assertTrue(os.path.isdir(inst.data))


class TestServices(MasterBase):
    def test_service_answers_with_overrides(self):
        port = free_port()
        inst = self.make(testd_line(port, args="-o myparam=$myhostname-x -o { spaced = a b } extra1"))
        self.start(inst)
        wait_port(port)
        c = Client(port)
        self.assertEqual(c.greeting.split()[:3], ["220", "pc-testd", "127.0.0.1:%d" % port])
        self.assertEqual(c.cmd("ECHO hello"), "250 hello")
        self.assertEqual(c.cmd("CONF myparam"), "250 test.example-x")
        self.assertEqual(c.cmd("CONF spaced"), "250 a b")
        self.assertEqual(c.cmd("CONF service_name"), "250 127.0.0.1:%d" % port)
        self.assertEqual(c.cmd("ARGS"), "250 extra1")
        c.close()

    def test_killed_child_is_replaced(self):
        port = free_port()
        inst = self.make(testd_line(port))
        self.start(inst)
        wait_port(port)
        c = Client(port)
        pid1 = int(c.cmd("PID").split()[1])
        os.kill(pid1, signal.SIGKILL)
        c.close()
        inst.wait_log("process %s/pc-testd pid %d killed by signal 9" % (inst.daemon_dir, pid1))
        c = Client(port)
        pid2 = int(c.cmd("PID").split()[1])
        self.assertNotEqual(pid1, pid2)
        c.close()

    def test_crash_loop_is_throttled(self):
        port = free_port()
        inst = self.make(testd_line(port, args="crash-at-start"))
        self.start(inst)
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=0.3)
                s.settimeout(0.3)
                try:
                    s.recv(10)
                except OSError:
                    pass
                s.close()
            except OSError:
                pass
            time.sleep(0.05)
        log = inst.log()
        self.assertIn("%s/pc-testd: bad command startup -- throttling" % inst.daemon_dir, log)
        spawns = log.count("exit status 1")
        # service_throttle_time = 1s, doubling: starts near 0s, 1s, 3s -- not a tight loop
        self.assertGreaterEqual(spawns, 2, log)
        self.assertLessEqual(spawns, 4, log)

    def test_process_limit(self):
        port = free_port()
        inst = self.make(testd_line(port, maxproc="2"))
        self.start(inst)
        wait_port(port)
        a, b = Client(port), Client(port)
        self.assertTrue(a.greeting.startswith("220") and b.greeting.startswith("220"))
        s = socket.create_connection(("127.0.0.1", port), timeout=1.0)
        with self.assertRaises(socket.timeout):
            s.recv(100)          # the third client waits: no third process
        a.close()
        s.settimeout(5)
        self.assertTrue(s.recv(100).startswith(b"220 pc-testd"))
        s.close()
        b.close()
        self.assertIn('service "127.0.0.1:%d" (%d) has reached its process limit "2": '
                      'new clients may experience noticeable delays' % (port, port), inst.log())
        self.assertEqual(len([p for p in pctest.pids_of(inst.daemon_dir + "/pc-testd")]), 2)

    def test_max_use_and_max_idle(self):
        port = free_port()
        inst = self.make(testd_line(port, args="-o max_use=2 -o max_idle=1s"))
        self.start(inst)    # listeners are open when start returns; no probe connection
        pids = []
        for _ in range(3):
            c = Client(port)
            pids.append(int(c.cmd("PID").split()[1]))
            c.close()
            time.sleep(0.2)
        self.assertEqual(pids[0], pids[1])        # one process served two clients
        self.assertNotEqual(pids[1], pids[2])     # then exited (max_use = 2)
        # max_idle = 1s: the idle process goes away by itself
        wait_for(lambda: not pctest.pids_of(inst.daemon_dir + "/pc-testd"), 5, what="idle exit")
        self.assertNotIn("exit status", inst.log())

    def test_wakeup_trigger(self):
        inst = self.make("trig unix n - n 1 1 pc-testd trigger\n")
        self.start(inst)
        inst.wait_log("pc-testd[", timeout=5)
        inst.wait_log("trigger: W", timeout=5)
        self.assertTrue(os.path.exists(os.path.join(inst.spool, "public", "trig")))

    def test_fifo_trigger_and_datagram_services(self):
        inst = self.make("tfifo fifo n - n 1 1 pc-testd trigger\n"
                         "dg unix-dgram n - n - 1 pc-testd dgram\n")
        self.start(inst)
        fifo = os.path.join(inst.spool, "public", "tfifo")
        # public endpoints other than showq and flush: mail_owner:setgid_group only
        self.assertEqual(os.stat(fifo).st_mode & 0o7777, 0o620)
        inst.wait_log("trigger: W", timeout=5)
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"F")
        os.close(fd)
        inst.wait_log("trigger: F", timeout=5)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"hello dgram", os.path.join(inst.spool, "public", "dg"))
        s.close()
        inst.wait_log("datagram: hello dgram", timeout=5)

    def test_many_services(self):
        ports = [free_port() for _ in range(40)]
        inst = self.make("".join(testd_line(p) for p in ports))
        self.start(inst)
        for p in (ports[0], ports[-1]):
            self.assertEqual(Client(p).cmd("ECHO many"), "250 many")
        self.assertNotIn("exit status", inst.log())

    def test_multi_client_server(self):
        port = free_port()
        inst = self.make(testd_line(port, args="multi -o max_use=5"))
        self.start(inst)
        clients = [Client(port) for _ in range(4)]
        pids = {c.cmd("PID") for c in clients}
        self.assertEqual(len(pids), 1)               # one process serves them all
        self.assertEqual(clients[3].cmd("CLIENTS"), "250 4")
        self.assertEqual(clients[0].cmd("ECHO multi"), "250 multi")
        for c in clients:
            c.close()
        c5 = Client(port)                             # fifth client: max_use reached after it
        self.assertEqual({c5.cmd("PID")}, pids)
        c5.close()
        wait_for(lambda: Client(port).cmd("PID") not in pids, 5, what="a new process after max_use")

    def test_loopback_only_binds_ipv4_and_ipv6(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6")
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(("::1", 0))
            probe.close()
        except OSError:
            self.skipTest("no ::1 on this host")
        port = free_port()
        inst = self.make("%d inet n - n - - pc-testd\n" % port,
                         extra="inet_interfaces = loopback-only\ninet_protocols = all\n")
        self.start(inst)
        for host in ("127.0.0.1", "::1"):
            s = socket.create_connection((host, port), timeout=5)
            self.assertTrue(s.recv(100).startswith(b"220 pc-testd %d " % port))
            s.close()

    def test_reload_adds_and_removes_services(self):
        pa, pb, pc = free_port(), free_port(), free_port()
        inst = self.make(testd_line(pa) + testd_line(pb))
        self.start(inst)
        wait_port(pa)
        wait_port(pb)
        held = Client(pa)
        self.assertEqual(held.cmd("ECHO before"), "250 before")
        inst.write_master_cf(testd_line(pa) + testd_line(pc))
        r = inst.postfix("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("refreshing the Postfix mail system", r.stderr)
        inst.wait_log("reload -- version 3.7.11, configuration %s" % inst.etc)
        wait_port(pc)
        self.assertEqual(Client(pc).cmd("ECHO new"), "250 new")

        def b_closed():
            try:
                socket.create_connection(("127.0.0.1", pb), timeout=0.5).close()
                return False
            except OSError:
                return True
        wait_for(b_closed, 5, what="removed service's port closed")
        # the established connection to the unchanged service keeps working
        self.assertEqual(held.cmd("ECHO after"), "250 after")
        held.close()
        self.assertEqual(Client(pa).cmd("ECHO again"), "250 again")

    def test_reload_with_broken_config_keeps_running(self):
        port = free_port()
        inst = self.make(testd_line(port))
        self.start(inst)
        inst.write_master_cf("this is not valid\n")
        inst.postfix("reload")
        inst.wait_log("reload failed, keeping the running configuration")
        wait_port(port)
        self.assertEqual(Client(port).cmd("ECHO ok"), "250 ok")


class TestBadInput(MasterBase):
    def assert_not_running(self, inst):
        time.sleep(0.2)
        self.assertIsNone(inst.master_pid() if inst.postfix("status").returncode == 0 else None)
        self.assertEqual(pctest.pids_of(inst.root), [])

    def test_malformed_main_cf(self):
        inst = self.make(testd_line(free_port()), extra="this line is bogus\n")
        r = inst.postfix("start")
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"main\.cf, line \d+: missing '=' after attribute name: \"this line is bogus\"")
        self.assert_not_running(inst)

    def test_malformed_master_cf(self):
        inst = self.make(testd_line(free_port()) + "smtp tcp n - n - - smtpd\n")
        r = inst.postfix("start")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('master.cf: line 2: invalid type field "tcp" in "smtp tcp n - n - - smtpd"', r.stderr)
        self.assert_not_running(inst)

    def test_port_in_use(self):
        busy = socket.socket()
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        self.addCleanup(busy.close)
        inst = self.make(testd_line(free_port()) + testd_line(port))
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("fatal: bind 127.0.0.1 port %d: Address already in use" % port, r.stderr)
        self.assertEqual(r.stderr.count("fatal:"), 1)
        self.assert_not_running(inst)

    def test_missing_mail_owner(self):
        inst = self.make(testd_line(free_port()), extra="mail_owner = no-such-user-pc\n")
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 1)
        self.assertIn("parameter mail_owner: unknown user name value: no-such-user-pc", r.stderr)
        self.assertIn('create the user "no-such-user-pc"', r.stderr)
        self.assert_not_running(inst)

    def test_unwritable_queue_directory(self):
        inst = self.make(testd_line(free_port()), extra="queue_directory = /proc/pc-no-such-dir\n")
        r = inst.postfix("start")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("fatal:"), 1, r.stderr)
        self.assertIn("/proc/pc-no-such-dir", r.stderr)


if __name__ == "__main__":
    unittest.main()
