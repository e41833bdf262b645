"""Helpers for the imapd integration tests: a running instance with users, and a
raw-socket IMAP client that shows the exact bytes the server sends."""
import imaplib
import socket
import ssl
import time
import unittest

from lib import Mailroom, stop_and_check, unverified_context, wait_for_port  # noqa: F401 (re-exported)

PASSWORD = "correct horse"
USER = "alice@example.test"


def start_instance(plaintext_on_loopback=True, options=()):
    """A Mailroom with alice and bob, imapd listening; caller closes it."""
    mr = Mailroom()
    mr.add_user(USER, PASSWORD)
    mr.add_user("bob@example.test", "bob password")
    if plaintext_on_loopback:
        mr.allow_plaintext_on_loopback()
    for key, old, new in options:
        mr.set_option(key, old, new)
    mr.up()
    # A sanitizer build on a loaded CI machine can take several seconds to start.
    if not wait_for_port(mr.port("imap"), timeout=30) or not wait_for_port(mr.port("imaps"), timeout=30):
        log = mr.log_text()
        mr.close()
        raise RuntimeError("imapd did not start: " + log[-3000:])
    return mr


def check_clean_stop(mr):
    """Stops the instance and asserts imapd exited 0 with no sanitizer report."""
    return stop_and_check(mr, "imapd")


class InstanceTestCase(unittest.TestCase):
    """A test class whose tests share one running instance: start_instance(**instance_options)
    before its first test, check_clean_stop after its last. The instance is closed even
    when a subclass's own setUpClass (which calls this one first) fails."""

    instance_options = {}

    @classmethod
    def setUpClass(cls):
        cls.mr = start_instance(**cls.instance_options)
        cls.addClassCleanup(cls.mr.close)

    @classmethod
    def tearDownClass(cls):
        check_clean_stop(cls.mr)

    def raw_session(self, mailbox=None, timeout=20):
        """A RawImap logged in as USER (and SELECTed into `mailbox`), closed after the test."""
        r = RawImap(self.mr.port("imap"), timeout=timeout)
        self.addCleanup(r.close)
        self.assertTrue(r.command("l", f'LOGIN {USER} "{PASSWORD}"')[1].startswith("l OK"))
        if mailbox is not None:
            self.assertTrue(r.command("s", f"SELECT {mailbox}")[1].startswith("s OK"))
        return r

    def imaplib_session(self, timeout=20):
        """An imaplib client logged in as USER, logged out after the test."""
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=timeout)
        c.login(USER, PASSWORD)
        self.addCleanup(c.logout)
        return c


class RawImap:
    """A line-oriented IMAP client over a plain socket (optionally TLS)."""

    def __init__(self, port, tls=False, timeout=10):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            sock = unverified_context().wrap_socket(sock)
        self.sock = sock
        self.buf = b""
        self.greeting = self.line()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; got %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def command(self, tag, text):
        """Sends `tag text` and returns (untagged lines, tagged line)."""
        self.send(f"{tag} {text}\r\n")
        return self.until(tag)

    def until(self, tag):
        lines = []
        while True:
            line = self.line()
            if line.startswith(tag + " "):
                return lines, line
            lines.append(line)

    def closed(self, timeout=5):
        """True when the server closed the connection (EOF) within `timeout`."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, ssl.SSLError):
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        self.sock.close()
