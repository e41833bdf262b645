"""imapd selected state against Python imaplib (issue 6, priority 3 so far): APPEND then
FETCH of ENVELOPE / BODYSTRUCTURE / BODY[] byte-exact, \\Seen on non-PEEK fetches, STORE,
COPY / MOVE with UIDPLUS responses, EXPUNGE. SEARCH and cross-session updates are not
implemented yet."""
import imaplib
import re
import unittest

from imap_util import InstanceTestCase

MIXED = (b"From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.test>\r\n"
         b"To: alice@example.test, \"Bob B.\" <bob@example.test>\r\n"
         b"Subject: mixed\r\n"
         b"Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n"
         b"Message-ID: <mixed@example.test>\r\n"
         b"MIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
         b"\r\n"
         b"--b1\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n"
         b"\r\n"
         b"hello\r\n"
         b"--b1\r\n"
         b"Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
         b"Content-Transfer-Encoding: base64\r\n"
         b"\r\n"
         b"AAEC\r\n"
         b"--b1--\r\n")


class ImapMessagesTest(InstanceTestCase):
    def client(self, mailbox):
        c = self.imaplib_session()
        c.create(mailbox)
        return c

    def test_append_then_fetch_byte_exact(self):
        c = self.client("Fetch")
        typ, data = c.append("Fetch", None, None, MIXED)
        self.assertEqual(typ, "OK")
        uid = re.match(rb"\[APPENDUID \d+ (\d+)\]", data[0]).group(1).decode()
        c.select("Fetch")
        typ, data = c.uid("FETCH", uid, "(BODY.PEEK[] RFC822.SIZE FLAGS)")
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0][1], MIXED)
        rest = data[1]
        self.assertIn(f"RFC822.SIZE {len(MIXED)}".encode(), rest)
        self.assertIn(b"FLAGS (\\Recent)", rest)  # this SELECT was the first
        typ, data = c.fetch("1", "(ENVELOPE)")
        env = data[0]
        self.assertIn(b'"Tue, 05 Mar 2024 10:00:00 +0000" "mixed"', env)
        self.assertIn(b'(("=?UTF-8?B?SsO8cmdlbg==?=" NIL "j" "example.test"))', env)
        self.assertIn(b'"<mixed@example.test>"', env)
        typ, data = c.fetch("1", "(BODYSTRUCTURE)")
        bs = data[0]
        self.assertIn(b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 5 1', bs)
        self.assertIn(b'"APPLICATION" "OCTET-STREAM" ("NAME" "a.bin") NIL NIL "BASE64" 4', bs)
        self.assertIn(b'"MIXED" ("BOUNDARY" "b1")', bs)
        typ, data = c.fetch("1", "(BODY.PEEK[2] BODY.PEEK[1.MIME])")
        parts = {item[0].split(b" {")[0].split(b"(")[-1].split(b" ")[-1]: item[1]
                 for item in data if isinstance(item, tuple)}
        self.assertIn(b"AAEC", b"".join(parts.values()))
        self.assertIn(b"Content-Type: text/plain; charset=utf-8\r\n\r\n", b"".join(parts.values()))
        # A non-PEEK fetch sets \Seen and says so.
        typ, data = c.fetch("1", "(BODY[TEXT])")
        self.assertIn(b"\\Seen", b"".join(x[0] if isinstance(x, tuple) else x for x in data))

    def test_store_flags(self):
        c = self.client("Flags")
        c.append("Flags", None, None, b"Subject: f\r\n\r\nx\r\n")
        c.select("Flags")
        typ, data = c.store("1", "+FLAGS", "(\\Flagged $Label1)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"FLAGS (\\Flagged \\Recent $Label1)", data[0])
        # The new keyword was announced first (RFC 3501 §7.2.6).
        self.assertIn(b"$Label1", c.untagged_responses.get("FLAGS", [b""])[-1])
        typ, data = c.store("1", "-FLAGS.SILENT", "(\\Flagged)")
        self.assertEqual(data, [None])
        typ, data = c.fetch("1", "(FLAGS)")
        self.assertIn(b"FLAGS (\\Recent $Label1)", data[0])
        typ, data = c.uid("STORE", "1", "FLAGS", "(\\Answered)")
        self.assertIn(b"UID 1 FLAGS (\\Answered \\Recent)", data[0])
        with self.assertRaisesRegex(imaplib.IMAP4.error, "BAD"):
            c.store("1", "+FLAGS", "(\\Recent)")  # clients cannot set \Recent
        self.assertEqual(c.noop()[0], "OK")

    def test_copy_move_expunge_with_uidplus(self):
        c = self.client("Src")
        c.create("Dst")
        for i in range(3):
            c.append("Src", None, None, f"Subject: m{i}\r\n\r\nbody {i}\r\n".encode())
        c.select("Src")
        typ, data = c.copy("1:2", "Dst")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0].decode(), r"^\[COPYUID \d+ 1,2 \d+,\d+\] COPY completed$")
        typ, data = c.uid("MOVE", "3", "Dst")
        self.assertEqual(typ, "OK")
        self.assertRegex(c.untagged_responses.get("OK", [b""])[-1].decode(), r"\[COPYUID \d+ 3 \d+\]")
        self.assertEqual(c.untagged_responses.get("EXPUNGE"), [b"3"])
        typ, data = c.copy("1", "Nowhere")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        c.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        typ, data = c.expunge()
        self.assertEqual((typ, data[-1]), ("OK", b"1"))
        typ, data = c.status("Dst", "(MESSAGES)")
        self.assertIn(b"MESSAGES 3", data[0])
        typ, data = c.status("Src", "(MESSAGES)")
        self.assertIn(b"MESSAGES 1", data[0])


if __name__ == "__main__":
    unittest.main()
