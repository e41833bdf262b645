"""imapd SORT, THREAD, ESEARCH and ESORT (RFC 5256, RFC 5957, RFC 4731, RFC 5267) with
Python's imaplib: messages appended with known headers and internal dates, each answer
worked out here from those headers by the RFC's rules, and bad syntax answered BAD with
a text that names what was expected."""
import imaplib
import unittest

from imap_util import InstanceTestCase

# (internal date, header lines); message number i + 1. Sent dates in UTC noted per line.
MESSAGES = [
    ('"01-Mar-2024 10:00:00 +0000"',
     "From: Zoe <zoe@example.test>\r\nTo: max@example.test\r\nSubject: Lunch\r\n"
     "Date: Mon, 04 Mar 2024 12:00:00 +0000\r\nMessage-ID: <lunch@x>\r\n"),           # 4 Mar 12:00
    ('"02-Mar-2024 10:00:00 +0000"',
     "From: adam@example.test\r\nTo: Bea <bea@example.test>\r\nSubject: Re: lunch\r\n"
     "Date: Mon, 04 Mar 2024 13:00:00 +0100\r\nMessage-ID: <re1@x>\r\nReferences: <lunch@x>\r\n"),  # 12:00 too
    ('"03-Mar-2024 10:00:00 +0000"',
     "From: carl@example.test\r\nSubject: [team] Report (fwd)\r\n"
     "Date: Sun, 03 Mar 2024 09:00:00 +0000\r\nMessage-ID: <rep@x>\r\n"),             # 3 Mar 09:00
    ('"04-Mar-2024 10:00:00 +0000"',
     "From: =?UTF-8?Q?=C3=89mile?= <emile@example.test>\r\nSubject: =?UTF-8?Q?Re=3A_Re=3A_lunch?=\r\n"
     "Message-ID: <re2@x>\r\nIn-Reply-To: <re1@x>\r\n"),                             # no Date: 4 Mar 10:00
    ('"05-Mar-2024 10:00:00 +0000"',
     "From: bo@example.test\r\nSubject: report\r\nDate: garbage\r\nMessage-ID: <rep2@x>\r\n"),  # 5 Mar 10:00
]


def numbers(data):
    return data[0].decode().split() if data and data[0] else []


