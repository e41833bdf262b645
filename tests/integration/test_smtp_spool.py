"""Large messages are spooled to the queue's msg/ directory as they arrive instead of being
held in smtpd's memory, and a message's data has a deadline ([smtp] data_deadline_s).
A 5 MiB message arrives intact in the Maildir; a client too slow for the deadline gets
421 4.4.2 and nothing is queued; a client that hangs up mid-DATA leaves no spool file.
"""
import glob
import os
import select
import smtplib
import socket
import sqlite3
import time
import unittest

from lib import Mailroom, close_checked, wait_for_port

ALICE = "alice@example.test"
DEADLINE_S = 4


def big_message(size, tag):
    head = (f"From: <sender@remote.example>\r\nTo: <{ALICE}>\r\nSubject: {tag}\r\n"
            f"Message-ID: <{tag}@remote.example>\r\n\r\n").encode()
    lines = []
    n = 0
    total = len(head)
    while total < size:
        line = f"{tag} line {n:08d} ".encode() + bytes(range(0x21, 0x7f))[:50] + b"\r\n"
        lines.append(line)
        total += len(line)
        n += 1
    return head + b"".join(lines)


class SmtpSpoolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.add_user(ALICE, "correct horse")
        cls.mr.set_option("data_deadline_s", "600", str(DEADLINE_S))
        cls.mr.up()
        if not wait_for_port(cls.mr.port("smtp")):
            cls.mr.close()
            raise RuntimeError("smtpd did not start")
        cls.data = os.path.join(cls.mr.dir, "data")
        cls.msg_dir = os.path.join(cls.data, "queue", "msg")

    @classmethod
    def tearDownClass(cls):
        close_checked(cls.mr, "smtpd")

    def spool_files(self):
        return glob.glob(os.path.join(self.msg_dir, ".spool-*"))

    def queue_entries(self):
        con = sqlite3.connect(f"file:{os.path.join(self.data, 'queue', 'queue.db')}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT count(*) FROM entries").fetchone()[0]
        finally:
            con.close()

    def stored_with(self, marker):
        """alice's stored messages whose first 4 KiB hold `marker`."""
        maildir = os.path.join(self.data, "mail", "example.test", "alice")
        paths = glob.glob(os.path.join(maildir, "new", "*")) + glob.glob(os.path.join(maildir, "cur", "*"))
        return [p for p in paths if marker in open(p, "rb").read(4096)]

    def wait_until(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return predicate()

    def open_data(self):
        s = socket.create_connection(("127.0.0.1", self.mr.port("smtp")), timeout=30)
        f = s.makefile("rb")

        def expect(code):
            while True:
                line = f.readline()
                self.assertTrue(line, "connection closed")
                if line[3:4] != b"-":
                    self.assertTrue(line.startswith(code), line)
                    return line

        expect(b"220")
        for cmd, code in ((b"EHLO client.example", b"250"), (b"MAIL FROM:<sender@remote.example>", b"250"),
                          (f"RCPT TO:<{ALICE}>".encode(), b"250"), (b"DATA", b"354")):
            s.sendall(cmd + b"\r\n")
            expect(code)
        return s, f

    def test_large_message_is_delivered_intact(self):
        message = big_message(5 * 1024 * 1024, "spooltest")
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=60) as c:
            c.ehlo("client.example")
            c.sendmail("sender@remote.example", [ALICE], message)
        maildir = os.path.join(self.data, "mail", "example.test", "alice")
        found = []

        def delivered():
            for path in glob.glob(os.path.join(maildir, "new", "*")) + glob.glob(os.path.join(maildir, "cur", "*")):
                with open(path, "rb") as f:
                    body = f.read()
                if b"Subject: spooltest" in body:
                    found.append(body)
                    return True
            return False

        self.assertTrue(self.wait_until(delivered, 30), "not delivered")
        stored = found[0]
        # Our trace fields come first, then the message exactly as sent.
        self.assertIn(b"Received: from client.example", stored[:2000])
        self.assertTrue(stored.endswith(message), "the stored message differs from the one sent")
        self.assertEqual(stored.count(b"Received: from client.example"), 1)
        self.assertEqual(self.spool_files(), [])

    def test_slow_client_gets_421_and_nothing_is_queued(self):
        # An earlier test's message leaves the queue only once deliverd has stored it.
        self.assertTrue(self.wait_until(lambda: self.queue_entries() == 0, 30), "queue not empty")
        s, f = self.open_data()
        try:
            # Past the spool threshold, then one byte every 0.2 s: never idle, but too slow.
            s.sendall(big_message(400 * 1024, "slowclient"))
            self.assertTrue(self.wait_until(lambda: len(self.spool_files()) == 1, 10), "no spool file")
            start = time.monotonic()
            reply = b""
            while time.monotonic() - start < DEADLINE_S + 10 and b"\r\n" not in reply:
                ready, _, _ = select.select([s], [], [], 0.2)
                try:
                    if not ready:
                        s.sendall(b"x")
                        continue
                    chunk = s.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                reply += chunk
            self.assertTrue(reply.startswith(b"421 4.4.2 "), reply)
            self.assertIn(b"Data timeout", reply)
        finally:
            s.close()
        self.assertTrue(self.wait_until(lambda: self.spool_files() == []), self.spool_files())
        self.assertTrue(self.wait_until(lambda: "event=data_timeout" in self.mr.log_text(), 5))
        self.assertEqual(self.queue_entries(), 0)
        self.assertEqual(self.stored_with(b"slowclient"), [])

    def test_hang_up_mid_data_leaves_no_spool_file(self):
        s, f = self.open_data()
        try:
            s.sendall(big_message(1024 * 1024, "hangup"))
            self.assertTrue(self.wait_until(lambda: len(self.spool_files()) == 1, 10), "no spool file")
        finally:
            s.close()
        self.assertTrue(self.wait_until(lambda: self.spool_files() == []), self.spool_files())
        self.assertFalse([p for p in glob.glob(os.path.join(self.msg_dir, "*"))
                          if b"hangup" in open(p, "rb").read(4096)])


if __name__ == "__main__":
    unittest.main()
