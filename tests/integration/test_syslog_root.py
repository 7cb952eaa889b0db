"""Root-only: log lines reach syslog in Postfix's shape.

The test plays syslogd: it binds a datagram socket at /dev/log (in a
private mount namespace when the host already has one, so a real syslog
daemon is never disturbed) and starts an instance without maillog_file.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

import pctest
from pctest import Instance

SCRIPT = r'''
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
    r = subprocess.run([sys.argv[1], "-c", sys.argv[3], "start"], capture_output=True, text=True)
    out = []
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            out.append(s.recv(4096).decode("utf-8", "replace"))
        except socket.timeout:
            if any("daemon started" in m for m in out):
                break
    subprocess.run([sys.argv[1], "-c", sys.argv[3], "stop"], capture_output=True)
    print("\n".join(out))
finally:
    if created:
        os.unlink(sock_path)
'''


class TestSyslog(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")

    def capture(self, extra):
        inst = Instance(master_cf="")
        self.addCleanup(inst.stop)
        with open(os.path.join(inst.etc, "main.cf")) as f:
            text = f.read().replace("maillog_file = %s\n" % inst.maillog, "")
        with open(os.path.join(inst.etc, "main.cf"), "w") as f:
            f.write(text + extra)
        script = os.path.join(inst.root, "fake_syslog.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        r = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, script,
                            pctest.sbin("postfix"), inst.root, inst.etc],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_mail_facility_and_tags(self):
        out = self.capture("")
        self.assertRegex(out, r"<22>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d postfix/master\[\d+\]: "
                              r"daemon started -- version 3\.7\.11, configuration ")
        self.assertRegex(out, r"<22>[^\n]* postfix/postfix-script\[\d+\]: starting the Postfix mail system")

    def test_syslog_facility_and_name(self):
        out = self.capture("syslog_facility = local3\nsyslog_name = postfix-out\n")
        # local3 (19) * 8 + info (6) = 158
        self.assertRegex(out, r"<158>[^\n]* postfix-out/master\[\d+\]: daemon started")


if __name__ == "__main__":
    unittest.main()
