"""The dovecot role as root: listener owners, and service processes that run
as the configured user/group/extra_groups, inside the configured chroot, with
vsz_limit applied; the same through dvdaemon's stand-alone mode.
"""
import grp
import os
import re
import signal
import subprocess
import unittest

import pctest
from pctest import free_port, make_user, remove_user, wait_for
import dvtest
from dvtest import Client, DvInstance, alive, echo_service


def parse_id(line):
    m = re.match(r"^\+OK uid=(\d+) gid=(\d+) groups=([\d,]*)$", line)
    assert m, line
    return int(m.group(1)), int(m.group(2)), sorted(int(g) for g in m.group(3).split(",") if g)


class RootBase(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("needs root")
        self.user, self.home, self.uid, self.gid = make_user("/tmp", "pcdv")
        self.addCleanup(remove_user, self.user)
        self.group = "nogroup"
        self.extra = "mail"
        self.group_gid = grp.getgrnam(self.group).gr_gid
        self.extra_gid = grp.getgrnam(self.extra).gr_gid

    def make(self, body, head=""):
        inst = DvInstance(body, head)
        self.addCleanup(inst.stop)
        return inst


class TestRootMaster(RootBase):
    def test_listener_owners_and_modes(self):
        port = free_port()
        body = echo_service(body=(
            "  unix_listener owned {\n    mode = 0660\n    user = %s\n    group = %s\n  }\n"
            "  unix_listener rootonly {\n    mode = 0600\n  }\n"
            "  fifo_listener owned-fifo {\n    mode = 0620\n    user = %s\n  }\n"
            "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n")
            % (self.user, self.group, self.user, port))
        inst = self.make(body)
        inst.start()
        wait_for(lambda: os.path.exists(inst.path("owned-fifo")), what="listeners")
        st = os.stat(inst.path("owned"))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (self.uid, self.group_gid, 0o660))
        st = os.stat(inst.path("rootonly"))
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (0, 0, 0o600))
        st = os.stat(inst.path("owned-fifo"))
        self.assertEqual((st.st_uid, st.st_mode & 0o7777), (self.uid, 0o620))
        # the fifo reaches the service process (started for it on demand)
        fd = os.open(inst.path("owned-fifo"), os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"hello fifo\n")
        os.close(fd)
        inst.wait_log("echo: Info: fifo line: hello fifo")
        # as that user, the 0660 socket accepts and the root-only one refuses
        code = ("import socket,sys\n"
                "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(64).decode().strip())\n")
        r = subprocess.run(["setpriv", "--reuid", str(self.uid), "--regid", str(self.gid), "--clear-groups",
                            "python3", "-c", code, inst.path("owned")], capture_output=True, text=True,
                           timeout=20)
        self.assertTrue(r.stdout.startswith("+OK pc-dvecho echo"), r.stdout + r.stderr)
        r = subprocess.run(["setpriv", "--reuid", str(self.uid), "--regid", str(self.gid), "--clear-groups",
                            "python3", "-c", code, inst.path("rootonly")], capture_output=True, text=True,
                           timeout=20)
        self.assertIn("PermissionError", r.stderr)

    def test_child_runs_as_user_group_extra_groups(self):
        port = free_port()
        body = echo_service(body=(
            "  user = %s\n  group = %s\n  extra_groups = %s\n"
            "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n")
            % (self.user, self.group, self.extra, port))
        inst = self.make(body)
        inst.start()
        c = Client(port)
        uid, gid, groups = parse_id(c.cmd("ID"))
        self.assertEqual((uid, gid), (self.uid, self.group_gid))
        self.assertEqual(groups, sorted({self.group_gid, self.extra_gid}))
        pid = c.pid()
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        self.assertRegex(status, r"Uid:\s+%d\s+%d\s+%d\s+%d" % ((self.uid,) * 4))
        c.close()
        # the master itself stays root
        with open("/proc/%d/status" % inst.master_pid()) as f:
            self.assertRegex(f.read(), r"Uid:\s+0\s+0\s+0\s+0")

    def test_user_without_group_gets_primary_group(self):
        port = free_port()
        body = echo_service(body="  user = %s\n  inet_listener echo {\n    address = 127.0.0.1\n"
                                 "    port = %d\n  }\n" % (self.user, port))
        inst = self.make(body)
        inst.start()
        c = Client(port)
        uid, gid, groups = parse_id(c.cmd("ID"))
        self.assertEqual((uid, gid, groups), (self.uid, self.gid, [self.gid]))
        c.close()

    def test_chroot_relative_to_base_dir(self):
        port = free_port()
        body = echo_service(body=(
            "  user = %s\n  chroot = jail\n"
            "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n") % (self.user, port))
        inst = self.make(body)
        jail = os.path.join(inst.base, "jail")
        os.makedirs(jail)
        open(os.path.join(jail, "inside-marker"), "w").close()
        inst.start()
        c = Client(port)
        self.assertEqual(c.cmd("STAT /inside-marker"), "+OK exists")
        self.assertEqual(c.cmd("STAT %s" % inst.conf), "+OK missing")
        pid = c.pid()
        self.assertEqual(os.readlink("/proc/%d/root" % pid), jail)
        self.assertEqual(parse_id(c.cmd("ID"))[0], self.uid)
        c.close()

    def test_bad_user_is_reported(self):
        port = free_port()
        body = echo_service(body="  user = no-such-user-pcdv\n  process_min_avail = 1\n"
                                 "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n" % port)
        inst = self.make(body)
        inst.start()
        log = inst.wait_log("master: Error: service(echo): command startup failed, throttling for 2.000 secs")
        self.assertIn("echo: Fatal: service(echo): User doesn't exist: no-such-user-pcdv "
                      "(See service echo { user } setting)", log)

    def test_vsz_limit(self):
        port = free_port()
        body = echo_service(body="  vsz_limit = 512 M\n  process_min_avail = 1\n"
                                 "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n" % port)
        inst = self.make(body)
        inst.start()
        def execed():
            for pid in inst.children():
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if b"pc-dvecho" in f.read():
                        return pid
            return None
        pid = wait_for(execed, what="service process")
        with open("/proc/%d/limits" % pid) as f:
            line = [l for l in f if l.startswith("Max address space")][0]
        if dvtest.sanitizer_build():
            self.assertIn("unlimited", line)	# documented: ASan needs the address space
        else:
            self.assertEqual(line.split()[3:5], ["536870912", "536870912"], line)