class SortThreadTest(InstanceTestCase):
    def session(self):
        c = self.imaplib_session()
        c.create("SortBox")
        self.addCleanup(c.delete, "SortBox")
        for date, header in MESSAGES:
            typ, _ = c.append("SortBox", None, date, (header + "\r\nbody\r\n").encode())
            self.assertEqual(typ, "OK")
        c.select("SortBox")
        return c

    def test_capabilities(self):
        c = self.imaplib_session()
        caps = c.capabilities
        for cap in ("SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESEARCH", "ESORT"):
            self.assertIn(cap, caps)

    def test_sort(self):
        c = self.session()
        self.assertEqual(numbers(c.sort("(ARRIVAL)", "UTF-8", "ALL")[1]), ["1", "2", "3", "4", "5"])
        # Sent dates: 3 (3 Mar), 4 (internal, 4 Mar 10:00), 1 and 2 (both 4 Mar 12:00 UTC:
        # mailbox order, also under REVERSE), 5 (internal, 5 Mar).
        self.assertEqual(numbers(c.sort("(DATE)", "UTF-8", "ALL")[1]), ["3", "4", "1", "2", "5"])
        self.assertEqual(numbers(c.sort("(REVERSE DATE)", "UTF-8", "ALL")[1]), ["5", "1", "2", "4", "3"])
        # Base subjects: lunch x3, report x2; then by date within.
        self.assertEqual(numbers(c.sort("(SUBJECT DATE)", "UTF-8", "ALL")[1]), ["4", "1", "2", "3", "5"])
        # addr-mailbox: adam, bo, carl, emile, zoe.
        self.assertEqual(numbers(c.sort("(FROM)", "UTF-8", "ALL")[1]), ["2", "5", "3", "4", "1"])
        # Display names: ADAM@..., BO@..., CARL@..., Émile, Zoe (i;unicode-casemap: É is
        # E U+0301, between C and Z).
        self.assertEqual(numbers(c.sort("(DISPLAYFROM)", "UTF-8", "ALL")[1]), ["2", "5", "3", "4", "1"])
        self.assertEqual(numbers(c.sort("(TO)", "UTF-8", "ALL")[1]), ["3", "4", "5", "2", "1"])
        self.assertEqual(numbers(c.sort("(SUBJECT)", "US-ASCII", "FROM", "carl")[1]), ["3"])
        typ, data = c.uid("SORT", "(REVERSE ARRIVAL)", "UTF-8", "2:4")
        self.assertEqual(typ, "OK")
        self.assertEqual(numbers(data), ["4", "3", "2"])

    def test_unicode_casemap(self):
        """RFC 5256 §7: SORT and THREAD collate with i;unicode-casemap (RFC 5051), and SEARCH
        matches under it too: "é" precomposed (U+00E9) and decomposed (e U+0301) are one."""
        c = self.imaplib_session()
        c.create("Casemap")
        self.addCleanup(c.delete, "Casemap")
        subjects = ["=?UTF-8?Q?Caf=C3=A9?=",          # 1 Café, é precomposed
                    "=?UTF-8?Q?CAFE=CC=81?=",         # 2 CAFÉ, É as E U+0301
                    "Cafe",                           # 3
                    "=?UTF-8?Q?Zebra_=C7=85?=",       # 4 Zebra ǅ (U+01C5)
                    "=?UTF-8?Q?=C3=A9t=C3=A9?="]      # 5 été
        for i, subject in enumerate(subjects, 1):
            message = (f"From: a@example.test\r\nSubject: {subject}\r\n"
                       f"Date: Mon, 0{i} Apr 2024 10:00:00 +0000\r\n\r\nbody\r\n")
            self.assertEqual(c.append("Casemap", None, None, message.encode())[0], "OK")
        c.select("Casemap")
        # CAFE < CAFE U+0301 (1 and 2 equal: arrival order) < E U+0301 TE U+0301 < ZEBRA.
        self.assertEqual(numbers(c.sort("(SUBJECT)", "UTF-8", "ALL")[1]), ["3", "1", "2", "5", "4"])
        self.assertEqual(c.thread("ORDEREDSUBJECT", "UTF-8", "ALL")[1][0].decode(), "(1 2)(3)(4)(5)")

        def search(needle):
            c.literal = needle.encode()
            typ, data = c.search("UTF-8", "SUBJECT")
            self.assertEqual(typ, "OK", needle)
            return numbers(data)
        self.assertEqual(search("caf\u00e9"), ["1", "2"])
        self.assertEqual(search("CAFE\u0301"), ["1", "2"])
        self.assertEqual(search("\u00c9T\u00c9"), ["5"])
        self.assertEqual(search("\u01c6"), ["4"])  # ǆ
        self.assertEqual(search("cafe"), ["1", "2", "3"])  # a substring of CAFE U+0301 too

    def test_thread(self):
        c = self.session()
        typ, data = c.thread("REFERENCES", "UTF-8", "ALL")
        self.assertEqual(typ, "OK")
        # 1 <- 2 <- 4 by references; 3 and 5 share the base subject "report", neither a
        # reply... 3's "(fwd)" makes it a forward, so 5 holds the subject and 3 joins it.
        self.assertEqual(data[0].decode(), "(1 2 4)(5 3)")
        typ, data = c.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        self.assertEqual(data[0].decode(), "(3 5)(4 (1)(2))")
        typ, data = c.uid("THREAD", "REFERENCES", "UTF-8", "1:2")
        self.assertEqual(data[0].decode(), "(1 2)")

    def test_searchres_and_within(self):
        c = self.session()
        typ, data = c._simple_command("SEARCH", "RETURN", "(SAVE)", "FROM", "report")
        self.assertEqual(typ, "OK")
        typ, data = c._simple_command("SEARCH", "RETURN", "(SAVE)", "OR", "FROM", "carl", "FROM", "bo")
        self.assertEqual(typ, "OK")
        self.assertEqual(numbers(c.search(None, "$")[1]), ["3", "5"])
        typ, data = c.fetch("$", "(UID)")
        self.assertEqual([d.decode() for d in data], ["3 (UID 3)", "5 (UID 5)"])
        self.assertEqual(numbers(c.uid("SEARCH", "NOT", "$")[1]), ["1", "2", "4"])
        # Internal dates are in March 2024: all older than an hour, none younger.
        self.assertEqual(numbers(c.search(None, "OLDER", "3600")[1]), ["1", "2", "3", "4", "5"])
        self.assertEqual(numbers(c.search(None, "YOUNGER", "3600")[1]), [])

    def test_esearch_and_esort(self):
        c = self.session()
        typ, data = c._simple_command("SEARCH", "RETURN", "(MIN MAX COUNT ALL)", "1:2,4")
        self.assertEqual(typ, "OK")
        typ, data = c._untagged_response(typ, data, "ESEARCH")
        self.assertRegex(data[0].decode(), r'^\(TAG "\w+"\) MIN 1 MAX 4 ALL 1:2,4 COUNT 3$')
        typ, data = c._simple_command("SORT", "RETURN", "(ALL)", "(REVERSE ARRIVAL)", "UTF-8", "ALL")
        typ, data = c._untagged_response(typ, data, "ESEARCH")
        self.assertRegex(data[0].decode(), r'^\(TAG "\w+"\) ALL 5,4,3,2,1$')

    def test_bad_syntax(self):
        c = self.session()
        # (imaplib's sort() would add the parentheses DATE lacks, so the raw command.)
        for args, text in [(("SORT", "(NAME)", "UTF-8", "ALL"), "Expected sort key"),
                           (("SORT", "(DATE)", "UTF-8"), "Expected search key after the charset"),
                           (("SORT", "DATE", "UTF-8", "ALL"), "Expected ( of sort criteria"),
                           (("SEARCH", "RETURN", "(FOO)", "ALL"), "Expected RETURN option"),
                           (("SEARCH", "YOUNGER", "0"), "Expected interval"),
                           (("FETCH", "$,1", "FLAGS"), "Expected $ alone")]:
            with self.assertRaises(imaplib.IMAP4.error) as e:
                c._simple_command(*args)
            self.assertIn(text, str(e.exception))
        with self.assertRaises(imaplib.IMAP4.error) as e:
            c.thread("X-UNKNOWN", "UTF-8", "ALL")
        self.assertIn("thread algorithm", str(e.exception))
        typ, data = c._simple_command("SORT", "(DATE)", "KOI8-R", "ALL")
        self.assertEqual(typ, "NO")
        self.assertIn(b"BADCHARSET", data[0])
        # The session goes on after each error.
        self.assertEqual(numbers(c.sort("(ARRIVAL)", "UTF-8", "1")[1]), ["1"])


if __name__ == "__main__":
    unittest.main()
