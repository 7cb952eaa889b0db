"""dvtest - a Dovecot-half instance for integration tests: a temp dovecot.conf
with base_dir and log_path inside a temp directory, the master's dovecot role
(`sbin/dovecot`) started on it, and the pc-dvecho fixture service
(tests/fixtures/pc-dvecho.c) to declare as a service.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pctest
from pctest import run, wait_for


def dovecot():
    return pctest.sbin("dovecot")


def doveadm():
    return os.path.join(pctest.PREFIX, "bin", "doveadm")


def dvecho():
    """Path of the fixture service program."""
    return os.path.join(pctest.BUILD, "tests", "fixtures", "pc-dvecho")


def sanitizer_build():
    try:
        with open(os.path.join(pctest.BUILD, "config.h")) as f:
            return "#define PC_SANITIZERS 1" in f.read()
    except OSError:
        return False


def alive(pid):
    """The process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def children_of(ppid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid and fields[0] != "Z":
            out.append(int(d))
    return sorted(out)


def echo_service(name="echo", args="", body=""):
    """A service block running pc-dvecho."""
    exe = dvecho() + (" " + args if args else "")
    return "service %s {\n  executable = %s\n%s}\n" % (name, exe, body)


class Client:
    """Line client for pc-dvecho, over TCP (port) or a UNIX socket (path)."""

    def __init__(self, where, timeout=5.0):
        if isinstance(where, int):
            self.sock = socket.create_connection(("127.0.0.1", where), timeout=timeout)
        else:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(timeout)
            self.sock.connect(where)
        self.f = self.sock.makefile("rwb")
        self.greeting = self.f.readline().decode().strip()

    def cmd(self, line):
        self.f.write((line + "\r\n").encode())
        self.f.flush()
        return self.f.readline().decode().strip()

    def pid(self):
        return int(self.cmd("PID").split()[1])

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


class DvInstance:
    """dovecot.conf + base_dir + log in a temp directory."""

    def __init__(self, body="", head="", prefix="pcdv-"):
        self.root = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.root, 0o755)
        self.base = os.path.join(self.root, "run")
        self.logfile = os.path.join(self.root, "dovecot.log")
        self.conf = os.path.join(self.root, "dovecot.conf")
        self.pidfile = os.path.join(self.base, "master.pid")
        self.known_pids = set()
        self.write(body, head)

    def write(self, body, head=""):
        text = "base_dir = %s\nlog_path = %s\n%s" % (self.base, self.logfile, head)
        if "protocols" not in head:
            text += "protocols = \n"
        with open(self.conf, "w") as f:
            f.write(text + body)

    def path(self, name):
        return os.path.join(self.base, name)

    def dovecot(self, *args, timeout=30):
        return run([dovecot(), "-c", self.conf] + list(args), timeout=timeout)

    def start(self, *args):
        r = self.dovecot(*args)
        if r.returncode != 0:
            raise AssertionError("dovecot start failed (%d): %s" % (r.returncode, r.stderr))
        wait_for(lambda: self.master_pid(), 10, what="master.pid")
        return r

    def master_pid(self):
        try:
            with open(self.pidfile) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return None
        return pid if alive(pid) else None

    def children(self):
        pid = self.master_pid()
        kids = children_of(pid) if pid else []
        self.known_pids.update(kids)
        return kids

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=10.0, count=1):
        wait_for(lambda: self.log().count(text) >= count, timeout, what="log line %r" % text)
        return self.log()

    def stop(self):
        pid = self.master_pid()
        if pid:
            self.children()
            self.dovecot("stop")
            try:
                wait_for(lambda: not alive(pid), 10, what="master exit")
            except AssertionError:
                os.kill(pid, signal.SIGKILL)
        for p in self.known_pids:
            if alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
