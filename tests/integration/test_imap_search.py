"""imapd SEARCH and UID SEARCH (issue 6) with Python imaplib over the 16-message corpus
tests/data/imap/. Every expectation is computed here from the corpus bytes and the flags
and dates this test gives the messages (Python's own header and MIME decoding), never
from imapd's answers."""
import email
import email.header
import email.utils
import imaplib
import os
import re
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "imap")
FILES = sorted(f for f in os.listdir(CORPUS) if f.endswith(".eml"))
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def crlf(data):
    """What imaplib sends (it maps every line end to CRLF): what the server stores."""
    return re.sub(rb"\r?\n", b"\r\n", data)


def header_block(data):
    end = data.find(b"\r\n\r\n")
    return data if end < 0 else data[:end + 2]


def fields(data, name):
    """Unfolded, RFC 2047-decoded values of every `name:` field of the top-level header."""
    text = header_block(data).decode("utf-8", "replace")
    text = re.sub(r"\r\n[ \t]", " ", text)
    out = []
    for line in text.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            parts = []
            for chunk, charset in email.header.decode_header(value.strip()):
                if isinstance(chunk, bytes):
                    chunk = chunk.decode(charset or "utf-8", "replace")
                parts.append(chunk)
            out.append("".join(parts))
    return out


def text_bodies(data):
    """Decoded text/* leaves, at any depth (also inside message/rfc822)."""
    out = []
    for part in email.message_from_bytes(data).walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True) or b""
        out.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return out


def sent_date(data):
    values = fields(data, "date")
    if not values:
        return None
    try:
        d = email.utils.parsedate_tz(values[0])
    except (TypeError, ValueError):
        return None
    if not d:
        return None
    year = d[0] + (2000 if d[0] < 50 else 1900 if d[0] < 100 else 0)
    return (year, d[1], d[2])


class Corpus:
    """The messages in append order (message number i + 1), with their flags and dates."""

    def __init__(self):
        self.messages = []
        for i, name in enumerate(FILES):
            with open(os.path.join(CORPUS, name), "rb") as f:
                data = crlf(f.read())
            flags = set()
            if i % 2 == 0:
                flags.add("\\Seen")
            if i % 3 == 0:
                flags.add("\\Flagged")
            if i % 5 == 0:
                flags.add("\\Answered")
            if i == 7:
                flags.add("\\Deleted")
            if i == 11:
                flags.add("\\Draft")
            keyword = f"$Label{i % 4}"
            day = i + 1  # internal date: day-Nov-2025 12:00 UTC
            self.messages.append({"name": name, "data": data, "flags": flags, "keyword": keyword,
                                  "day": (2025, 11, day), "uid": i + 1})

    def numbers(self, predicate):
        return [i + 1 for i, m in enumerate(self.messages) if predicate(m)]


def contains(haystacks, needle):
    return any(needle.casefold() in h.casefold() for h in haystacks)


