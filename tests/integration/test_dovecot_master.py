"""The master's dovecot role (`dovecot`): services from dovecot.conf, their
listeners, process_min_avail, client/process limits, restarts and throttling,
reload, stop, master.pid, -F, command-line behaviour and Dovecot's log shapes.

Every test runs a real master on a temp dovecot.conf (base_dir and log_path in
a temp directory) with the pc-dvecho fixture (tests/fixtures/pc-dvecho.c) as
the service program, on loopback ports from free_port().
"""
import os
import re
import signal
import socket
import stat
import subprocess
import time
import unittest

import pctest
from pctest import free_port, wait_for
import dvtest
from dvtest import Client, DvInstance, alive, echo_service

STAMP = r"[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} "


def listeners(port, mode="0600", extra=""):
    return ("  unix_listener echo-sock {\n    mode = %s\n  }\n"
            "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n%s" % (mode, port, extra))


class Base(unittest.TestCase):
    def make(self, body, head=""):
        inst = DvInstance(body, head)
        self.addCleanup(inst.stop)
        return inst

    def wait_children(self, inst, n, timeout=10):
        return wait_for(lambda: len(inst.children()) >= n and inst.children(), timeout,
                        what="%d service processes" % n)


class TestCommandLine(Base):
    def test_version(self):
        r = pctest.run([dvtest.dovecot(), "--version"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "2.3.19.1 (postcote 0.1.0)\n")

    def test_hostdomain_and_build_options(self):
        r = pctest.run([dvtest.dovecot(), "--hostdomain"])
        self.assertEqual((r.returncode, r.stdout), (0, socket.gethostname() + "\n"))
        r = pctest.run([dvtest.dovecot(), "--build-options"])
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("Build options: ioloop=epoll"), r.stdout)

    def test_usage_and_bad_option(self):
        r = pctest.run([dvtest.dovecot(), "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stderr.startswith("Usage: dovecot [-F] [-c <config file>]"), r.stderr)
        r = pctest.run([dvtest.dovecot(), "-x"])
        self.assertEqual(r.returncode, 89)
        self.assertIn("invalid option", r.stderr)
        r = pctest.run([dvtest.dovecot(), "bogus"])
        self.assertEqual(r.returncode, 64)

    def test_bad_config_is_refused(self):
        inst = self.make("")
        with open(inst.conf, "a") as f:
            f.write("no_such_setting = 1\n")
        r = inst.dovecot()
        self.assertEqual(r.returncode, 89)
        self.assertRegex(r.stderr, r"^doveconf: Fatal: Error in configuration file %s line \d+: "
                         r"Unknown setting: no_such_setting" % re.escape(inst.conf))
        self.assertIsNone(inst.master_pid())

    def test_missing_config(self):
        r = pctest.run([dvtest.dovecot(), "-c", "/nonexistent/dovecot.conf"])
        self.assertEqual(r.returncode, 89)
        self.assertTrue(r.stderr.startswith("Fatal: Error reading configuration: "), r.stderr)

    def test_stop_and_reload_when_not_running(self):
        inst = self.make("")
        for cmd in ("stop", "reload"):
            r = inst.dovecot(cmd)
            self.assertEqual(r.returncode, 75, cmd)
            self.assertEqual(r.stderr, "Fatal: Dovecot is not running (read from %s)\n" % inst.pidfile)


class TestStart(Base):
    def test_listeners_modes_and_environment(self):
        port = free_port()
        body = echo_service(body=listeners(port, "0640",
                                           "  unix_listener sub/dir/echo2 {\n    mode = 0666\n  }\n"
                                           "  inet_listener off {\n    port = 0\n  }\n"))
        inst = self.make(body)
        inst.start()
        sock, sock2 = inst.path("echo-sock"), inst.path("sub/dir/echo2")
        wait_for(lambda: os.path.exists(sock2), what="listeners")
        for path, mode in ((sock, 0o640), (sock2, 0o666)):
            st = os.stat(path)
            self.assertTrue(stat.S_ISSOCK(st.st_mode), path)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, path)
        self.assertEqual(stat.S_IMODE(os.stat(inst.base).st_mode), 0o755)
        c = Client(port)
        self.assertTrue(c.greeting.startswith("+OK pc-dvecho echo "), c.greeting)
        self.assertEqual(c.cmd("LISTENER"), "+OK inet echo 127.0.0.1 %d" % port)
        self.assertEqual(c.cmd("ENV PC_DV_SERVICE"), "+OK echo")
        self.assertEqual(c.cmd("ENV DOVECOT_CONFIG"), "+OK %s" % inst.conf)
        c.close()
        u = Client(sock)
        self.assertEqual(u.cmd("LISTENER"), "+OK unix %s" % sock)
        u.close()
        u = Client(sock2)
        self.assertEqual(u.cmd("LISTENER"), "+OK unix %s" % sock2)
        u.close()
        # port 0 disables a listener: the service got exactly the three others
        env = open("/proc/%d/environ" % inst.children()[0], "rb").read().split(b"\0")
        lines = [e for e in env if e.startswith(b"PC_DV_LISTENERS=")][0].split(b"\n")
        self.assertEqual(len(lines), 3, lines)

    def test_relative_config_path(self):
        port = free_port()
        inst = self.make(echo_service(body=listeners(port)))
        r = subprocess.run([dvtest.dovecot(), "-c", "dovecot.conf"], cwd=inst.root, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        wait_for(lambda: inst.master_pid(), what="master.pid")
        c = Client(port)
        self.assertEqual(c.cmd("ENV DOVECOT_CONFIG"), "+OK %s" % os.path.realpath(inst.conf))
        self.assertEqual(os.readlink("/proc/%d/cwd" % c.pid()), os.path.realpath(inst.base))
        c.close()
        self.assertEqual(os.readlink(inst.path("dovecot.conf")), os.path.realpath(inst.conf))

    def test_master_pid_and_second_start_refused(self):
        inst = self.make(echo_service(body=listeners(free_port())))
        inst.start()
        pid = inst.master_pid()
        with open(inst.pidfile) as f:
            self.assertEqual(f.read(), "%d\n" % pid)
        self.assertEqual(stat.S_IMODE(os.stat(inst.pidfile).st_mode), 0o600)
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            self.assertIn(b"dovecot", f.read())
        r = inst.dovecot()
        self.assertEqual(r.returncode, 89)
        msg = "Dovecot is already running with PID %d (read from %s)" % (pid, inst.pidfile)
        self.assertEqual(r.stderr, "Fatal: %s\n" % msg)
        self.assertIn("master: Fatal: " + msg, inst.log())
        self.assertEqual(inst.master_pid(), pid)

    def test_startup_line_and_timestamp(self):
        inst = self.make(echo_service(body=listeners(free_port())), head="protocols = imap pop3 lmtp\n")
        inst.start()
        log = inst.wait_log("starting up")
        self.assertRegex(log, r"(?m)^%smaster: Info: Dovecot v2\.3\.19\.1 \(postcote 0\.1\.0\) "
                         r"starting up for imap, pop3, lmtp( \(core dumps disabled\))?$" % STAMP)

    def test_startup_without_protocols_custom_timestamp_info_log(self):
        info = None
        inst = self.make(echo_service(body=listeners(free_port())))
        info = os.path.join(inst.root, "info.log")
        inst.write(echo_service(body=listeners(free_port())),
                   head="log_timestamp = \"%%Y-%%m-%%dT%%H:%%M:%%S \"\ninfo_log_path = %s\n" % info)
        inst.start()
        wait_for(lambda: os.path.exists(info) and "starting up" in open(info).read(), what="info log")
        text = open(info).read()
        self.assertRegex(text, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d master: Info: Dovecot v2\.3\.19\.1 "
                         r"\(postcote 0\.1\.0\) starting up without any protocols")
        self.assertNotIn("starting up", inst.log())
        # warnings still go to log_path
        os.kill(inst.master_pid(), signal.SIGHUP)
        inst.wait_log("master: Warning: SIGHUP received - reloading configuration")
        self.assertNotIn("SIGHUP", open(info).read())

    def test_listen_address_in_use(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        port = busy.getsockname()[1]
        inst = self.make(echo_service(body=listeners(port)))
        r = inst.dovecot()
        self.assertEqual(r.returncode, 89)
        self.assertIn("Error: service(echo): listen(127.0.0.1, %d) failed: Address already in use" % port,
                      r.stderr)
        self.assertIn("Fatal: Failed to start listeners", r.stderr)
        self.assertIsNone(inst.master_pid())

    def test_missing_executable_skipped_with_one_warning(self):
        port = free_port()
        body = echo_service(body=listeners(port)) + "service ghost {\n  executable = no-such-daemon\n}\n"
        inst = self.make(body)
        inst.start()
        c = Client(port)
        self.assertEqual(c.cmd("ECHO hi"), "+OK hi")
        c.close()
        os.kill(inst.master_pid(), signal.SIGHUP)
        inst.wait_log("SIGHUP received")
        log = inst.log()
        pat = "master: Warning: service(ghost): access(%s) failed: No such file or directory" % \
            os.path.join(pctest.PREFIX, "libexec", "postcote", "dovecot", "no-such-daemon")
        self.assertEqual(log.count(pat), 1, log)
        # built-in services postcote lacks are skipped without a word
        self.assertNotIn("service(imap-login)", log)

    def test_protocol_filter(self):
        port = free_port()
        inst = self.make(echo_service(body="  protocol = imap\n" + listeners(port)))
        inst.start()
        time.sleep(0.5)
        self.assertFalse(os.path.exists(inst.path("echo-sock")))
        inst.stop()
        inst2 = self.make(echo_service(body="  protocol = imap\n" + listeners(port)), head="protocols = imap\n")
        inst2.start()
        wait_for(lambda: os.path.exists(inst2.path("echo-sock")), what="imap-only service")


class TestStandalone(Base):
    def test_standalone_service(self):
        port = free_port()
        inst = self.make(echo_service(body="  client_limit = 3\n" + listeners(port)) +
                         echo_service("worker", "-w extra") + echo_service("other", "", listeners(free_port())))
        p = subprocess.Popen([dvtest.dvecho(), "-c", inst.conf, "-S", "-D"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_for(lambda: os.path.exists(inst.path("echo-sock")), what="stand-alone listeners")
        # argv[0] + no arguments selects service "echo" (the first whose executable matches)
        c = Client(port)
        self.assertTrue(c.greeting.startswith("+OK pc-dvecho echo %d" % p.pid), c.greeting)
        self.assertEqual(c.cmd("CLIENTS"), "+OK 1")
        u = Client(inst.path("echo-sock"))
        self.assertEqual(u.cmd("CLIENTS"), "+OK 2")
        u.close()
        c.close()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)
        self.assertFalse(os.path.exists(inst.path("echo-sock")))
        err = p.stderr.read()
        self.assertIn("echo: Info: pc-dvecho ready", err)
        self.assertRegex(inst.log(), r"(?m)^%secho: Info: pc-dvecho ready$" % STAMP)

    def test_standalone_selects_by_arguments(self):
        inst = self.make(echo_service(body="  unix_listener plain {\n  }\n") +
                         echo_service("echo-worker", "-w", "  unix_listener wsock {\n  }\n"))
        p = subprocess.Popen([dvtest.dvecho(), "-c", inst.conf, "-w"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_for(lambda: os.path.exists(inst.path("wsock")), what="worker listener")
        self.assertFalse(os.path.exists(inst.path("plain")))
        c = Client(inst.path("wsock"))
        self.assertTrue(c.greeting.startswith("+OK pc-dvecho echo-worker "), c.greeting)
        self.assertEqual(c.cmd("ARGS"), "+OK -w")
        c.close()
        p.terminate()
        p.wait(timeout=10)
        # -s names the service outright
        q = subprocess.Popen([dvtest.dvecho(), "-c", inst.conf, "-s", "echo-worker"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: q.poll() is None and q.kill())
        wait_for(lambda: os.path.exists(inst.path("wsock")), what="worker listener (-s)")
        q.terminate()
        q.wait(timeout=10)
        r = pctest.run([dvtest.dvecho(), "-c", inst.conf, "-s", "nosuch"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("service nosuch not found in %s" % inst.conf, r.stderr)

    def test_not_started_by_master(self):
        inst = self.make(echo_service())
        r = subprocess.run([dvtest.dvecho(), "-c", inst.conf], env=dict(os.environ, PC_DV_LISTENERS=""),
                           capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(inst.log(), r"(?m)^%secho: Fatal: not started by the master" % STAMP)


class TestProcesses(Base):
    def test_min_avail_preforks(self):
        inst = self.make(echo_service(body="  process_min_avail = 3\n" + listeners(free_port())))
        inst.start()
        kids = self.wait_children(inst, 3)
        time.sleep(0.5)
        self.assertEqual(len(inst.children()), 3, kids)
        for pid in kids:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                self.assertIn(b"pc-dvecho", f.read())

    def test_on_demand_and_client_limit(self):
        port = free_port()
        inst = self.make(echo_service(body="  client_limit = 2\n  process_limit = 5\n" + listeners(port)))
        inst.start()
        time.sleep(0.3)
        self.assertEqual(inst.children(), [])
        a, b = Client(port), Client(port)
        self.assertEqual(a.pid(), b.pid())
        self.assertEqual(a.cmd("CLIENTS"), "+OK 2")
        c = Client(port)
        self.assertNotEqual(c.pid(), a.pid())
        for x in (a, b, c):
            x.close()

    def test_service_count(self):
        port = free_port()
        inst = self.make(echo_service(body="  client_limit = 1\n  service_count = 1\n" + listeners(port)))
        inst.start()
        a = Client(port)
        pa = a.pid()
        a.cmd("QUIT")
        a.close()
        wait_for(lambda: not alive(pa), what="process exit after service_count")
        b = Client(port)
        self.assertNotEqual(b.pid(), pa)
        b.close()

    def test_process_limit(self):
        port = free_port()
        inst = self.make(echo_service(body="  client_limit = 1\n  process_limit = 2\n" + listeners(port)))
        inst.start()
        a, b = Client(port), Client(port)
        self.assertNotEqual(a.pid(), b.pid())
        inst.wait_log("master: Warning: service(echo): process_limit (2) reached, "
                      "client connections are being dropped")
        c = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        c.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            c.recv(100)	# nobody takes it while both processes are busy
        self.assertEqual(len(inst.children()), 2)
        pa = a.pid()
        a.cmd("QUIT")
        a.close()
        c.settimeout(5)
        self.assertTrue(c.recv(100).startswith(b"+OK pc-dvecho"))
        c.close()
        b.close()

    def test_killed_process_restarted(self):
        port = free_port()
        inst = self.make(echo_service(body="  process_min_avail = 1\n" + listeners(port)))
        inst.start()
        first = self.wait_children(inst, 1)[0]
        os.kill(first, signal.SIGKILL)
        inst.wait_log("echo: Fatal: master: service(echo): child %d killed with signal 9" % first)
        new = wait_for(lambda: [p for p in inst.children() if p != first], 10, what="restart")
        c = Client(port)
        self.assertEqual(c.pid(), new[0])
        c.close()

    def test_death_after_serving_is_not_throttled(self):
        port = free_port()
        inst = self.make(echo_service(body="  client_limit = 3\n" + listeners(port)))
        inst.start()
        a = Client(port)
        pa = a.pid()
        os.kill(pa, signal.SIGKILL)
        inst.wait_log("echo: Fatal: master: service(echo): child %d killed with signal 9" % pa)
        a.close()
        t0 = time.monotonic()
        b = Client(port)
        self.assertNotEqual(b.pid(), pa)
        self.assertLess(time.monotonic() - t0, 1.5)	# no 2-second throttle
        b.close()
        self.assertNotIn("command startup failed", inst.log())

    def test_idle_kill(self):
        port = free_port()
        inst = self.make(echo_service(body="  idle_kill = 1 secs\n  client_limit = 5\n" + listeners(port)))
        inst.start()
        busy = Client(port)
        pb = busy.pid()
        time.sleep(2.5)
        self.assertTrue(alive(pb), "a process with a client is not idle")	# idle-killed only when idle
        self.assertEqual(busy.cmd("ECHO x"), "+OK x")
        busy.cmd("QUIT")
        busy.close()
        wait_for(lambda: not alive(pb), 5, what="idle process exit")
        self.assertNotIn("child %d" % pb, inst.log())	# a quiet, clean exit
        c = Client(port)	# the next client gets a new process at once
        self.assertNotEqual(c.pid(), pb)
        c.close()

    def test_idle_kill_keeps_min_avail(self):
        inst = self.make(echo_service(body="  idle_kill = 1 secs\n  process_min_avail = 2\n" +
                                           listeners(free_port())))
        inst.start()
        kids = self.wait_children(inst, 2)
        time.sleep(2.5)
        self.assertEqual(inst.children(), kids)

    def test_exec_failure(self):
        inst = self.make("")
        bogus = os.path.join(inst.root, "not-a-program")
        with open(bogus, "wb") as f:
            f.write(b"\x00\x01\x02 not an executable format")
        os.chmod(bogus, 0o755)
        inst.write("service bogus {\n  executable = %s\n  process_min_avail = 1\n}\n" % bogus)
        inst.start()
        log = inst.wait_log("master: Error: service(bogus): command startup failed, throttling for 2.000 secs")
        self.assertIn("master: Fatal: service(bogus): execv(%s) failed: Exec format error" % bogus, log)
        self.assertRegex(log, r"bogus: Fatal: master: service\(bogus\): child \d+ returned error 84 "
                              r"\(exec\(\) failed\)")

    def test_malformed_listener_environment(self):
        inst = self.make(echo_service())
        r = subprocess.run([dvtest.dvecho(), "-c", inst.conf], env=dict(os.environ, PC_DV_LISTENERS="tcp bogus"),
                           capture_output=True, text=True, timeout=10)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("echo: Fatal: PC_DV_LISTENERS: malformed line: tcp bogus", inst.log())

    def test_on_demand_restart_after_crash(self):
        port = free_port()
        inst = self.make(echo_service(body=listeners(port)))
        inst.start()
        a = Client(port)
        pa = a.pid()
        a.f.write(b"CRASH\r\n")
        a.f.flush()
        inst.wait_log("echo: Fatal: master: service(echo): child %d killed with signal 6" % pa)
        a.close()
        b = Client(port)
        self.assertNotEqual(b.pid(), pa)
        b.close()

    def test_crashing_service_throttled(self):
        port = free_port()
        body = echo_service(body=listeners(port)) + echo_service(
            "crash", "crash-at-start", "  process_min_avail = 1\n")
        inst = self.make(body)
        inst.start()
        log = inst.wait_log("master: Error: service(crash): command startup failed, throttling for 4.000 secs",
                            timeout=15)
        self.assertIn("master: Error: service(crash): command startup failed, throttling for 2.000 secs", log)
        self.assertRegex(log, r"(?m)^%scrash: Fatal: master: service\(crash\): child \d+ returned error 1$" % STAMP)
        # two failures in ~2 secs: the back-off holds the third start
        self.assertEqual(len(re.findall(r"service\(crash\): child \d+ returned error", log)), 2)
        # the other service is not affected
        c = Client(port)
        self.assertEqual(c.cmd("ECHO ok"), "+OK ok")
        c.close()


class TestReloadStop(Base):
    def reload_case(self, how):
        port = free_port()
        inst = self.make(echo_service(body=listeners(port)))
        inst.start()
        old = Client(port)
        old_pid = old.pid()
        inst.write(echo_service(body=listeners(port, extra="  unix_listener added {\n    mode = 0600\n  }\n")))
        if how == "signal":
            os.kill(inst.master_pid(), signal.SIGHUP)
        elif how == "dovecot":
            r = inst.dovecot("reload")
            self.assertEqual((r.returncode, r.stderr), (0, ""))
        else:
            r = pctest.run([how, "-c", inst.conf, "reload"])
            self.assertEqual((r.returncode, r.stderr), (0, ""))
        inst.wait_log("master: Warning: SIGHUP received - reloading configuration")
        wait_for(lambda: os.path.exists(inst.path("added")), what="new listener after reload")
        # the old process finishes its client, then exits; new clients get a new process
        self.assertEqual(old.cmd("ECHO still"), "+OK still")
        new = Client(port)
        self.assertNotEqual(new.pid(), old_pid)
        old.cmd("QUIT")
        old.close()
        wait_for(lambda: not alive(old_pid), what="old generation exit")
        new.close()

    def test_reload_sighup(self):
        self.reload_case("signal")

    def test_reload_command(self):
        self.reload_case("dovecot")

    def test_reload_doveadm(self):
        self.reload_case(dvtest.doveadm())

    def test_reload_with_broken_config_keeps_running(self):
        port = free_port()
        inst = self.make(echo_service(body=listeners(port)))
        inst.start()
        c = Client(port)
        pid = c.pid()
        with open(inst.conf, "a") as f:
            f.write("bogus_setting = 1\n")
        master = inst.master_pid()
        os.kill(master, signal.SIGHUP)
        inst.wait_log("master: Error: Config reload failed: Error in configuration file %s line" % inst.conf)
        # the running configuration stays: the master and its processes keep serving
        self.assertEqual(c.cmd("ECHO alive"), "+OK alive")
        self.assertEqual(c.pid(), pid)
        self.assertEqual(inst.master_pid(), master)
        c.close()

    def stop_case(self, how):
        port = free_port()
        inst = self.make(echo_service(body="  process_min_avail = 2\n" + listeners(port)))
        inst.start()
        kids = self.wait_children(inst, 2)
        c = Client(port)
        kids = inst.children()
        master = inst.master_pid()
        prog = dvtest.dovecot() if how == "dovecot" else how
        p = subprocess.Popen([prog, "-c", inst.conf, "stop"], stderr=subprocess.PIPE)
        err = p.communicate(timeout=30)[1]
        self.assertEqual((p.returncode, err), (0, b""))
        # stop waits for the master: it is gone when the command returns
        self.assertFalse(alive(master))
        wait_for(lambda: not any(alive(k) for k in kids), 5, what="children exit")
        self.assertFalse(os.path.exists(inst.pidfile))
        self.assertFalse(os.path.exists(inst.path("echo-sock")))
        self.assertIn("master: Warning: Killed with signal 15 (by pid=%d uid=%d code=kill)" % (p.pid, os.getuid()),
                      inst.log())
        c.close()

    def test_stop_command(self):
        self.stop_case("dovecot")

    def test_stop_doveadm(self):
        self.stop_case(dvtest.doveadm())

    def test_doveadm_not_running_and_usage(self):
        inst = self.make("")
        for cmd in ("stop", "reload"):
            r = pctest.run([dvtest.doveadm(), "-c", inst.conf, cmd])
            self.assertEqual(r.returncode, 75, cmd)
            self.assertEqual(r.stderr, "Fatal: Dovecot is not running (read from %s)\n" % inst.pidfile)
            r = pctest.run([dvtest.doveadm(), "-c", inst.conf, cmd, "extra"])
            self.assertEqual(r.returncode, 64, cmd)
        # both are in doveadm's usage listing, as in Dovecot's
        r = pctest.run([dvtest.doveadm(), "-c", inst.conf])
        self.assertRegex(r.stderr, r"(?m)^  reload +$")
        self.assertRegex(r.stderr, r"(?m)^  stop +$")

    def test_foreground(self):
        port = free_port()
        inst = self.make(echo_service(body="  process_min_avail = 1\n" + listeners(port)))
        p = subprocess.Popen([dvtest.dovecot(), "-F", "-c", inst.conf], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        wait_for(lambda: inst.master_pid(), what="master.pid")
        self.assertEqual(inst.master_pid(), p.pid)	# no fork with -F
        kids = self.wait_children(inst, 1)
        c = Client(port)
        self.assertEqual(c.cmd("ECHO fg"), "+OK fg")
        c.close()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=15), 0)
        self.assertFalse(any(alive(k) for k in kids))
        self.assertFalse(os.path.exists(inst.pidfile))

    def test_daemonises(self):
        inst = self.make(echo_service(body=listeners(free_port())))
        p = subprocess.Popen([dvtest.dovecot(), "-c", inst.conf], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.assertEqual(p.wait(timeout=15), 0)
        pid = wait_for(lambda: inst.master_pid(), what="master.pid")
        self.assertNotEqual(pid, p.pid)
        self.assertEqual(os.getsid(pid), pid)	# own session, no terminal

    def test_dovecot_n_runs_doveconf(self):
        doveconf = os.path.join(pctest.PREFIX, "bin", "doveconf")
        if not os.path.exists(doveconf):
            self.fail("doveconf is not built")
        inst = self.make(echo_service(body=listeners(free_port())))
        want = pctest.run([doveconf, "-c", inst.conf, "-n"])
        got = inst.dovecot("-n")
        self.assertEqual((got.returncode, got.stdout), (want.returncode, want.stdout))
        self.assertIn("base_dir = %s" % inst.base, got.stdout)


if __name__ == "__main__":
    unittest.main()
