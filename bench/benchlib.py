"""Pieces every side-by-side benchmark needs: free loopback ports, process trees and their
memory, a scratch mailroom instance, and the anchor Postfix + Dovecot stack of
../shared/anchors/stack.sh (same machine, same run, so ratios mean something).
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

# The reference stack lives in shared/, beside the checkout; ANCHOR_STACK overrides it.
STACK = os.environ.get("ANCHOR_STACK") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "anchors", "stack.sh"))
PORT_OFFSETS = {"smtp": 25, "submission": 587, "submissions": 465, "imap": 143,
                "imaps": 993, "pop3": 110, "pop3s": 995}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_base():
    for base in range(31000, 60000, 1000):
        if all(port_is_free(base + off) for off in PORT_OFFSETS.values()):
            return base
    raise RuntimeError("no free port base")


def wait_for_port(port, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def child_processes(pid):
    """{command name: pid} of the processes whose parent is `pid` (the daemons of `up`)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out[name] = int(entry)
    return out


def median(values):
    return statistics.median(values)


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class MailroomInstance:
    """`mailroom init` in a scratch directory, with config edits, users and `up`."""

    def __init__(self, bin_dir, directory, domain="example.test", edits=()):
        self.bin = bin_dir
        self.dir = directory
        self.domain = domain
        self.config = os.path.join(directory, "mailroom.toml")
        self.base = free_port_base()
        self.proc = None
        self.cli(["init", "--dir", directory, "--domain", domain, "--hostname", "mx." + domain,
                  "--port-base", str(self.base)], config=False)
        with open(self.config) as f:
            text = f.read()
        for old, new in edits:
            if old not in text:
                raise RuntimeError(f"{old!r} not in {self.config}")
            text = text.replace(old, new)
        with open(self.config, "w") as f:
            f.write(text)

    def port(self, name):
        return self.base + PORT_OFFSETS[name]

    def cli(self, args, config=True, stdin=None):
        cmd = [os.path.join(self.bin, "mailroom")] + (["--config", self.config] if config else []) + args
        return subprocess.run(cmd, check=True, capture_output=True, text=True, input=stdin).stdout

    def add_user(self, address, password):
        self.cli(["user", "add", address, "--password-stdin"], stdin=password + "\n")

    def user_dir(self, address):
        local, domain = address.split("@")
        return os.path.join(self.dir, "data", "mail", domain, local)

    def up(self, wait_for=("smtp",)):
        self.log = open(os.path.join(self.dir, "up.log"), "w")
        self.proc = subprocess.Popen([os.path.join(self.bin, "mailroom"), "--config", self.config, "up"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for name in wait_for:
            if not wait_for_port(self.port(name)):
                raise RuntimeError(f"{name} did not start; see {self.log.name}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
        self.proc = None


class AnchorStack:
    """Postfix + Dovecot from stack.sh; started here when it was not running."""

    def __init__(self):
        env = subprocess.run([STACK, "env"], check=True, capture_output=True, text=True).stdout
        self.env = dict(line.split("=", 1) for line in env.splitlines() if "=" in line)
        self.mailroot = self.env["MR_MAILDIR_ROOT"]
        self.domain = self.env["MR_DOMAIN"]
        self.users = []
        self.was_running = subprocess.run([STACK, "status"], capture_output=True).returncode == 0
        if not self.was_running:
            self.locked(["up"])

    def locked(self, args):
        """A stack.sh command that takes its lock. stack.sh locks fd 9 of $ROOT/.lock and
        the Dovecot and smtp-sink it starts inherit that fd, so once the stack is up the
        lock is never free again; a fresh lock file (new inode) sidesteps that. Benchmarks
        are the stack's only users while they run."""
        lock = os.path.join(os.path.dirname(self.mailroot), ".lock")
        try:
            os.unlink(lock)
        except FileNotFoundError:
            pass
        # Output to /dev/null, not a pipe: the daemons `up` starts inherit stdout, so a
        # captured pipe would never reach EOF.
        subprocess.run([STACK] + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def port(self, key):
        return int(self.env[key].rsplit(":", 1)[1])

    def maildir(self, address):
        local, domain = address.split("@")
        return os.path.join(self.mailroot, domain, local, "Maildir")

    def add_users(self, addresses, password):
        for a in addresses:
            self.locked(["adduser", a, password])
            self.users.append(a)
        self.reset(addresses)

    def reset(self, addresses):
        self.locked(["reset"] + list(addresses))

    def cleanup(self):
        if self.users:
            self.locked(["reset"] + self.users)
            for a in self.users:
                self.locked(["deluser", a])
        if not self.was_running:
            self.locked(["down"])
