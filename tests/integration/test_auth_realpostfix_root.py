"""The real-Postfix check (issue 6): Debian's own Postfix 3.7, run as a peer
in a temp instance on a high loopback port with smtpd_sasl_type = dovecot,
authenticates its SMTP clients through postcote's auth socket.

The same test runs twice: against real Dovecot's auth (which proves the
expectations are facts, not our guesses) and against postcote's, both started
from the same dovecot.conf.  Needs root (Postfix's master and postfix-script
insist on it) and the Debian packages postfix and dovecot-core, which
scripts/deps.sh installs.
"""
import base64
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import unittest

import pctest

REAL_POSTFIX = "/usr/sbin/postfix"
REAL_DOVECOT = "/usr/sbin/dovecot"
REAL_DOVEADM = "/usr/bin/doveadm"
PASSWORD = "s3cret-Pa55"


def _have(path):
    return os.access(path, os.X_OK)


class _Peer:
    """A real Postfix instance (smtpd only) plus an auth service (real or ours)."""

    def __init__(self, dovecot):
        self.root = tempfile.mkdtemp(prefix="pc-realpf-")
        os.chmod(self.root, 0o755)
        self.port = pctest.free_port()
        self.pf_etc = os.path.join(self.root, "pf-etc")
        self.spool = os.path.join(self.root, "pf-spool")
        self.maillog = os.path.join(self.root, "pf-maillog")
        self.dv = os.path.join(self.root, "dv")
        self.dovecot = dovecot
        os.makedirs(self.pf_etc)
        os.makedirs(self.dv)
        os.makedirs(self.spool)
        self._write_postfix()
        self._write_dovecot()

    def _write_postfix(self):
        with open(os.path.join(self.pf_etc, "main.cf"), "w") as f:
            f.write("""compatibility_level = 3.6
queue_directory = {spool}
data_directory = {root}/pf-data
mail_owner = postfix
setgid_group = postdrop
myhostname = realpf.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = {maillog}
maillog_file_prefixes = {root}
alternate_config_directories = {etc}
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_tls_security_level = none
smtpd_relay_restrictions = permit_sasl_authenticated, reject
""".format(spool=self.spool, root=self.root, maillog=self.maillog, etc=self.pf_etc))
        with open(os.path.join(self.pf_etc, "master.cf"), "w") as f:
            f.write("""127.0.0.1:{port} inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
""".format(port=self.port))

    def _write_dovecot(self):
        self.users = os.path.join(self.dv, "users")
        h = subprocess.run([REAL_DOVEADM, "pw", "-s", "SHA512-CRYPT", "-p", PASSWORD], check=True,
                           stdout=subprocess.PIPE, text=True).stdout.strip()
        with open(self.users, "w") as f:
            f.write("alice@example.com:%s::::::\n" % h)
        self.conf = os.path.join(self.dv, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("""protocols =
base_dir = {dv}/run
state_dir = {dv}/state
log_path = {dv}/log
auth_mechanisms = plain login
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=SHA512-CRYPT {users}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent/%u
}}
service auth {{
  unix_listener {spool}/private/auth {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
""".format(dv=self.dv, users=self.users, spool=self.spool))
        self.dvlog = os.path.join(self.dv, "log")

    def start(self):
        r = pctest.run([REAL_POSTFIX, "-c", self.pf_etc, "start"], timeout=60)
        if r.returncode != 0:
            raise AssertionError("real postfix start failed: %s%s" % (r.stdout, r.stderr))
        # the daemon keeps its inherited stdout/stderr: give it files, not pipes
        errfile = os.path.join(self.dv, "start.err")
        with open(errfile, "w") as err:
            rc = subprocess.run([self.dovecot, "-c", self.conf], stdin=subprocess.DEVNULL,
                                stdout=err, stderr=err, timeout=30).returncode
        if rc != 0:
            raise AssertionError("%s failed: %s" % (self.dovecot, self.text(errfile)))
        sock = os.path.join(self.spool, "private", "auth")
        pctest.wait_for(lambda: os.path.exists(sock), what=sock)
        pctest.wait_port(self.port)

    def stop(self):
        pctest.run([REAL_POSTFIX, "-c", self.pf_etc, "stop"], timeout=60)
        subprocess.run([self.dovecot, "-c", self.conf, "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        pidfile = os.path.join(self.dv, "run", "master.pid")
        pctest.wait_for(lambda: not os.path.exists(pidfile), timeout=15, what="dovecot master exit")
        if not os.environ.get("PCTEST_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

    def text(self, path):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


class _RealPostfixSasl:
    DOVECOT = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: real Postfix runs only as root")
        for p in (REAL_POSTFIX, REAL_DOVEADM, cls.dovecot()):
            if not _have(p):
                raise unittest.SkipTest("%s missing (scripts/deps.sh installs postfix and dovecot-core)" % p)
        cls.peer = _Peer(cls.dovecot())
        try:
            cls.peer.start()
        except BaseException:
            cls.peer.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()

    def smtp(self):
        s = smtplib.SMTP("127.0.0.1", self.peer.port, timeout=20)
        s.ehlo("client.example")
        return s

    def test_ehlo_offers_dovecot_mechanisms(self):
        with self.smtp() as s:
            self.assertIn("auth", s.esmtp_features)
            mechs = s.esmtp_features["auth"].split()
            self.assertEqual(sorted(mechs), ["LOGIN", "PLAIN"])

    def test_plain_ok(self):
        with self.smtp() as s:
            code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(
                b"\0alice@example.com\0" + PASSWORD.encode()).decode())
            self.assertEqual(code, 235, text)
            self.assertIn(b"2.7.0 Authentication successful", text)
            # authenticated: relaying is allowed by permit_sasl_authenticated
            self.assertEqual(s.docmd("MAIL", "FROM:<alice@example.com>")[0], 250)

    def test_login_ok(self):
        with self.smtp() as s:
            code, text = s.docmd("AUTH", "LOGIN")
            self.assertEqual((code, text), (334, b"VXNlcm5hbWU6"))
            code, text = s.docmd(base64.b64encode(b"alice@example.com").decode())
            self.assertEqual((code, text), (334, b"UGFzc3dvcmQ6"))
            code, text = s.docmd(base64.b64encode(PASSWORD.encode()).decode())
            self.assertEqual(code, 235, text)

    def test_plain_wrong_password(self):
        with self.smtp() as s:
            code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(
                b"\0alice@example.com\0wrong").decode())
            self.assertEqual(code, 535, text)
            self.assertEqual(text, b"5.7.8 Error: authentication failed: (reason unavailable)")
        pctest.wait_for(lambda: re.search(
            r"warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed: "
            r"\(reason unavailable\), sasl_username=alice@example\.com",
            self.peer.text(self.peer.maillog)), what="Postfix's SASL failure line")
        pctest.wait_for(lambda: re.search(
            r"auth: Info: passwd-file\(alice@example\.com,127\.0\.0\.1\): Password mismatch",
            self.peer.text(self.peer.dvlog)), what="auth's Password mismatch line")

    def test_login_wrong_password(self):
        with self.smtp() as s:
            s.docmd("AUTH", "LOGIN")
            s.docmd(base64.b64encode(b"alice@example.com").decode())
            code, text = s.docmd(base64.b64encode(b"nope").decode())
            self.assertEqual(code, 535, text)

    def test_unknown_user(self):
        with self.smtp() as s:
            code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0bob@example.com\0x").decode())
            self.assertEqual(code, 535, text)
        pctest.wait_for(lambda: re.search(
            r"auth: Info: passwd-file\(bob@example\.com,127\.0\.0\.1\): unknown user",
            self.peer.text(self.peer.dvlog)), what="auth's unknown user line")


class RealPostfixWithRealDovecot(_RealPostfixSasl, unittest.TestCase):
    """Control run: the expectations hold for the real pair."""

    @staticmethod
    def dovecot():
        return REAL_DOVECOT


class RealPostfixWithPostcoteAuth(_RealPostfixSasl, unittest.TestCase):
    @staticmethod
    def dovecot():
        return pctest.sbin("dovecot")


if __name__ == "__main__":
    unittest.main()
