"""One message, three protocols (common/text/message_data.hpp): a message with bare LF
line ends and lines starting with "." goes in by SMTP (smtplib) and by IMAP APPEND, and
comes out of IMAP (imaplib) and POP3 (poplib) as the same CRLF bytes, with RFC822.SIZE
equal to the length of BODY[] and POP3's LIST size equal to what RETR sends.

A message SMTP would refuse (bare CR, bare LF, "\r\r\n", an open last line), stored by IMAP
APPEND or found by reindex as a file another tool wrote into new/, is sent by IMAP and POP3
alike in its CRLF form: no bare CR or LF in any section, and RFC822.SIZE, the literal
lengths, BODYSTRUCTURE's octets and lines and POP3 LIST all count the bytes sent.
"""
import imaplib
import os
import poplib
import re
import smtplib
import time
import unittest

from lib import Mailroom, close_checked, wait_for_port

USER = "alice@example.test"
PASSWORD = "correct horse"
APPENDER = "carol@example.test"   # gets ODD by IMAP APPEND
FOREIGN = "dave@example.test"     # gets ODD as a file in new/, found by reindex

# Bare LF throughout, a "." line, a ".." line and a line starting with ".": smtplib turns
# the line ends into CRLF and stuffs the dots; smtpd un-stuffs them.
BODY = ("From: bob@example.test\nTo: alice@example.test\nSubject: dots {n}\n\n"
        "first\n.\n..two\n.leading dot\nlast\n")


def crlf(text):
    return text.replace("\n", "\r\n").encode()


# Header: a Subject folded at a bare CR, a bare LF, and "\r\r\n": a line end and then the
# empty line that ends the header, in the CRLF form as in the index. Body: a bare CR,
# "\r\r\n", a bare LF and a last line without line end.
ODD = (b"From: bob@example.test\r\nSubject: odd\r ends\r\nX-Lf: b\nX-Cr: c\r\r\n"
       b"X-Not: header\nline one\rline two\r\r\n.dot line\nlast line open")


def crlf_form(data):
    """message_data.hpp section 2: every line end CRLF, the open last line closed."""
    out = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    return out if not out or out.endswith(b"\r\n") else out + b"\r\n"


def bare_line_ends(data):
    return re.findall(rb"\r(?!\n)|(?<!\r)\n", data)


class MessageDataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        for user in (USER, APPENDER, FOREIGN):
            cls.mr.add_user(user, PASSWORD)
        cls.mr.allow_plaintext_on_loopback()
        cls.mr.up()
        for name in ("smtp", "imap", "pop3"):
            if not wait_for_port(cls.mr.port(name)):
                cls.mr.close()
                raise RuntimeError(f"{name} did not start")

    @classmethod
    def tearDownClass(cls):
        close_checked(cls.mr, "pop3d")

    def imap(self, user=USER):
        imap = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=10)
        imap.login(user, PASSWORD)
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

    def pop3_messages(self, user=USER):
        """[(LIST size, RETR bytes)] with the dot-stuffing undone by poplib."""
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        try:
            pop.user(user)
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

    def fetch_one(self, imap, item):
        """(response text, literal or None) of FETCH 1 (item)."""
        typ, data = imap.fetch("1", f"({item})")
        self.assertEqual(typ, "OK")
        if isinstance(data[0], tuple):
            return data[0][0], data[0][1]
        return data[0], None

    def check_odd_message(self, user):
        """The invariant of the module docstring for ODD, the one message in user's INBOX."""
        expected = crlf_form(ODD)
        imap = self.imap(user)
        try:
            head, body = self.fetch_one(imap, "RFC822.SIZE BODY.PEEK[]")
            size = int(re.search(rb"RFC822\.SIZE (\d+)", head).group(1))
            self.assertEqual(body, expected)
            self.assertEqual(bare_line_ends(body), [])
            self.assertEqual(size, len(body))                            # RFC822.SIZE == len(BODY[])
            _, header = self.fetch_one(imap, "BODY.PEEK[HEADER]")
            _, text = self.fetch_one(imap, "BODY.PEEK[TEXT]")
            _, part1 = self.fetch_one(imap, "BODY.PEEK[1]")
            self.assertEqual(header + text, body)
            self.assertEqual(part1, text)                                 # single part: 1 is the body
            # The header ends where BODY[] shows its first empty line.
            self.assertEqual(header, body[:body.index(b"\r\n\r\n") + 4])
            self.assertTrue(header.endswith(b"X-Lf: b\r\nX-Cr: c\r\n\r\n"))
            self.assertEqual(text, b"X-Not: header\r\nline one\r\nline two\r\n\r\n.dot line\r\n"
                                   b"last line open\r\n")
            _, subject = self.fetch_one(imap, "BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
            self.assertEqual(subject, b"Subject: odd\r\n ends\r\n\r\n")
            env, _ = self.fetch_one(imap, "ENVELOPE")
            self.assertIn(b'"odd ends"', env)
            _, partial = self.fetch_one(imap, "BODY.PEEK[]<20.30>")
            self.assertEqual(partial, body[20:50])                        # offsets count octets sent
            _, tail = self.fetch_one(imap, "BODY.PEEK[TEXT]<40.100>")
            self.assertEqual(tail, text[40:])
            bs, _ = self.fetch_one(imap, "BODYSTRUCTURE")
            octets, lines = (int(x) for x in re.search(rb'"7BIT" (\d+) (\d+)', bs).groups())
            self.assertEqual(octets, len(text))                           # body-fld-octets
            self.assertEqual(lines, text.count(b"\r\n"))                  # body-fld-lines
        finally:
            imap.logout()
        [(octets, retr)] = self.pop3_messages(user)
        self.assertEqual(retr, expected)
        self.assertEqual(octets, len(retr))                               # LIST == RETR
        self.assertEqual(octets, size)                                    # == RFC822.SIZE

    def test_append_with_bare_cr_and_open_end_is_sent_in_crlf_form(self):
        imap = self.imap(APPENDER)
        # imaplib turns every line end of an APPEND literal into CRLF itself: switched off,
        # so the server gets (and stores) ODD as it is.
        saved = imaplib.MapCRLF
        imaplib.MapCRLF = re.compile(rb"(?!)")
        try:
            typ, _ = imap.append("INBOX", None, None, ODD)
            self.assertEqual(typ, "OK")
        finally:
            imaplib.MapCRLF = saved
            imap.logout()
        [path] = [e.path for e in os.scandir(os.path.join(self.mr.user_dir(APPENDER), "cur"))] or \
            [e.path for e in os.scandir(os.path.join(self.mr.user_dir(APPENDER), "new"))]
        with open(path, "rb") as f:
            self.assertEqual(f.read(), ODD)  # stored as given
        self.check_odd_message(APPENDER)

    def test_foreign_maildir_file_is_sent_in_crlf_form(self):
        self.mr.place_in_maildir(FOREIGN, [ODD])  # written into new/, then reindexed
        [path] = [e.path for e in os.scandir(os.path.join(self.mr.user_dir(FOREIGN), "new"))]
        with open(path, "rb") as f:
            self.assertEqual(f.read(), ODD)       # stored as written: never rewritten
        self.check_odd_message(FOREIGN)


if __name__ == "__main__":
    unittest.main()
