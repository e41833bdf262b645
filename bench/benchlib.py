"""Pieces every side-by-side benchmark needs: free loopback ports, process trees and their
memory, a scratch mailroom instance, and the anchor Postfix + Dovecot stack of
../shared/anchors/stack.sh (same machine, same run, so ratios mean something).
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys

# Ports and process trees the way the integration tests see them (tests/integration/lib.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from lib import PORT_OFFSETS, child_pids, port_is_free, stop_process  # noqa: E402
from lib import wait_for_port as _wait_for_port  # noqa: E402

# The reference stack lives in shared/, beside the checkout; ANCHOR_STACK overrides it.
STACK = os.environ.get("ANCHOR_STACK") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "anchors", "stack.sh"))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port_base():
    for base in range(31000, 60000, 1000):
        if all(port_is_free(base + off) for off in PORT_OFFSETS.values()):
            return base
    raise RuntimeError("no free port base")


def wait_for_port(port, timeout=20.0):
    return _wait_for_port(port, timeout)


def child_processes(pid):
    """{command name: pid} of the processes whose parent is `pid` (the daemons of `up`)."""
    return {name: child for child, name in child_pids(pid).items()}


def descendants(pid):
    """Every process below `pid`: children, their children, and so on."""
    out, todo = [], [pid]
    while todo:
        kids = list(child_pids(todo.pop()))
        out += kids
        todo += kids
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def memory_kib(pid):
    """(RSS, PSS) in KiB; zeros for a process that has gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def tree_memory_kib(root, process_names):
    """(RSS, PSS) in KiB summed over the processes below `root` of the given names. PSS
    splits shared pages among their users: the fair share of a process per connection."""
    rss = pss = 0
    for pid in descendants(root):
        if comm(pid) in process_names:
            r, p = memory_kib(pid)
            rss += r
            pss += p
    return rss, pss


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
            stop_process(self.proc, timeout=30)
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

    def dovecot_master_pid(self):
        with open(os.path.join(os.path.dirname(self.mailroot), "run", "dovecot", "master.pid")) as f:
            return int(f.read().strip())

    def dovecot_memory(self, process_names):
        """(RSS, PSS) in KiB summed over Dovecot's processes of the given names."""
        return tree_memory_kib(self.dovecot_master_pid(), process_names)

    def dovecot_conf(self):
        return os.path.join(os.path.dirname(self.mailroot), "dovecot", "dovecot.conf")

    def dovecot_users_file(self):
        return os.path.join(os.path.dirname(self.mailroot), "dovecot", "users")

    def rewrite_dovecot_users(self, drop, add, password, tmp_suffix):
        """Dovecot's passwd-file without the users in `drop`, plus those in `add` with
        `password`; replaced by rename, so Dovecot never reads half a file."""
        path = self.dovecot_users_file()
        with open(path) as f:
            lines = [l for l in f if l.split(":", 1)[0] not in drop]
        lines += [f"{a}:{{PLAIN}}{password}::::::\n" for a in add]
        tmp = path + tmp_suffix
        with open(tmp, "w") as f:
            f.writelines(lines)
        shutil.chown(tmp, "root", "dovecot")
        os.chmod(tmp, 0o640)
        os.rename(tmp, path)

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


class ZlibDovecot:
    """A second Dovecot beside the anchor's, for IMAP COMPRESS=DEFLATE (RFC 4978), which the
    anchor's lacks: its config includes the anchor's dovecot.conf unchanged (same users, same
    Maildirs and indexes) and then overrides what must differ: the zlib and imap_zlib
    plugins, IMAP only (no POP3/LMTP listeners on the anchor's ports), its own instance
    name, base_dir, state_dir, log and IMAP port. Runs in the foreground (-F) as a child of
    this process and is stopped by its PID. Start it only under the anchor lock, like the
    anchor itself (`flock /tmp/anchor.lock`)."""

    def __init__(self, stack, directory):
        self.dir = directory
        with socket.socket() as s:  # a port nobody holds now; Dovecot binds it moments later
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.conf = os.path.join(directory, "dovecot.conf")
        self.proc = None
        for sub in ("run", "state"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        with open(self.conf, "w") as f:
            f.write(f"""!include {stack.dovecot_conf()}
instance_name = bench-dovecot-zlib
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
info_log_path = {directory}/dovecot.log
protocols = imap
mail_plugins = $mail_plugins zlib
protocol imap {{
  mail_plugins = $mail_plugins imap_zlib
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")

    def start(self):
        self.log = open(os.path.join(self.dir, "dovecot.out"), "w")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf], stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_for_port(self.port):
            raise RuntimeError(f"Dovecot with imap_zlib did not start; see {self.dir}/dovecot.log")

    def memory(self, process_names):
        return tree_memory_kib(self.proc.pid, process_names)

    def stop(self):
        if self.proc:
            stop_process(self.proc, timeout=30)
            self.log.close()
        self.proc = None
