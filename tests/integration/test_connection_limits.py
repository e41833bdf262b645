"""Connection limits split by login state (common/net/connection_limits.hpp).

A whole office reaches the server from one NAT address, so [limits] max_connections_per_ip
bounds only the connections of an address that have not logged in (what a slow-loris
client holds); a logged-in one counts against its user's max_connections_per_user_ip from
that address ([imap], [submission]) and the listener's total. Counts are per listening
socket, so IMAP connections never use up inbound SMTP's.

The first client address is 127.0.0.1, the second 127.0.0.2 (the whole of 127/8 is
loopback on Linux, and the daemons count by peer address).
"""
import concurrent.futures
import ctypes
import ctypes.util
import imaplib
import os
import poplib
import re
import resource
import select
import smtplib
import socket
import sqlite3
import time
import unittest

from lib import Mailroom, child_pids, rss_kib, stop_and_check, wait_for_port

DOMAIN = "example.test"
PASSWORD = "office password 1"
SECOND = "127.0.0.2"


def raise_nofile(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


class Imap2(imaplib.IMAP4):
    """imaplib from the second client address."""

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=(SECOND, 0))


class Pop2(poplib.POP3):
    """poplib from the second client address."""

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=(SECOND, 0))


def raw_connect(port, source="127.0.0.1", timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_line(sock, buf, timeout=30):
    """One CRLF line from sock, with `buf` (a bytearray) holding what came after it."""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no line within {timeout} s: {bytes(buf)!r}")
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed by the server: {bytes(buf)!r}")
        buf += chunk
    i = buf.index(b"\n")
    line = bytes(buf[:i + 1])
    del buf[:i + 1]
    return line


def imap_login_idle(port, user, password, timeout=50):
    """A raw IMAP session from 127.0.0.1, logged in as `user` and in IDLE. A login refused
    as busy (the password checker's per-address bound: NO [UNAVAILABLE]) is tried again, as
    the clients of an office behind one address have to. Returns (socket, busy retries)."""
    deadline = time.monotonic() + timeout
    s = raw_connect(port)
    buf = bytearray()
    try:
        greeting = read_line(s, buf)
        if not greeting.startswith(b"* OK"):
            raise AssertionError(f"greeting {greeting!r}")
        retries = 0
        while True:
            s.sendall(f'l LOGIN {user} "{password}"\r\n'.encode())
            while True:
                line = read_line(s, buf)
                if line.startswith(b"l "):
                    break
            if line.startswith(b"l OK"):
                break
            if b"[UNAVAILABLE]" not in line or time.monotonic() > deadline:
                raise AssertionError(f"LOGIN {user}: {line!r}")
            retries += 1
            time.sleep(0.02)
        s.sendall(b"i IDLE\r\n")
        line = read_line(s, buf)
        if not line.startswith(b"+ "):
            raise AssertionError(f"IDLE {user}: {line!r}")
        return s, retries
    except BaseException:
        s.close()
        raise


def cheap_hash(password):
    """An argon2id string (libsodium, as the directory stores) at the cheapest cost: one pass
    over 8 KiB instead of the interactive 64 MiB."""
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    if sodium.sodium_init() < 0:
        raise RuntimeError("sodium_init failed")
    out = ctypes.create_string_buffer(128)
    pw = password.encode()
    if sodium.crypto_pwhash_str(out, pw, ctypes.c_ulonglong(len(pw)), ctypes.c_ulonglong(1),
                                ctypes.c_size_t(8192)) != 0:
        raise RuntimeError("crypto_pwhash_str failed")
    return out.value.decode()


class Base(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom(domain=DOMAIN)
        self.addCleanup(self.mr.close)
        self.mr.allow_plaintext_on_loopback()
        self.socks = []
        self.addCleanup(self.close_socks)

    def close_socks(self):
        for s in self.socks:
            try:
                s.close()
            except OSError:
                pass
        self.socks = []

    def start(self, *listeners):
        self.mr.up()
        for name in listeners:
            self.assertTrue(wait_for_port(self.mr.port(name), 30), self.mr.log_text()[-3000:])

    def daemon_pid(self, name):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pids = [pid for pid, n in child_pids(self.mr.proc.pid).items() if n == name]
            if pids:
                return pids[0]
            time.sleep(0.1)
        self.fail(f"no {name} process")

    def wait_log(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.mr.log_text()):
                return
            time.sleep(0.1)
        self.fail(f"{pattern!r} not in the log: {self.mr.log_text()[-3000:]}")


class UnauthenticatedFlood(Base):
    """(a) 300 idle connections that never log in, from one address."""

    def test_idle_unauthenticated_connections_do_not_stop_other_clients(self):
        user = f"ann@{DOMAIN}"
        self.mr.add_user(user, PASSWORD)
        self.start("imap", "pop3", "smtp")
        raise_nofile(4096)
        imap = self.mr.port("imap")
        self.daemon_pid("imapd")
        for _ in range(300):
            self.socks.append(raw_connect(imap))
        # The first max_connections_per_ip (50) get the greeting and hold their slots; the
        # others are told BYE [UNAVAILABLE] and closed.
        greeted = refused = 0
        for s in self.socks:
            try:
                line = read_line(s, bytearray(), timeout=10)
            except ConnectionError:
                line = b""
            if line.startswith(b"* OK"):
                greeted += 1
            else:
                self.assertIn(b"[UNAVAILABLE]", line)
                refused += 1
        # The readiness probe (wait_for_port) may still hold a slot until imapd has seen it
        # close (seen once under ASan): never more than the bound, at most one fewer.
        self.assertIn(greeted, (49, 50))
        self.assertEqual(greeted + refused, 300)

        # Another address logs in (IMAP, POP3) and delivers (inbound SMTP).
        c = Imap2("127.0.0.1", imap, timeout=20)
        self.assertEqual(c.login(user, PASSWORD)[0], "OK")
        c.logout()
        p = Pop2("127.0.0.1", self.mr.port("pop3"), timeout=20)
        p.user(user)
        self.assertTrue(p.pass_(PASSWORD).startswith(b"+OK"))
        p.quit()
        msg = f"From: x@remote.test\r\nTo: {user}\r\nSubject: hi\r\n\r\nhello\r\n"
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=20,
                          source_address=(SECOND, 0)) as s:
            s.sendmail("x@remote.test", [user], msg)
        # So does the flooding address itself on another listener: counts are per listener.
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=20) as s:
            s.sendmail("x@remote.test", [user], msg)
        # ...and, once logged in, a connection of the flooding address makes room for the
        # next one: login moves it out of the unauthenticated count.
        s = self.socks[0]
        s.sendall(f'l LOGIN {user} "{PASSWORD}"\r\n'.encode())
        buf = bytearray()
        while not (line := read_line(s, buf)).startswith(b"l "):
            pass
        self.assertTrue(line.startswith(b"l OK"), line)
        fresh = raw_connect(imap)
        self.socks.append(fresh)
        self.assertTrue(read_line(fresh, bytearray()).startswith(b"* OK"))
        self.close_socks()
        stop_and_check(self.mr, "imapd")


