"""test_smtpd_support - (no tests here) an SMTP client over raw sockets and a stand-in cleanup
service for the smtpd tests.

FakeCleanup listens on <queue_directory>/public/cleanup and speaks the
cleanup protocol of docs/internal-protocols.md: greeting with a queue ID,
the envelope attribute list, data chunks, then a status list.  Every
conversation is recorded (envelope, content, whether the client finished),
so tests can check exactly what smtpd handed over, and that abandoned
messages were never finished.
"""
import os
import socket
import threading
import time


def _unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            n = v[i + 1]
            out.append({"n": "\n", "r": "\r", "0": "\0", "\\": "\\"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Conversation:
    def __init__(self, queue_id):
        self.queue_id = queue_id
        self.envelope = []      # (name, value) pairs in order
        self.content = b""
        self.finished = False   # the 0 chunk arrived and a status was sent
        self.closed = False

    def get(self, name):
        for n, v in self.envelope:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.envelope if n == name]


class FakeCleanup:
    """Stand-in for the cleanup service (until the real one is merged)."""

    def __init__(self, spool):
        self.path = os.path.join(spool, "public", "cleanup")
        self.convs = []
        self.lock = threading.Lock()
        self.counter = 0x10
        self.status = "status=0\n\n"
        self.sock = None
        self.start()

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        self.sock.listen(16)
        self.thread = threading.Thread(target=self._accept, args=(self.sock,), daemon=True)
        self.thread.start()

    def stop(self):
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
            self.sock = None
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _accept(self, sock):
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with self.lock:
            self.counter += 1
            qid = "ABCDE%X" % self.counter
            conv = Conversation(qid)
            self.convs.append(conv)
        conn.settimeout(30)
        f = conn.makefile("rb")
        try:
            conn.sendall(("proto=cleanup\nversion=1\nqueue_id=%s\n\n" % qid).encode())
            while True:
                line = f.readline()
                if not line:
                    return
                line = line.rstrip(b"\n").decode("utf-8", "surrogateescape")
                if line == "":
                    break
                n, _, v = line.partition("=")
                conv.envelope.append((n, _unescape(v)))
            while True:
                hdr = f.readline()
                if not hdr:
                    return
                n = int(hdr.strip())
                if n == 0:
                    break
                data = f.read(n)
                if len(data) < n:
                    return
                conv.content += data
            conv.finished = True
            conn.sendall(self.status.encode())
        except (OSError, ValueError):
            return
        finally:
            conv.closed = True
            f.close()
            conn.close()

    def finished(self):
        with self.lock:
            return [c for c in self.convs if c.finished]

    def wait_closed(self, conv, timeout=10):
        deadline = time.monotonic() + timeout
        while not conv.closed:
            if time.monotonic() > deadline:
                raise AssertionError("cleanup conversation %s never ended" % conv.queue_id)
            time.sleep(0.05)


class Client:
    """A line-oriented SMTP client on a raw socket (bounded by timeouts)."""

    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.s.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def reply(self):
        """One complete (possibly multi-line) reply as a list of lines."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def reply1(self):
        r = self.reply()
        return r[-1] if len(r) == 1 else "\n".join(r)

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply1()

    def is_closed(self, timeout=5):
        """True when the server closed the connection (EOF) within timeout."""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
                self.buf += d
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass
