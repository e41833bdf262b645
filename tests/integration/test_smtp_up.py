"""smtpd under `mailroom up` (issue 3): the supervisor hands it the three listening sockets
(MR_LISTEN_FDS) and stops it with SIGTERM. A message sent on port 25 ends up either in the
queue (no deliverd in this build) or, once deliverd has taken it, in alice's Maildir.
"""
import glob
import os
import smtplib
import sqlite3
import time
import unittest
import uuid

from lib import BIN_DIR, Mailroom, close_checked, wait_for_port
from smtp_util import unverified_context

PASSWORD = "correct horse"
ALICE = "alice@example.test"


class SmtpUpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.add_user(ALICE, PASSWORD)
        cls.mr.up()
        ports = [cls.mr.port(n) for n in ("smtp", "submission", "submissions")]
        if not all(wait_for_port(p) for p in ports):
            cls.mr.close()
            raise RuntimeError("smtpd did not start")
        cls.data = os.path.join(cls.mr.dir, "data")

    @classmethod
    def tearDownClass(cls):
        close_checked(cls.mr, "smtpd")

    def find_message(self, needle, timeout=20):
        """The stored bytes containing `needle`: queued (a blob in queue.db or a msg/ file) or a
        delivered Maildir file."""
        deadline = time.monotonic() + timeout
        db = os.path.join(self.data, "queue", "queue.db")
        patterns = [os.path.join(self.data, "queue", "msg", "*"),
                    os.path.join(self.data, "mail", "example.test", "alice", "new", "*"),
                    os.path.join(self.data, "mail", "example.test", "alice", "cur", "*")]
        while time.monotonic() < deadline:
            if os.path.exists(db):
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
                try:
                    for (blob,) in con.execute("SELECT bytes FROM bodies"):
                        if needle in bytes(blob):
                            return bytes(blob)
                except sqlite3.OperationalError:
                    pass  # the schema is not there yet
                finally:
                    con.close()
            for pattern in patterns:
                for path in glob.glob(pattern):
                    if os.path.basename(path).startswith(".tmp-"):
                        continue
                    try:
                        with open(path, "rb") as f:
                            data = f.read()
                    except OSError:
                        continue  # delivered and removed meanwhile
                    if needle in data:
                        return data
            time.sleep(0.1)
        return None

    def test_inherited_listeners_serve_all_three_roles(self):
        m = uuid.uuid4().hex
        body = f"Subject: {m}\r\n\r\n.leading dot\r\n\u00e9t\u00e9\r\n".encode()
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.example") as s:
            s.sendmail("sender@remote.example", [ALICE], body)
        data = self.find_message(m.encode())
        self.assertIsNotNone(data, "message neither queued nor delivered")
        # Byte for byte, except that a Maildir writer may store LF line ends.
        self.assertTrue(data.replace(b"\r\n", b"\n").endswith(body.replace(b"\r\n", b"\n")), data[-200:])
        self.assertIn(b"by mx.example.test (mailroom) with ESMTP id ", data)
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), local_hostname="client.example") as s:
            s.starttls(context=unverified_context())
            s.login(ALICE, PASSWORD)
        with smtplib.SMTP_SSL("127.0.0.1", self.mr.port("submissions"), local_hostname="client.example",
                              context=unverified_context()) as s:
            self.assertEqual(s.noop()[0], 250)
        self.assertTrue(os.path.exists(os.path.join(BIN_DIR, "smtpd")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