class ManyIdleSessions(Base):
    """(b) 500 logged-in IMAP sessions in IDLE from one address: 50 users, 10 each, with the
    default config.

    The users' stored password hashes are made cheap (cheap_hash) so that the test is
    about connection accounting and stays within its time: 500 argon2id checks at the
    interactive cost take two check threads 20 s on an idle two-core machine, more on a
    busy one. MR_REAL_HASHES=1 keeps the hashes `mailroom user add` made, to measure that."""

    USERS = 50
    PER_USER = 10

    def test_500_idle_sessions_from_one_address(self):
        users = [f"u{i:02d}@{DOMAIN}" for i in range(self.USERS)]
        # One `mailroom user add` per user (it creates the mailboxes); one password for all.
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: self.mr.add_user(u, PASSWORD), users))
        if not os.environ.get("MR_REAL_HASHES"):
            data_dir = os.path.join(os.path.dirname(self.mr.config), self.mr.settings()["server"]["data_dir"])
            db = sqlite3.connect(os.path.join(data_dir, "directory.db"))
            with db:
                db.execute("UPDATE users SET password_hash = ?", (cheap_hash(PASSWORD),))
            db.close()
        self.start("imap")
        raise_nofile(4096)
        pid = self.daemon_pid("imapd")
        rss_before = rss_kib(pid)
        port = self.mr.port("imap")
        # Four at a time: the password checker takes at most max_checks_per_address (4)
        # checks of one address at once and refuses more as busy; imap_login_idle retries.
        start = time.monotonic()
        wanted = [u for u in users for _ in range(self.PER_USER)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(imap_login_idle, port, u, PASSWORD) for u in wanted]
            results = []
            for f in futures:
                try:
                    results.append(f.result(timeout=55))
                except Exception:  # noqa: BLE001: keep what did open, to close it
                    pass
        self.socks.extend(s for s, _ in results)
        elapsed = time.monotonic() - start
        retries = sum(r for _, r in results)
        self.assertEqual(len(results), len(wanted), self.mr.log_text()[-3000:])
        rss_after = rss_kib(pid)
        print(f"\n500 IDLE logins from one address: {elapsed:.1f} s, {retries} busy retries; "
              f"imapd RSS {rss_before} KiB before, {rss_after} KiB with 500 IDLE "
              f"({(rss_after - rss_before) / 500:.1f} KiB each)")
        # All 500 are alive and still in IDLE: each ends it and gets its tagged OK.
        for s in self.socks:
            s.sendall(b"DONE\r\n")
        for s in self.socks:
            buf = bytearray()
            while not (line := read_line(s, buf, timeout=20)).startswith(b"i "):
                pass
            self.assertTrue(line.startswith(b"i OK"), line)
        self.close_socks()
        stop_and_check(self.mr, "imapd")


