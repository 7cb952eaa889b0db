"""qfile - read and write postcote queue files from tests (docs/queue-format.md).

read(path)  -> list of (type, bytes, offset) records; raises ValueError when corrupt
write(path, records) writes a complete file (records: list of (type, bytes|str)),
    ending with the END record, so delivery-side tests can queue messages
    without the intake daemons.
message(sender, rcpts, content, attrs=None, time=None) -> records for a simple message
"""
import os
import time as _time

TYPES = "CTSAONRDMLlXE"


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    recs, pos = [], 0
    while pos < len(data):
        off = pos
        t = chr(data[pos])
        if t not in TYPES:
            raise ValueError("unknown record type %r at %d" % (t, off))
        pos += 1
        n, shift = 0, 0
        for i in range(4):
            if pos >= len(data):
                raise ValueError("truncated length at %d" % off)
            b = data[pos]
            pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        else:
            raise ValueError("length too long at %d" % off)
        if pos + n > len(data):
            raise ValueError("record past end of file at %d" % off)
        recs.append((t, data[pos:pos + n], off))
        pos += n
        if t == "E":
            return recs
    raise ValueError("no END record")


def encode(records):
    out = bytearray()
    for t, d in records:
        if isinstance(d, str):
            d = d.encode()
        out += t.encode() + _varint(len(d)) + d
    return bytes(out)


def write(path, records):
    if not records or records[-1][0] != "E":
        records = list(records) + [("E", b"")]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(encode(records))
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def message(sender, rcpts, content, attrs=None, arrival=None):
    """Records for a message: content is text with LF line endings."""
    t = arrival if arrival is not None else _time.time()
    recs = [("T", "%d.%06d" % (int(t), int((t % 1) * 1e6))), ("S", sender)]
    for k, v in (attrs or {}).items():
        recs.append(("A", "%s=%s" % (k, v)))
    for r in rcpts:
        recs.append(("R", r))
    recs.append(("M", b""))
    body = content.encode() if isinstance(content, str) else content
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        recs.append(("L", line))
    recs.append(("X", b""))
    return recs


def content(records):
    """The message content (bytes, LF line endings) of read() records."""
    out, inmsg, pending = bytearray(), False, bytearray()
    for t, d, _ in records:
        if t == "M":
            inmsg = True
        elif t == "X":
            break
        elif inmsg and t == "l":
            pending += d
        elif inmsg and t == "L":
            out += pending + d + b"\n"
            pending = bytearray()
    return bytes(out)


def values(records, rtype):
    return [d.decode("utf-8", "replace") for t, d, _ in records if t == rtype]
