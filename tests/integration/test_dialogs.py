"""The transcripts of tests/dialogs/ (RFC example exchanges and protocol cases) played
against the running daemons, one fresh account per transcript. See dialog.py."""
import re
import unittest

from dialog import dialogs
from lib import Mailroom, stop_and_check, wait_for_port

PORTS = {"smtp": "smtp", "pop3": "pop3", "imap": "imap"}
PASSWORD = "dialog secret"


class DialogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.allow_plaintext_on_loopback()
        cls.mr.up()
        if not all(wait_for_port(cls.mr.port(p), timeout=30) for p in PORTS.values()):
            cls.mr.close()
            raise RuntimeError("daemons did not start")

    @classmethod
    def tearDownClass(cls):
        try:
            for daemon in ("smtpd", "pop3d", "imapd"):
                stop_and_check(cls.mr, daemon)
        finally:
            cls.mr.close()

    def play(self, protocol, dialog):
        local = "d-" + re.sub(r"[^a-z0-9]+", "-", dialog.name.lower().removesuffix(".txt")).strip("-")
        user = f"{local}@example.test"
        self.mr.add_user(user, PASSWORD)
        if dialog.messages:
            self.mr.place_in_maildir(user, dialog.message_bytes())
        dialog.play(self.mr.port(PORTS[protocol]), {"user": user, "local": local, "password": PASSWORD})


def add_tests():
    for protocol in PORTS:
        for d in dialogs(protocol):
            name = "test_" + re.sub(r"[^A-Za-z0-9]+", "_", d.name.removesuffix(".txt"))
            setattr(DialogTest, name, lambda self, p=protocol, d=d: self.play(p, d))


add_tests()

if __name__ == "__main__":
    unittest.main()