class PerUserAddressBound(Base):
    """(c) Over [imap]/[submission] max_connections_per_user_ip the login is refused."""

    def test_next_login_refused_with_the_documented_reply(self):
        self.mr.set_option("max_connections_per_user_ip", "20", "2")   # [imap]
        self.mr.set_option("max_connections_per_user_ip", "10", "1")   # [submission]
        user = f"bob@{DOMAIN}"
        other = f"eve@{DOMAIN}"
        self.mr.add_user(user, PASSWORD)
        self.mr.add_user(other, PASSWORD)
        self.start("imap", "submission")
        imap = self.mr.port("imap")
        first = [imaplib.IMAP4("127.0.0.1", imap, timeout=20) for _ in range(2)]
        for c in first:
            self.assertEqual(c.login(user, PASSWORD)[0], "OK")
        third = imaplib.IMAP4("127.0.0.1", imap, timeout=20)
        with self.assertRaises(imaplib.IMAP4.error) as e:
            third.login(user, PASSWORD)
        self.assertIn("[LIMIT] Too many connections for this user from this address", str(e.exception))
        self.wait_log(r"event=login_limit .*user=bob@example\.test")
        # Another user, and the same user from another address, are not affected.
        someone_else = imaplib.IMAP4("127.0.0.1", imap, timeout=20)
        self.assertEqual(someone_else.login(other, PASSWORD)[0], "OK")
        elsewhere = Imap2("127.0.0.1", imap, timeout=20)
        self.assertEqual(elsewhere.login(user, PASSWORD)[0], "OK")
        # The refused session is still usable, and logs in once one of the two has ended.
        self.assertEqual(third.noop()[0], "OK")
        first[0].logout()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.assertEqual(third.login(user, PASSWORD)[0], "OK")
                break
            except imaplib.IMAP4.error as e:  # the logout may not be processed yet
                if "[LIMIT]" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for c in (first[1], third, elsewhere, someone_else):
            c.logout()

        # Submission: 454 4.7.0 on the AUTH over the bound.
        sub = self.mr.port("submission")
        a = smtplib.SMTP("127.0.0.1", sub, timeout=20)
        a.ehlo("client.test")
        self.assertEqual(a.login(user, PASSWORD)[0], 235)
        b = smtplib.SMTP("127.0.0.1", sub, timeout=20)
        b.ehlo("client.test")
        b.esmtp_features["auth"] = "PLAIN"  # smtplib would retry with the next mechanism
        with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
            b.login(user, PASSWORD)
        self.assertEqual(e.exception.smtp_code, 454)
        self.assertIn(b"4.7.0 Too many connections for this user from this address", e.exception.smtp_error)
        a.quit()
        b.quit()
        stop_and_check(self.mr, "imapd")


class PreLoginTimeout(Base):
    """(d) A connection that does not log in is closed after login_timeout_s; a logged-in
    one then has the (long) idle timeout."""

    def test_unauthenticated_connections_are_closed_after_the_login_timeout(self):
        self.mr.set_option("login_timeout_s", "60", "2")  # [imap] and [pop3]
        user = f"cy@{DOMAIN}"
        self.mr.add_user(user, PASSWORD)
        self.start("imap", "pop3")
        # The servers' clocks start when they accept; ours starts after connect(), so it
        # never runs ahead of theirs, however slow the logins below are under load.
        silent = {name: raw_connect(self.mr.port(name)) for name in ("imap", "pop3")}
        start = time.monotonic()
        self.socks.extend(silent.values())
        logged_in = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        logged_in.login(user, PASSWORD)
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=20)
        pop.user(user)
        pop.pass_(PASSWORD)
        for name, s in silent.items():
            buf = bytearray()
            read_line(s, buf)  # greeting
            farewell = b""
            while True:  # up to EOF: the server closes
                s.settimeout(15)
                chunk = s.recv(4096)
                if not chunk:
                    break
                farewell += chunk
            self.assertLess(time.monotonic() - start, 10, name)
            self.assertTrue(farewell.startswith(b"* BYE") if name == "imap" else True, farewell)
        self.assertGreater(time.monotonic() - start, 1.5)
        # Past the login timeout, the logged-in sessions (connected after `start`) are
        # still there.
        time.sleep(max(0.0, start + 3.0 - time.monotonic()))
        self.assertEqual(logged_in.noop()[0], "OK")
        self.assertTrue(pop.noop().startswith(b"+OK"))
        logged_in.logout()
        pop.quit()
        stop_and_check(self.mr, "pop3d")


if __name__ == "__main__":
    unittest.main()