SYSLOG_SCRIPT = r'''
import os, socket, subprocess, sys, time
sock_path = "/dev/log"
if os.path.exists(sock_path):
    tmp = sys.argv[2] + "/devlog"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(tmp)
    subprocess.run(["mount", "--bind", tmp, sock_path], check=True)
    created = False
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sock_path)
    created = True
s.settimeout(0.5)
try:
    subprocess.run([sys.argv[1], "-c", sys.argv[3]], capture_output=True, text=True)
    out = []
    deadline = time.time() + 8
    while time.time() < deadline:
        try:
            out.append(s.recv(4096).decode("utf-8", "replace"))
        except socket.timeout:
            pass
        if any("starting up" in m for m in out) and any("command startup failed" in m for m in out):
            break
    subprocess.run([sys.argv[1], "-c", sys.argv[3], "stop"], capture_output=True)
    print("\n".join(out))
finally:
    if created:
        os.unlink(sock_path)
'''


class TestRootSyslog(RootBase):
    def capture(self, head):
        inst = DvInstance(echo_service("crash", "crash-at-start", "  process_min_avail = 1\n"), head)
        self.addCleanup(inst.stop)
        with open(inst.conf) as f:
            text = f.read().replace("log_path = %s\n" % inst.logfile, "")
        with open(inst.conf, "w") as f:
            f.write(text)
        script = os.path.join(inst.root, "fake_syslog.py")
        with open(script, "w") as f:
            f.write(SYSLOG_SCRIPT)
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "python3", script,
                            dvtest.dovecot(), inst.root, inst.conf], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_syslog_default(self):
        out = self.capture("")
        # facility mail (2) * 8 + info (6) = 22; syslog lines have no "Info: "
        self.assertRegex(out, r"<22>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d dovecot\[\d+\]: master: Dovecot "
                              r"v2\.3\.19\.1 \(postcote 0\.1\.0\) starting up without any protocols")
        self.assertRegex(out, r"dovecot\[\d+\]: crash: Fatal: master: service\(crash\): child \d+ returned error 1")
        self.assertRegex(out, r"dovecot\[\d+\]: master: Error: service\(crash\): command startup failed")

    def test_syslog_facility(self):
        out = self.capture("syslog_facility = local3\n")
        # local3 (19) * 8 + info (6) = 158
        self.assertRegex(out, r"<158>[^\n]* dovecot\[\d+\]: master: Dovecot v2\.3\.19\.1 ")


class TestRootStandalone(RootBase):
    def test_standalone_applies_owner_and_privileges(self):
        port = free_port()
        inst = self.make(echo_service(body=(
            "  user = %s\n  group = %s\n"
            "  unix_listener sa-sock {\n    mode = 0660\n    user = %s\n    group = %s\n  }\n"
            "  inet_listener echo {\n    address = 127.0.0.1\n    port = %d\n  }\n")
            % (self.user, self.group, self.user, self.group, port)))
        p = subprocess.Popen([dvtest.dvecho(), "-c", inst.conf, "-S"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        sock = inst.path("sa-sock")
        wait_for(lambda: os.path.exists(sock), what="stand-alone listener")
        st = os.stat(sock)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (self.uid, self.group_gid, 0o660))
        c = Client(sock)
        self.assertEqual(parse_id(c.cmd("ID"))[:2], (self.uid, self.group_gid))
        self.assertEqual(c.cmd("ENV PC_DV_SERVICE"), "-ERR unset")
        c.close()
        # a second instance refuses to steal a socket somebody serves on
        q = subprocess.run([dvtest.dvecho(), "-c", inst.conf, "-S"], capture_output=True, text=True,
                           timeout=10)
        self.assertNotEqual(q.returncode, 0)
        self.assertIn("service(echo): Socket already exists: %s" % sock, q.stderr)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)
        # after the privilege drop the socket in root's base_dir stays behind; a new
        # run replaces the stale one
        p = subprocess.Popen([dvtest.dvecho(), "-c", inst.conf, "-S"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        wait_for(lambda: _connects(sock), what="restarted stand-alone listener")
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)


def _connects(path):
    try:
        c = Client(path, timeout=1)
        c.close()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    unittest.main()
