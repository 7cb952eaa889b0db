"""authdbtool - helpers for the auth driver / auth-worker tests.

They drive tests/fixtures/pc-authdb: `worker SOCKET` serves the auth-worker
protocol (a forked process per connection, as the master runs auth-worker
with client_limit 1), and the driver mode runs one passdb/userdb driver as
the auth process would, printing one line per reply.
"""
import os
import signal
import socket
import subprocess
import time

import pctest

TOOL = os.path.join(pctest.BUILD, "tests", "fixtures", "pc-authdb")


class Worker:
    """A pc-authdb worker listening on <dir>/auth-worker."""

    def __init__(self, root, mode=0o600):
        self.path = os.path.join(root, "auth-worker")
        self.log = os.path.join(root, "worker.log")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([TOOL, "worker", self.path], stdout=self.logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        pctest.wait_for(lambda: connectable(self.path), what="worker socket")
        os.chmod(self.path, mode)

    def children(self):
        """pids of the per-connection worker processes."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                             stdout=subprocess.PIPE, text=True).stdout
        return [int(x) for x in out.split()]

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        self.logf.close()

    def text(self):
        with open(self.log) as f:
            return f.read()


def connectable(path):
    """True once something accepts connections on the UNIX socket path."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def parse(out):
    """pc-authdb output -> {n: (RESULT, {key: value})} (INIT line under 0)."""
    res = {}
    for line in out.splitlines():
        words = line.split(" ")
        if words[0] == "INIT":
            res[0] = ("INIT", dict(w.split("=", 1) for w in words[1:]))
            continue
        n = int(words[0])
        fields = {}
        for w in words[2:]:
            k, _, v = w.partition("=")
            fields[k] = v
        res[n] = (words[1], fields)
    return res


def run(kind, driver, args, requests, worker=None, maxconns=None, timeout_ms=None,
        user=None, timeout=60):
    """Run pc-authdb with request lines; returns (parsed, stdout, stderr)."""
    argv = [TOOL]
    if worker is not None:
        argv += ["-W", worker.path]
    if maxconns is not None:
        argv += ["-n", str(maxconns)]
    if timeout_ms is not None:
        argv += ["-t", str(timeout_ms)]
    argv += [kind, driver, args]
    if user is not None:
        argv = ["setpriv", "--reuid", user, "--regid", user, "--clear-groups"] + argv
    p = subprocess.run(argv, input="".join(r + "\n" for r in requests), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    return parse(p.stdout), p.stdout, p.stderr
