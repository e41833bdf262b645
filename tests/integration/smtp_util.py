"""Helpers for the smtpd integration tests: run smtpd on its own (so no deliverd consumes
the queue), read the queue as deliverd would, and talk raw SMTP over a socket.

smtpd is started directly with `smtpd --config`, binding [listen] itself: the tests then
see the queue exactly as smtpd left it, whatever other daemons exist in the bin directory.
It is stopped by PID.
"""
import os
import pwd
import socket
import sqlite3
import ssl
import subprocess

from lib import BIN_DIR, Mailroom, stop_process, wait_for_port

SMTPD = os.path.join(BIN_DIR, "smtpd")


def unverified_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SmtpdInstance:
    """A Mailroom instance with only smtpd running."""

    def __init__(self, options=()):
        self.mr = Mailroom()
        for key, old, new in options:
            self.mr.set_option(key, old, new)
        self.data_dir = os.path.join(self.mr.dir, "data")
        self.proc = None
        self.log_path = os.path.join(self.mr.tmp, "smtpd.log")

    def start(self):
        self.log = open(self.log_path, "w")
        kwargs = {}
        run_user = self.mr.settings()["server"].get("run_user", "mailroom")
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(run_user)
                kwargs = {"user": pw.pw_uid, "group": pw.pw_gid}
            except KeyError:
                pass
        self.proc = subprocess.Popen([SMTPD, "--config", self.mr.config], stdout=self.log,
                                     stderr=subprocess.STDOUT, **kwargs)
        for name in ("smtp", "submission", "submissions"):
            if not wait_for_port(self.mr.port(name)):
                self.close()
                raise RuntimeError("smtpd did not start: " + self.log_text()[-2000:])

    def port(self, name):
        return self.mr.port(name)

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        """SIGTERM by PID; returns the exit status."""
        if self.proc is None:
            return None
        stop_process(self.proc)
        self.log.close()
        status = self.proc.returncode
        self.proc = None
        return status

    def close(self):
        self.stop()
        self.mr.close()

    # -- the queue, read the way deliverd reads it ---------------------------------------
    def queue(self):
        """[{id, sender, size, ret, envid, recipients: [(address, notify, orcpt)], bytes}]"""
        db = os.path.join(self.data_dir, "queue", "queue.db")
        if not os.path.exists(db):
            return []
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            entries = []
            for qid, sender, size, ret, envid in con.execute(
                    "SELECT id, sender, size, dsn_ret, dsn_envid FROM entries ORDER BY id"):
                rcpts = con.execute("SELECT address, dsn_notify, orcpt FROM recipients WHERE entry_id = ?"
                                    " ORDER BY address", (qid,)).fetchall()
                # Small messages are a blob in queue.db (table bodies), large ones msg/<id>.
                body = con.execute("SELECT bytes FROM bodies WHERE entry_id = ?", (qid,)).fetchone()
                if body is not None:
                    data = bytes(body[0])
                else:
                    with open(os.path.join(self.data_dir, "queue", "msg", qid), "rb") as f:
                        data = f.read()
                entries.append({"id": qid, "sender": sender, "size": size, "ret": ret, "envid": envid,
                                "recipients": rcpts, "bytes": data})
            return entries
        finally:
            con.close()


def _field_end(data, pos):
    pos = data.index(b"\r\n", pos) + 2
    while data[pos:pos + 1] in (b"\t", b" "):
        pos = data.index(b"\r\n", pos) + 2
    return pos


def strip_received(data):
    """The message minus the one Received: field smtpd put first (with its folded lines),
    and minus the DKIM-Signature fields above it on submitted mail (test_dkim_signing.py
    checks those): (that Received: field, the rest)."""
    start = 0
    while data.startswith(b"DKIM-Signature: ", start):
        start = _field_end(data, start)
    assert data.startswith(b"Received: ", start), data[:200]
    pos = _field_end(data, start)
    return data[start:pos], data[pos:]


class RawSmtp:
    """A raw SMTP connection: exact bytes out, replies in."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One complete (possibly multi-line) reply as text."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed after " + repr(lines) + repr(self.buf))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode(errors="replace"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def closed_by_peer(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
