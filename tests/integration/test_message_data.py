"""One message, three protocols (common/text/message_data.hpp): a message with bare LF
line ends and lines starting with "." goes in by SMTP (smtplib) and by IMAP APPEND, and
comes out of IMAP (imaplib) and POP3 (poplib) as the same CRLF bytes, with RFC822.SIZE
equal to the length of BODY[] and POP3's LIST size equal to what RETR sends.
"""
import imaplib
import poplib
import re
import smtplib
import time
import unittest

from lib import Mailroom, stop_and_check, wait_for_port

USER = "alice@example.test"
PASSWORD = "correct horse"

# Bare LF throughout, a "." line, a ".." line and a line starting with ".": smtplib turns
# the line ends into CRLF and stuffs the dots; smtpd un-stuffs them.
BODY = ("From: bob@example.test\nTo: alice@example.test\nSubject: dots {n}\n\n"
        "first\n.\n..two\n.leading dot\nlast\n")


def crlf(text):
    return text.replace("\n", "\r\n").encode()


class MessageDataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.add_user(USER, PASSWORD)
        cls.mr.allow_plaintext_on_loopback()
        cls.mr.up()
        for name in ("smtp", "imap", "pop3"):
            if not wait_for_port(cls.mr.port(name)):
                cls.mr.close()
                raise RuntimeError(f"{name} did not start")

    @classmethod
    def tearDownClass(cls):
        try:
            stop_and_check(cls.mr, "pop3d")
        finally:
            cls.mr.close()

    def imap(self):
        imap = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=10)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def imap_messages(self):
        """[(RFC822.SIZE, BODY[] bytes)] of INBOX, in UID order."""
        imap = self.imap()
        try:
            typ, data = imap.fetch("1:*", "(RFC822.SIZE BODY.PEEK[])")
            self.assertEqual(typ, "OK")
            out = []
            for item in data:
                if isinstance(item, tuple):
                    size = int(re.search(rb"RFC822\.SIZE (\d+)", item[0]).group(1))
                    out.append((size, item[1]))
            return out
        finally:
            imap.logout()

    def pop3_messages(self):
        """[(LIST size, RETR bytes)] with the dot-stuffing undone by poplib."""
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        try:
            pop.user(USER)
            pop.pass_(PASSWORD)
            _, listing, _ = pop.list()
            out = []
            for entry in listing:
                n, size = (int(x) for x in entry.split())
                _, lines, octets = pop.retr(n)
                data = b"".join(line + b"\r\n" for line in lines)
                out.append((size, data))
            return out
        finally:
            pop.quit()

    def wait_for_messages(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.imap_messages()) >= count:
                return
            time.sleep(0.2)
        self.fail(f"INBOX never reached {count} messages")

    def test_smtp_and_append_give_the_same_bytes_in_imap_and_pop3(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.example",
                          timeout=10) as s:
            s.sendmail("bob@example.test", [USER], BODY.format(n=1))
        self.wait_for_messages(1)
        # APPEND stores the literal as given: bare LF on disk, CRLF on the wire.
        imap = self.imap()
        try:
            typ, _ = imap.append("INBOX", None, None, BODY.format(n=2).encode())
            self.assertEqual(typ, "OK")
        finally:
            imap.logout()

        via_imap = self.imap_messages()
        via_pop3 = self.pop3_messages()
        self.assertEqual(len(via_imap), 2)
        self.assertEqual(len(via_pop3), 2)
        for n, ((size, body), (octets, retr)) in enumerate(zip(via_imap, via_pop3), start=1):
            with self.subTest(message=n):
                self.assertEqual(size, len(body))       # RFC822.SIZE == len(BODY[])
                self.assertEqual(body, retr)            # the same bytes on both protocols
                self.assertEqual(octets, len(retr))     # LIST size == what RETR sends
                self.assertEqual(size, octets)
                self.assertNotIn(b"\r\r", body)
                self.assertEqual(body.count(b"\n"), body.count(b"\r\n"))
                self.assertTrue(body.endswith(crlf(BODY.format(n=n)).split(b"\r\n\r\n", 1)[1]))


if __name__ == "__main__":
    unittest.main()
