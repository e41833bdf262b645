"""Shared helpers for integration tests: run the real `mailroom` binaries on 127.0.0.1.

Every instance lives in its own temporary directory, uses a port base whose nine
listener ports were free when it was chosen, and is stopped by PID when the test ends.
"""
import fcntl
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import tomllib

BIN_DIR = os.environ.get("MR_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "bin")
MAILROOM = os.path.join(BIN_DIR, "mailroom")
PORT_OFFSETS = {"smtp": 25, "submission": 587, "submissions": 465, "imap": 143,
                "imaps": 993, "pop3": 110, "pop3s": 995, "http": 80, "https": 443,
                "managesieve": 4190}


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# Bases lie on a grid of step 3 inside each thousand: the only two offsets closer than 22
# are 993 and 995, so bases 2 apart would share a port (A+995 == (A+2)+993). (The PROXY
# tests' base+26 is 1 from base+25, also no multiple of 3.) ManageSieve's +4190 reaches
# into other thousands: 4190 minus any other offset (4165, 3603, 3725, 4047, 3197, 4080,
# 3195, 4110, 3747, 4164) is at least 29 away from a multiple of 1000, more than the 18 that
# two bases of one slot grid can differ by, so no two bases share a port.
_BASE_STEP = 3
_BASE_SLOTS = 7
# The lock files held open by this process: one per base it has taken, so that tests that
# ctest runs in parallel never pick the same base between choosing and binding it.
_held_base_locks = []


def _reserve_base(base):
    lock_dir = os.path.join(tempfile.gettempdir(), "mailroom-test-ports")
    os.makedirs(lock_dir, exist_ok=True)
    fd = os.open(os.path.join(lock_dir, f"{base}.lock"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _held_base_locks.append(fd)
    return True


def free_port_base():
    """A base N such that N+25 ... N+4190 are all free on 127.0.0.1 right now, and that no
    other test process holds: the reservation lasts until this process exits."""
    # Below the kernel's ephemeral range (32768-60999 by default), N+4190 included: a port
    # picked there can be taken as the local port of some test's outgoing connection before
    # `up` binds it.
    for _ in range(200):
        base = random.randrange(21000, 28001, 1000) + _BASE_STEP * random.randrange(_BASE_SLOTS)
        if not all(port_is_free(base + off) for off in PORT_OFFSETS.values()):
            continue
        if _reserve_base(base):
            return base
    raise RuntimeError("no free port base found")


class ClientHung(AssertionError):
    """An external client did not finish within its own timeout."""


def run_client(name, argv, timeout, input=None, text=False, **popen_args):
    """Runs an external client (getmail, fetchmail, curl, swaks, ...) to completion and
    returns its CompletedProcess, with stdout and stderr captured.

    Every client gets a timeout well below ctest's 600 s per script, so a client that hangs
    fails its test by name instead of taking the whole script down with a ctest timeout.
    The client runs in a session of its own: on a timeout its whole process group (the
    delivery children getmail forks, say) is killed, not just the first process."""
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            **popen_args)
    if text and input is not None:
        input = input.encode()
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise ClientHung(f"{name} hung: no exit within {timeout} s ({' '.join(map(str, argv))})\n"
                         f"stdout: {out[-2000:]!r}\nstderr: {err[-2000:]!r}") from None
    if text:
        out, err = out.decode(errors="replace"), err.decode(errors="replace")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def rss_kib(pid):
    """The resident set of process `pid` in KiB (VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stop_process(proc, timeout=20):
    """SIGTERM, then SIGKILL when `proc` has not exited within `timeout` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Mailroom:
    """One initialised mailroom instance in a temporary directory."""

    def __init__(self, domain="example.test", hostname="mx.example.test"):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-it-")
        # Started as root, the CLI and daemons switch to the `mailroom` account: it must
        # be able to reach the instance directory.
        os.chmod(self.tmp, 0o755)
        self.dir = os.path.join(self.tmp, "inst")
        self.config = os.path.join(self.dir, "mailroom.toml")
        self.port_base = free_port_base()
        self.domain = domain
        self.proc = None
        self.log_path = os.path.join(self.tmp, "up.log")
        self.run("init", "--dir", self.dir, "--domain", domain, "--hostname", hostname,
                 "--port-base", str(self.port_base), with_config=False)

    def set_option(self, key, old, new):
        """Replaces `key = old` by `key = new` in the instance's config file."""
        with open(self.config) as f:
            text = f.read()
        line = f"{key} = {old}\n"
        if line not in text:
            raise AssertionError(f"{line!r} not in {self.config}")
        with open(self.config, "w") as f:
            f.write(text.replace(line, f"{key} = {new}\n"))

    def set_in_table(self, table, key, old, new):
        """Replaces `key = old` by `key = new` inside [table] only (keys like `servers` stand
        in several tables)."""
        with open(self.config) as f:
            text = f.read()
        start = text.index(f"\n[{table}]\n")
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        section = text[start:end]
        line = f"\n{key} = {old}\n"
        if line not in section:
            raise AssertionError(f"{line!r} not in [{table}] of {self.config}")
        with open(self.config, "w") as f:
            f.write(text[:start] + section.replace(line, f"\n{key} = {new}\n", 1) + text[end:])

    def set_dns_servers(self, servers):
        """[dns] servers: every lookup of the instance goes there."""
        self.set_in_table("dns", "servers", "[]", "[" + ", ".join(f'"{s}"' for s in servers) + "]")

    def allow_plaintext_on_loopback(self):
        self.set_option("allow_plaintext_on_loopback", "false", "true")

    def port(self, name):
        return self.port_base + PORT_OFFSETS[name]

    def settings(self):
        with open(self.config, "rb") as f:
            return tomllib.load(f)

    def run(self, *args, stdin=None, check=True, with_config=True):
        cmd = [MAILROOM] + (["--config", self.config] if with_config else []) + list(args)
        res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr}")
        return res

    def add_user(self, address, password):
        return self.run("user", "add", address, "--password-stdin", stdin=password + "\n")

    def user_dir(self, address):
        local, domain = address.split("@")
        return os.path.join(self.dir, "data", "mail", domain, local)

    def place_in_maildir(self, address, messages):
        """Puts `messages` into the user's new/ as any Maildir tool would (written in tmp/,
        owned like the folder, renamed), in order, then runs `mailroom reindex` for them."""
        root = self.user_dir(address)
        st = os.stat(root)
        for i, body in enumerate(messages):
            name = f"{int(time.time())}.M{i:04d}P{os.getpid()}Q{time.monotonic_ns()}.test,S={len(body)}"
            tmp = os.path.join(root, "tmp", name)
            with open(tmp, "wb") as f:
                f.write(body)
            os.chown(tmp, st.st_uid, st.st_gid)
            os.rename(tmp, os.path.join(root, "new", name))
        self.run("reindex", address)

    def up(self, env=None):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([MAILROOM, "--config", self.config, "up"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        return self.proc

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        stop_process(self.proc)
        if self.proc is not None:
            self.log.close()
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop_and_check(mr, daemon):
    """Stops the instance (SIGTERM) and asserts that `daemon` exited 0 with no sanitizer
    report; returns the log."""
    mr.stop()
    log = mr.log_text()
    assert f'event=stopped child={daemon} status="exit 0"' in log, log[-3000:]
    assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]
    return log


def close_checked(mr, daemon):
    """stop_and_check, then the instance closed (its directory removed) even when a check
    failed; returns the log."""
    try:
        return stop_and_check(mr, daemon)
    finally:
        mr.close()


def unverified_context():
    """TLS to the instance's self-signed certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def child_pids(pid):
    """PIDs whose parent is `pid`, with their command names."""
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid:
            result[int(entry)] = name
    return result
