"""attrproto - speak postcote's internal attribute-list protocols from tests
(docs/internal-protocols.md): lists of name=value lines ended by an empty
line, values escaped, data chunks "<len>\\n<bytes>"."""
import socket


def escape(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            i += 1
            c = {"\\": "\\", "n": "\n", "r": "\r", "0": "\0"}[v[i]]
        out.append(c)
        i += 1
    return "".join(out)


class Conn:
    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.f = self.s.makefile("rb")

    def read_list(self):
        """List of (name, value) pairs; None at EOF."""
        pairs = []
        while True:
            line = self.f.readline()
            if not line:
                return None
            line = line.decode("utf-8", "surrogateescape").rstrip("\n")
            if line == "":
                return pairs
            name, _, value = line.partition("=")
            pairs.append((name, unescape(value)))

    def send_list(self, pairs):
        data = "".join("%s=%s\n" % (n, escape(v)) for n, v in pairs) + "\n"
        self.s.sendall(data.encode("utf-8", "surrogateescape"))

    def send_chunks(self, data, size=65536, end=True):
        for i in range(0, len(data), size):
            part = data[i:i + size]
            self.s.sendall(b"%d\n" % len(part) + part)
        if end:
            self.s.sendall(b"0\n")

    def close(self):
        self.f.close()
        self.s.close()


def get(pairs, name, default=None):
    for n, v in pairs:
        if n == name:
            return v
    return default
