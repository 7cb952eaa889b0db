"""pctest - helpers shared by postcote's integration tests.

Paths come from the environment tests/run.py sets:
  POSTCOTE_PREFIX  install prefix of the build under test (sbin/, libexec/postcote/)
  POSTCOTE_BUILD   build tree
  POSTCOTE_SRC     source tree (tests/data, ../shared)
Programs are always called by explicit path, never through PATH, because a
real Postfix/Dovecot may be installed on the same machine.
"""
import os
import pwd
import grp
import shutil
import socket
import subprocess
import tempfile
import time

PREFIX = os.environ.get("POSTCOTE_PREFIX", "")
BUILD = os.environ.get("POSTCOTE_BUILD", "")
SRC = os.environ.get("POSTCOTE_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHARED = os.path.join(os.path.dirname(SRC), "shared")
DATA = os.path.join(SRC, "tests", "data")


def sbin(name):
    """Path of an installed admin command (postfix, postconf, ...)."""
    return os.path.join(PREFIX, "sbin", name)


def libexec(name):
    """Path of an installed daemon (master, postlogd, ...)."""
    return os.path.join(PREFIX, "libexec", "postcote", name)


def daemon_dir():
    return os.path.join(PREFIX, "libexec", "postcote")


def run(argv, input=None, env=None, timeout=30, check=False):
    """Run a command; return CompletedProcess with text stdout/stderr."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=e, timeout=timeout, text=True, check=check)


def free_port(host="127.0.0.1"):
    """A TCP port that was free a moment ago on host."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def fixture_daemon_dir(root):
    """A daemon_directory holding the installed daemons plus the test fixtures."""
    d = os.path.join(root, "libexec")
    os.makedirs(d)
    for name in os.listdir(daemon_dir()):
        os.symlink(os.path.join(daemon_dir(), name), os.path.join(d, name))
    for name in ("pc-testd",):
        os.symlink(os.path.join(BUILD, "tests", "fixtures", name), os.path.join(d, name))
    return d


def _exists_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _exists_group(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def mail_owner():
    """mail_owner for test instances: the invoking user, or (as root) postfix/nobody."""
    if os.geteuid() != 0:
        return current_user()
    return "postfix" if _exists_user("postfix") else "nobody"


def setgid_group():
    if os.geteuid() != 0:
        return current_group()
    return "postdrop" if _exists_group("postdrop") else "nogroup"


def current_user():
    return pwd.getpwuid(os.getuid()).pw_name


def current_group():
    return grp.getgrgid(os.getgid()).gr_name


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value; raise AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def wait_port(port, host="127.0.0.1", timeout=10.0):
    def ok():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    return wait_for(ok, timeout, what="port %s:%d" % (host, port))


class Instance:
    """A self-contained Postfix-style instance in a temp directory.

    Layout: <root>/etc (config_directory with main.cf, master.cf),
    <root>/spool (queue_directory), <root>/data (data_directory),
    <root>/maillog (maillog_file).  Runs as the invoking user: mail_owner
    and setgid_group are set to the current user and group, so no root is
    needed.  Call stop() (or use as a context manager) to clean up.
    """

    def __init__(self, main_cf_extra="", master_cf=None, prefix="pctest-", fixtures=True):
        self.root = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.root, 0o755)
        self.etc = os.path.join(self.root, "etc")
        self.spool = os.path.join(self.root, "spool")
        self.data = os.path.join(self.root, "data")
        self.maillog = os.path.join(self.root, "maillog")
        self.daemon_dir = daemon_dir()
        os.makedirs(self.etc)
        if fixtures:
            self.daemon_dir = fixture_daemon_dir(self.root)
        self.write_main_cf(main_cf_extra)
        self.write_master_cf(master_cf if master_cf is not None else "")

    def base_main_cf(self):
        return "\n".join([
            "compatibility_level = 3.6",
            "queue_directory = %s" % self.spool,
            "data_directory = %s" % self.data,
            "daemon_directory = %s" % self.daemon_dir,
            "command_directory = %s" % os.path.join(PREFIX, "sbin"),
            "mail_owner = %s" % mail_owner(),
            "setgid_group = %s" % setgid_group(),
            "maillog_file = %s" % self.maillog,
            "myhostname = test.example",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "",
        ])

    def write_main_cf(self, extra=""):
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(self.base_main_cf() + extra)

    def write_master_cf(self, text):
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(text)

    def postfix(self, *args, timeout=30):
        return run([sbin("postfix"), "-c", self.etc] + list(args), timeout=timeout)

    def postconf(self, *args, timeout=30):
        return run([sbin("postconf"), "-c", self.etc] + list(args), timeout=timeout)

    def log(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=10.0):
        """Wait until text appears in maillog; return the whole log."""
        wait_for(lambda: text in self.log(), timeout, what="log line %r" % text)
        return self.log()

    def master_pid(self):
        try:
            with open(os.path.join(self.spool, "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        if self.master_pid():
            self.postfix("stop")
            try:
                wait_for(lambda: not _alive(self.master_pid()), 10, what="master exit")
            except AssertionError:
                self.postfix("abort")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def pids_of(pattern):
    """PIDs whose command line contains pattern (for 'no process left behind')."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if pattern in cmd:
            out.append(int(d))
    return out


def make_user(root, prefix="pct"):
    """A throw-away system user (root only) whose home is <root>/home/<name>.

    Returns (name, home, uid, gid); call remove_user(name) when done."""
    import random
    name = "%s%06d" % (prefix, random.randrange(10 ** 6))
    home = os.path.join(root, "home", name)
    os.makedirs(os.path.dirname(home), exist_ok=True)
    os.chmod(os.path.dirname(home), 0o755)
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/usr/sbin/nologin", name], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pw = pwd.getpwnam(name)
    os.makedirs(home)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o755)
    return name, home, pw.pw_uid, pw.pw_gid


def remove_user(name):
    subprocess.run(["userdel", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


MAIL_MASTER_CF = """\
%(smtpd)s inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
anvil     unix  -       -       n       -       1       anvil
local     unix  -       n       n       -       -       local
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
showq     unix  n       -       n       -       -       showq
flush     unix  n       -       n       1000?   0       flush
"""


def count_maildir(home, sub="new"):
    try:
        return len(os.listdir(os.path.join(home, "Maildir", sub)))
    except FileNotFoundError:
        return 0
