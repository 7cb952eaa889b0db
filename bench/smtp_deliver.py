#!/usr/bin/env python3
"""smtp_deliver.py - end-to-end throughput, SMTP accept to file in Maildir/new,
postcote vs the real Debian Postfix 3.7, side by side in one run.

Both run as self-contained instances in /var/tmp/pcbench (own config and
queue directories, chroot off, loopback port), configured the same way:
home_mailbox = Maildir/, default durability (queue file fsync, Maildir fsync).
Each instance delivers to its own throw-away system user.  Postfix's
smtp-source sends --messages messages of 4 KiB (-l 4096) over S parallel
sessions (one message per connection, as smtp-source does by default); the
clock stops when the last message is in Maildir/new.  Server CPU seconds
are summed over the instance's process tree from /proc (the master's
cutime/cstime covers exited children).

Usage (root): bench/smtp_deliver.py [--sessions 1,10,50] [--messages 1000] [--runs 3]
Needs: apt-get install postfix (for /usr/sbin/postfix and smtp-source).
"""
import argparse
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
STOCK = os.path.join(os.path.dirname(SRC), "shared", "compat", "debian-postfix-3.7")
BASE = "/var/tmp/pcbench"
HZ = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_user(name, home):
    try:
        pwd.getpwnam(name)
        subprocess.run(["usermod", "-d", home, name], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except KeyError:
        subprocess.run(["useradd", "-M", "-d", home, "-s", "/usr/sbin/nologin", name], check=True)
    os.makedirs(home, exist_ok=True)
    pw = pwd.getpwnam(name)
    os.chown(home, pw.pw_uid, pw.pw_gid)


def master_cf(port):
    """The stock master.cf with chroot off and smtpd on a loopback port."""
    out = []
    with open(os.path.join(STOCK, "master.cf")) as f:
        for line in f:
            cols = line.split()
            if line[0] not in " \t#\n" and len(cols) >= 8:
                if cols[0] == "smtp" and cols[1] == "inet":
                    cols[0] = "127.0.0.1:%d" % port
                cols[4] = "n"
                line = " ".join(cols) + "\n"
            out.append(line)
    return "".join(out)


class Inst:
    def __init__(self, name, postfix_cmd, daemon_dir, user):
        self.name = name
        self.root = os.path.join(BASE, name)
        self.etc = os.path.join(self.root, "etc")
        self.cmd = postfix_cmd
        self.user = user
        self.home = os.path.join(self.root, "home", user)
        self.port = free_port()
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.etc)
        os.makedirs(os.path.join(self.root, "spool"))
        ensure_user(user, self.home)
        main = [
            "compatibility_level = 3.6",
            "queue_directory = %s/spool" % self.root,
            "data_directory = %s/data" % self.root,
            "daemon_directory = %s" % daemon_dir,
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "myhostname = bench.invalid",
            "mydestination = localhost, $myhostname",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "home_mailbox = Maildir/",
            "alias_maps =",
            "alias_database =",
            "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
            "mynetworks = 127.0.0.0/8",
            "maillog_file = %s/maillog" % self.root,
            "biff = no",
            "",
        ]
        if "postcote" not in name:
            main.append("shlib_directory = /usr/lib/postfix")
            main.append("meta_directory = /etc/postfix")
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write("\n".join(main) + "\n")
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(master_cf(self.port))

    def postfix(self, *args):
        return subprocess.run([self.cmd, "-c", self.etc] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)

    def start(self):
        r = self.postfix("start")
        if r.returncode != 0:
            sys.exit("%s: postfix start failed:\n%s" % (self.name, r.stdout))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("%s: smtpd port %d never opened" % (self.name, self.port))

    def stop(self):
        self.postfix("stop")
        time.sleep(0.5)

    def master_pid(self):
        with open(os.path.join(self.root, "spool", "pid", "master.pid")) as f:
            return int(f.read().split()[0])

    def cpu(self):
        """CPU seconds of the master, its waited-for children and the live ones."""
        total = 0.0
        todo = [self.master_pid()]
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        st = f.read().rsplit(")", 1)[1].split()
                    children.setdefault(int(st[1]), []).append(int(d))
                except OSError:
                    pass
        first = True
        while todo:
            pid = todo.pop()
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            t = int(st[11]) + int(st[12])
            if first:
                t += int(st[13]) + int(st[14])
                first = False
            total += t / HZ
            todo.extend(children.get(pid, []))
        return total

    def delivered(self):
        try:
            return len(os.listdir(os.path.join(self.home, "Maildir", "new")))
        except FileNotFoundError:
            return 0

    def clear(self):
        shutil.rmtree(os.path.join(self.home, "Maildir"), ignore_errors=True)


def run(inst, sessions, messages, timeout):
    inst.clear()
    c0 = inst.cpu()
    t0 = time.monotonic()
    src = subprocess.Popen(["/usr/sbin/smtp-source", "-s", str(sessions), "-m", str(messages),
                            "-l", "4096", "-f", "bench@localhost", "-t", "%s@localhost" % inst.user,
                            "-M", "localhost", "127.0.0.1:%d" % inst.port],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while inst.delivered() < messages:
        if time.monotonic() - t0 > timeout:
            src.kill()
            return None
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    src.wait(timeout=30)
    time.sleep(0.2)
    return messages / elapsed, (inst.cpu() - c0) * 1000 / messages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", default="1,10,50")
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--postcote", default=os.path.join(SRC, "build", "inst"))
    ap.add_argument("--only", choices=("postcote", "postfix"), help="run one side (debugging)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (creates bench users, runs the real Postfix)")
    if not os.path.exists("/usr/sbin/smtp-source"):
        sys.exit("install the real Postfix: apt-get install postfix")
    ours = Inst("postcote", os.path.join(args.postcote, "sbin", "postfix"),
                os.path.join(args.postcote, "libexec", "postcote"), "pcbench1")
    theirs = Inst("postfix", "/usr/sbin/postfix", "/usr/lib/postfix/sbin", "pcbench2")
    # the real postfix accepts -c DIR only for directories its default main.cf names
    subprocess.run(["postconf", "-e", "alternate_config_directories = %s" % theirs.etc], check=True)
    insts = [i for i in (ours, theirs) if args.only in (None, i.name)]
    results = {}
    try:
        for inst in insts:
            inst.start()
        for s in [int(x) for x in args.sessions.split(",")]:
            for inst in insts:
                run(inst, s, min(50, args.messages), args.timeout)     # warm-up
            for _ in range(args.runs):
                for inst in insts:
                    r = run(inst, s, args.messages, args.timeout)
                    if r is None:
                        print("%s: timed out (%d of %d delivered)" % (inst.name, inst.delivered(), args.messages))
                        continue
                    results.setdefault((s, inst.name), []).append(r)
    finally:
        for inst in insts:
            inst.stop()
    print("%-9s %-9s %12s %16s" % ("sessions", "server", "msg/s", "CPU-s/1000 msg"))
    for s in [int(x) for x in args.sessions.split(",")]:
        med = {}
        for name in ("postcote", "postfix"):
            rs = results.get((s, name))
            if not rs:
                continue
            rate = statistics.median(r[0] for r in rs)
            cpu = statistics.median(r[1] for r in rs)
            med[name] = (rate, cpu)
            print("%-9d %-9s %12.0f %16.2f" % (s, name, rate, cpu))
        if len(med) == 2:
            print("%-9d ratio     %11.2fx %15.2fx" % (s, med["postcote"][0] / med["postfix"][0],
                                                     med["postcote"][1] / med["postfix"][1]))


if __name__ == "__main__":
    main()