class ImapSearchTest(InstanceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.corpus = Corpus()
        c = imaplib.IMAP4("127.0.0.1", cls.mr.port("imap"), timeout=20)
        c.login(USER, PASSWORD)
        # Some corpus messages have raw 8-bit header fields: APPEND takes them once UTF-8
        # is enabled (RFC 6855 §4); by hand, as imaplib's UTF-8 mode garbles APPEND.
        assert c._simple_command("ENABLE", "UTF8=ACCEPT")[0] == "OK"
        c.create("Corpus")
        for m in cls.corpus.messages:
            y, mo, d = m["day"]
            date = f'"{d:02d}-{MONTHS[mo - 1]}-{y} 12:00:00 +0000"'
            flags = "(" + " ".join(sorted(m["flags"]) + [m["keyword"]]) + ")"
            typ, _ = c.append("Corpus", flags, date, m["data"])
            assert typ == "OK"
        c.logout()

    def client(self):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        c.login(USER, PASSWORD)
        self.addCleanup(c.logout)
        typ, _ = c.select("Corpus", readonly=True)
        self.assertEqual(typ, "OK")
        return c

    def search(self, c, *criteria, charset=None, uid=False):
        typ, data = c.uid("SEARCH", *criteria) if uid else c.search(charset, *criteria)
        self.assertEqual(typ, "OK", criteria)
        return [int(n) for n in data[0].split()]

    def check(self, c, criteria, predicate):
        expected = self.corpus.numbers(predicate)
        self.assertEqual(self.search(c, *criteria), expected, criteria)
        return expected

    def test_flags_keywords_and_sequence_sets(self):
        c = self.client()
        n = len(self.corpus.messages)
        self.assertEqual(self.search(c, "ALL"), list(range(1, n + 1)))
        self.assertEqual(self.search(c, "5:2"), [2, 3, 4, 5])
        self.assertEqual(self.search(c, "*"), [n])
        self.assertEqual(self.search(c, f"{n - 1}:*"), [n - 1, n])
        self.assertEqual(self.search(c, "1,3,100"), [1, 3])
        for key, flag in (("SEEN", "\\Seen"), ("FLAGGED", "\\Flagged"), ("ANSWERED", "\\Answered"),
                          ("DELETED", "\\Deleted"), ("DRAFT", "\\Draft")):
            self.check(c, (key,), lambda m, f=flag: f in m["flags"])
            self.check(c, ("UN" + key,), lambda m, f=flag: f not in m["flags"])
        self.check(c, ("KEYWORD", "$Label1"), lambda m: m["keyword"] == "$Label1")
        self.check(c, ("UNKEYWORD", "$Label1"), lambda m: m["keyword"] != "$Label1")
        self.check(c, ("NOT", "SEEN", "FLAGGED"), lambda m: "\\Seen" not in m["flags"] and "\\Flagged" in m["flags"])
        self.check(c, ("OR", "DRAFT", "DELETED"), lambda m: m["flags"] & {"\\Draft", "\\Deleted"})
        self.check(c, ("(SEEN FLAGGED)", "NOT", "(ANSWERED)"),
                   lambda m: {"\\Seen", "\\Flagged"} <= m["flags"] and "\\Answered" not in m["flags"])

    def test_dates_and_sizes(self):
        c = self.client()
        self.check(c, ("BEFORE", "05-Nov-2025"), lambda m: m["day"] < (2025, 11, 5))
        self.check(c, ("ON", "5-Nov-2025"), lambda m: m["day"] == (2025, 11, 5))
        self.check(c, ("SINCE", '"10-Nov-2025"'), lambda m: m["day"] >= (2025, 11, 10))
        # SENT*: the Date: field's own calendar date; without a usable one the internal date.
        sent = lambda m: sent_date(m["data"]) or m["day"]
        self.check(c, ("SENTBEFORE", "03-Dec-2026"), lambda m: sent(m) < (2026, 12, 3))
        self.check(c, ("SENTON", "5-Dec-2026"), lambda m: sent(m) == (2026, 12, 5))
        self.check(c, ("SENTSINCE", "4-Dec-2026"), lambda m: sent(m) >= (2026, 12, 4))
        for size in (100, 300, 548):
            self.check(c, ("LARGER", str(size)), lambda m, s=size: len(m["data"]) > s)
            self.check(c, ("SMALLER", str(size)), lambda m, s=size: len(m["data"]) < s)

    def test_header_and_content_keys(self):
        c = self.client()
        for needle in ("report", "lunch", "MALFORMED", "Bare"):
            self.check(c, ("SUBJECT", needle), lambda m, s=needle: contains(fields(m["data"], "subject"), s))
        for needle in ("example.com", "joerg", "carol", "Broken"):
            self.check(c, ("FROM", needle), lambda m, s=needle: contains(fields(m["data"], "from"), s))
        self.check(c, ("TO", "alice@example.org"), lambda m: contains(fields(m["data"], "to"), "alice@example.org"))
        self.check(c, ("HEADER", "Message-ID", "\"\""), lambda m: bool(fields(m["data"], "message-id")))
        self.check(c, ("HEADER", "In-Reply-To", "example"), lambda m: contains(fields(m["data"], "in-reply-to"), "example"))
        for needle in ("noon", "report", "attachment", "boundary", "lunch"):
            self.check(c, ("BODY", needle), lambda m, s=needle: contains(text_bodies(m["data"]), s))
        self.check(c, ("TEXT", "lunch"),
                   lambda m: contains(text_bodies(m["data"]) + [m["data"].decode("utf-8", "replace")], "lunch"))
        # Non-ASCII needles as UTF-8 literals; RFC 2047 (B, Q, Latin-1) and raw UTF-8 headers.
        for key, needle in (("SUBJECT", "Grüße"), ("SUBJECT", "été"), ("SUBJECT", "gęślą"), ("FROM", "Jörg"),
                            ("BODY", "grüße"), ("BODY", "CAFÉ"), ("BODY", "André")):
            c.literal = needle.encode()
            if key == "BODY":  # base64 UTF-8, QP Latin-1 with a soft line break
                expected = self.corpus.numbers(lambda m, s=needle: contains(text_bodies(m["data"]), s))
            else:
                expected = self.corpus.numbers(lambda m, s=needle, k=key: contains(fields(m["data"], k), s))
            self.assertTrue(expected, needle)
            self.assertEqual(self.search(c, key, charset="UTF-8"), expected, needle)
        c.literal = "Grüße".encode()
        typ, data = c.search("UTF-8", "TEXT")
        self.assertEqual(typ, "OK")
        self.assertIn(str(self.corpus.numbers(lambda m: m["name"] == "encoded_words.eml")[0]).encode(), data[0])

    def test_uid_search_and_badcharset(self):
        c = self.client()
        self.assertEqual(self.search(c, "ALL", uid=True), [m["uid"] for m in self.corpus.messages])
        self.assertEqual(self.search(c, "UID", "3:1"), [1, 2, 3])
        self.assertEqual(self.search(c, "UID", "*"), [len(self.corpus.messages)])
        self.assertEqual(self.search(c, "FLAGGED", uid=True),
                         [m["uid"] for m in self.corpus.messages if "\\Flagged" in m["flags"]])
        typ, data = c._simple_command("SEARCH", "CHARSET", "KOI8-R", "ALL")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[BADCHARSET (UTF-8 US-ASCII)]", data[0])
        with self.assertRaises(imaplib.IMAP4.error):
            c.search(None, "NOSUCHKEY")

    def test_uid_search_after_expunge_in_a_copy(self):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        c.login(USER, PASSWORD)
        self.addCleanup(c.logout)
        c.create("Copy")
        c.select("Corpus", readonly=True)
        self.assertEqual(c.copy("1:*", "Copy")[0], "OK")
        c.select("Copy")
        self.assertEqual(c.store("1:4", "+FLAGS.SILENT", "(\\Deleted)")[0], "OK")
        c.expunge()
        # Copy now holds messages 5.. of the corpus under their corpus UIDs, without the one
        # that was \Deleted already; numbers start at 1.
        rest = [m for m in self.corpus.messages[4:] if "\\Deleted" not in m["flags"]]
        self.assertEqual(self.search(c, "ALL", uid=True), [m["uid"] for m in rest])
        self.assertEqual(self.search(c, "SEEN"),
                         [i + 1 for i, m in enumerate(rest) if "\\Seen" in m["flags"]])
        self.assertEqual(self.search(c, "UID", "6:7"), [2, 3])
        # The first SELECT of the copy claimed \Recent for every message in it.
        self.assertEqual(self.search(c, "RECENT"), list(range(1, len(rest) + 1)))
        self.assertEqual(self.search(c, "OLD"), [])


if __name__ == "__main__":
    unittest.main()
