"""Failed logins counted together by imapd, pop3d and smtpd, across connections
(common/text/login_policy.hpp, storage/login_failures.hpp): the delay survives a reconnect
and a change of protocol; after [auth] max_failures_per_address failures the address is
refused, even with the right password, while another address logs in; the log lines
match the shipped fail2ban filter."""
import base64
import os
import shutil
import socket
import subprocess
import time
import unittest

from lib import Mailroom, stop_and_check, wait_for_port

USER = "bob@example.test"
PASSWORD = "bob password"
HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = os.path.join(HERE, "..", "..", "etc", "fail2ban", "filter.d", "mailroom.conf")

DELAY_MS = 100           # [auth] failure_delay_ms: capped at 16 x = 1.6 s
MAX_PER_ADDRESS = 4      # [auth] max_failures_per_address


class Client:
    """A line-based plaintext client bound to a chosen loopback source address."""

    def __init__(self, port, source="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.f = self.sock.makefile("rwb")

    def send(self, line):
        self.f.write(line.encode() + b"\r\n")
        self.f.flush()

    def line(self):
        return self.f.readline().decode().rstrip("\r\n")

    def close(self):
        try:
            self.f.close()
        finally:
            self.sock.close()


def imap_login(port, source, password):
    """The tagged answer to LOGIN, and how long it took."""
    c = Client(port, source)
    try:
        c.line()  # greeting
        t0 = time.monotonic()
        c.send(f'a LOGIN {USER} "{password}"')
        while True:
            line = c.line()
            if line.startswith("a "):
                return line, time.monotonic() - t0
            if not line:
                return "", time.monotonic() - t0
    finally:
        c.close()


def pop3_login(port, source, password):
    c = Client(port, source)
    try:
        c.line()
        c.send(f"USER {USER}")
        c.line()
        t0 = time.monotonic()
        c.send(f"PASS {password}")
        return c.line(), time.monotonic() - t0
    finally:
        c.close()


def smtp_login(port, source, password):
    c = Client(port, source)
    try:
        c.line()
        c.send("EHLO client.example.test")
        while True:
            line = c.line()
            if not line.startswith("250-"):
                break
        token = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
        t0 = time.monotonic()
        c.send(f"AUTH PLAIN {token}")
        return c.line(), time.monotonic() - t0
    finally:
        c.close()


class LoginFailuresTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        self.addCleanup(self.mr.close)
        self.mr.add_user(USER, PASSWORD)
        self.mr.allow_plaintext_on_loopback()
        self.mr.set_option("failure_delay_ms", "500", str(DELAY_MS))
        self.mr.set_option("max_failures_per_address", "10", str(MAX_PER_ADDRESS))
        self.mr.up()
        for name in ("imap", "pop3", "submission"):
            if not wait_for_port(self.mr.port(name)):
                raise RuntimeError(f"{name} did not start")

    def test_shared_delay_refusal_and_fail2ban(self):
        imap, pop3, smtp = self.mr.port("imap"), self.mr.port("pop3"), self.mr.port("submission")

        # Three failures over IMAP from 127.0.0.1, each on a new connection.
        for _ in range(3):
            answer, _ = imap_login(imap, "127.0.0.1", "wrong")
            self.assertEqual(answer, "a NO [AUTHENTICATIONFAILED] Authentication failed")
        # The fourth, over POP3 on a fresh connection: the delay has kept growing across
        # connections and daemons (100 ms doubled three times is 800 ms), far above the
        # failure_delay_ms a fresh count would give.
        answer, elapsed = pop3_login(pop3, "127.0.0.1", "wrong")
        self.assertEqual(answer, "-ERR [AUTH] Invalid user name or password")
        self.assertGreaterEqual(elapsed, 0.75, "the delay was reset by reconnecting / the daemon")

        # 127.0.0.1 has had max_failures_per_address failures: the right password is
        # refused everywhere, with the answer of a wrong one.
        answer, elapsed = imap_login(imap, "127.0.0.1", PASSWORD)
        self.assertEqual(answer, "a NO [AUTHENTICATIONFAILED] Authentication failed")
        self.assertGreaterEqual(elapsed, 0.75)  # the delay of a wrong password
        answer, _ = pop3_login(pop3, "127.0.0.1", PASSWORD)
        self.assertEqual(answer, "-ERR [AUTH] Invalid user name or password")
        answer, _ = smtp_login(smtp, "127.0.0.1", PASSWORD)
        self.assertEqual(answer, "535 5.7.8 Authentication credentials invalid")

        # The account's owner, from another address, is not locked out (its logins wait
        # the account's delay, but succeed).
        answer, _ = imap_login(imap, "127.0.0.2", PASSWORD)
        self.assertTrue(answer.startswith("a OK"), answer)
        answer, _ = pop3_login(pop3, "127.0.0.2", PASSWORD)
        self.assertTrue(answer.startswith("+OK"), answer)
        answer, _ = smtp_login(smtp, "127.0.0.2", PASSWORD)
        self.assertTrue(answer.startswith("235 "), answer)

        # One more failure, over SMTP from a third address, for the log.
        answer, _ = smtp_login(smtp, "127.0.0.3", "wrong")
        self.assertEqual(answer, "535 5.7.8 Authentication credentials invalid")

        log = stop_and_check(self.mr, "imapd")
        lines = [line for line in log.splitlines() if " event=auth_" in line]
        failed = [line for line in lines if " event=auth_failed " in line]
        refused = [line for line in lines if " event=auth_refused " in line]
        for service in ("imap", "pop3", "smtp"):
            self.assertTrue(any(f" service={service} " in line for line in failed), (service, lines))
            self.assertTrue(any(f" service={service} ip=127.0.0.1 user={USER}" in line for line in refused),
                            (service, lines))
        self.assertEqual(len(failed), 5, lines)
        self.assertEqual(len(refused), 3, lines)
        self.check_fail2ban(lines)

    def check_fail2ban(self, lines):
        if shutil.which("fail2ban-regex") is None:
            self.skipTest("fail2ban-regex not installed (scripts/install-deps.sh --test)")
        path = os.path.join(self.mr.tmp, "auth.log")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        res = subprocess.run(["fail2ban-regex", "-o", "ip", path, FILTER],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        ips = res.stdout.split()
        self.assertEqual(sorted(ips), sorted(["127.0.0.1"] * 7 + ["127.0.0.3"]), res.stdout)


if __name__ == "__main__":
    unittest.main()
