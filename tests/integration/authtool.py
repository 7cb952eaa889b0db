"""authtool - helpers for the auth daemon tests: a stand-alone postcote
`auth -c dovecot.conf -S` in a temp dir, and a line client for its sockets.

The config mirrors tests/data/auth/dovecot-real.conf, the one the facts in
tests/data/auth/ were recorded with on real Dovecot 2.3.19.
"""
import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pctest

USERS = """alice:{PLAIN}secret:5000:5000::/home/alice::userdb_mail=maildir:~/Maildir
bob:{SHA512-CRYPT}$6$rounds=5000$abcdefgh$dummy:5001:5001::/home/bob::
carol:{PLAIN}pw:5002:5002::/home/carol::nologin reason=go_away
low:{PLAIN}pw:10:10::/home/low::
dave:{SCRAM-SHA-256}4096,0LxwL2n8XKkZReESOiwQ3Q==,ZAfpmJLGzZfun07xlIPfNbtydihJD9tJGm6nkKdrHaw=,Zi1AwwsZHQz366USQL4xqhDcABjnkbNQCK10l9Pb+bU=:5003:5003::/home/dave::
erin:{CRAM-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56:5004:5004::/home/erin::
netty:{PLAIN}pw:5005:5005::/home/netty::allow_nets=192.168.0.0/24,::1
"""

CONF = """base_dir = {root}/base
log_path = {root}/log
protocols =
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 anonymous external
auth_anonymous_username = anon
auth_verbose = yes
auth_failure_delay = {delay}
ssl = no
default_internal_user = nobody
default_internal_group = nogroup
default_login_user = nobody
{extra}
passdb {{
  driver = passwd-file
  args = {root}/users
}}
userdb {{
  {userdb}
}}
service auth {{
  unix_listener auth-client {{
    mode = 0666
  }}
}}
"""


def auth_binary():
    return os.path.join(pctest.PREFIX, "libexec", "postcote", "dovecot", "auth")


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Auth:
    """A stand-alone postcote auth daemon in its own temp dir."""

    def __init__(self, extra="", delay="1 secs", env=None, users=USERS, userdb=None):
        self.root = tempfile.mkdtemp(prefix="pc-auth-")
        os.chmod(self.root, 0o755)
        self.users = os.path.join(self.root, "users")
        with open(self.users, "w") as f:
            f.write(users)
        os.chmod(self.users, 0o644)
        self.conf = os.path.join(self.root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(root=self.root, delay=delay, extra=extra,
                                userdb=userdb or "driver = passwd-file\n  args = %s" % self.users))
        self.log = os.path.join(self.root, "log")
        self.base = os.path.join(self.root, "base")
        self.errf = open(os.path.join(self.root, "stderr"), "w")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([auth_binary(), "-c", self.conf, "-S"], stdin=subprocess.DEVNULL,
                                     stdout=self.errf, stderr=subprocess.STDOUT, env=e)
        socks = ("auth-client", "auth-login", "auth-master", "auth-userdb")
        pctest.wait_for(lambda: all(connectable(self.sock(n)) for n in socks) or self.proc.poll() is not None,
                        what="the auth sockets")
        if self.proc.poll() is not None:
            raise AssertionError("auth exited: %s" % self.text(os.path.join(self.root, "stderr")))

    def sock(self, name):
        return os.path.join(self.base, name)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errf.close()
        if not os.environ.get("PCTEST_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def text(self, path=None):
        try:
            with open(path or self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, needle, timeout=10):
        pctest.wait_for(lambda: needle in self.text(), timeout=timeout, what="log line %r" % needle)


def b64(data):
    return base64.b64encode(data).decode()


class Line:
    """A line client on a UNIX socket of the auth daemon."""

    def __init__(self, path, hello=b"VERSION\t1\t2\nCPID\t4242\n"):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        if hello:
            self.s.sendall(hello)

    def send(self, text):
        self.s.sendall(text.encode("latin-1") if isinstance(text, str) else text)

    def line(self, timeout=10):
        """Next line (str), "" at EOF, None on timeout."""
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            except ConnectionResetError:
                return ""
            if not d:
                return ""
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode("latin-1")

    def until(self, last, timeout=10):
        out = []
        while True:
            ln = self.line(timeout)
            if ln is None or ln == "":
                raise AssertionError("no %r, got %r" % (last, out))
            out.append(ln)
            if ln == last:
                return out

    def handshake(self):
        return self.until("DONE")

    def reply(self, rid, timeout=10):
        """The next line for request rid (other lines are kept in order in self.others)."""
        while True:
            ln = self.line(timeout)
            if ln is None or ln == "":
                return ln
            f = ln.split("\t")
            if len(f) > 1 and f[1] == str(rid):
                return ln

    def eof(self, timeout=5):
        """True when the server closes the connection (lines before EOF are skipped)."""
        end = time.time() + timeout
        while time.time() < end:
            ln = self.line(max(0.1, end - time.time()))
            if ln == "":
                return True
            if ln is None:
                return False
        return False

    def close(self):
        self.s.close()
