"""IMAP4rev2 (RFC 9051) beside IMAP4rev1, UTF8=ACCEPT (RFC 6855) and UNAUTHENTICATE
(RFC 8437), as clients see them on the wire: imaplib where it has the command (ENABLE,
LIST and CREATE in its UTF-8 mode), raw lines where it has none or gets it wrong (its
APPEND in UTF-8 mode wraps the literal's content, not the literal, in UTF8 (...))."""
import imaplib
import re
import unittest
import zlib

from imap_util import PASSWORD, USER, InstanceTestCase, RawImap

GRUSSE = "Gr\u00fc\u00dfe"
# A message as SMTPUTF8 mail carries it: UTF-8 in the header fields (RFC 6532).
UTF8_MESSAGE = ("From: J\u00f6rg <j\u00f6rg@b\u00fccher.example>\r\nTo: alice@example.test\r\n"
                "Subject: " + GRUSSE + "\r\nMessage-ID: <1@example.test>\r\n\r\n"
                "K\u00e4se\r\n").encode()


def read_literal(r, size):
    """The next `size` octets after a literal's {size} line, from a RawImap."""
    while len(r.buf) < size:
        chunk = r.sock.recv(65536)
        if not chunk:
            raise EOFError("closed inside a literal")
        r.buf += chunk
    data, r.buf = r.buf[:size], r.buf[size:]
    return data


class ImapRev2Test(InstanceTestCase):
    def raw(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        self.assertTrue(r.command("l", f'LOGIN {USER} "{PASSWORD}"')[1].startswith("l OK"))
        return r

    def test_capabilities_and_enable(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        caps = r.greeting.split("]")[0].split()
        for cap in ("IMAP4rev1", "IMAP4rev2", "UTF8=ACCEPT", "UNAUTHENTICATE", "ENABLE", "NAMESPACE", "UNSELECT",
                    "UIDPLUS", "ESEARCH", "SEARCHRES", "IDLE", "SASL-IR", "LITERAL+", "SPECIAL-USE", "MOVE",
                    "LIST-EXTENDED", "LIST-STATUS", "STATUS=SIZE"):
            self.assertIn(cap, caps)
        self.assertTrue(r.command("l", f'LOGIN {USER} "{PASSWORD}"')[1].startswith("l OK"))
        self.assertEqual(r.command("e", "ENABLE IMAP4rev2"), (["* ENABLED IMAP4rev2"], "e OK ENABLE completed"))
        self.assertEqual(r.command("e2", "ENABLE IMAP4rev2"), (["* ENABLED"], "e2 OK ENABLE completed"))

    def test_rev2_responses(self):
        c = self.imaplib_session()
        c.create("Rev2")
        for flags in (None, r"(\Seen)", None):
            self.assertEqual(c.append("Rev2", flags, None, b"Subject: x\r\n\r\nbody\r\n")[0], "OK")
        # IMAP4rev1 first: RECENT, UNSEEN, SEARCH.
        r1 = self.raw()
        lines, ok = r1.command("s", "EXAMINE Rev2")
        self.assertIn("* 3 RECENT", lines)
        self.assertTrue(any("[UNSEEN 1]" in line for line in lines), lines)
        self.assertEqual(r1.command("q", "SEARCH UNSEEN"), (["* SEARCH 1 3"], "q OK SEARCH completed"))
        # IMAP4rev2: none of those; LIST in SELECT; ESEARCH; no \Recent.
        r = self.raw()
        r.command("e", "ENABLE IMAP4rev2")
        lines, ok = r.command("s", "SELECT Rev2")
        self.assertTrue(ok.startswith("s OK [READ-WRITE]"), ok)
        self.assertIn("* 3 EXISTS", lines)
        self.assertIn('* LIST (\\HasNoChildren) "/" "Rev2"', lines)
        self.assertFalse(any("RECENT" in line or "UNSEEN" in line for line in lines), lines)
        self.assertEqual(r.command("q", "SEARCH UNSEEN"), (['* ESEARCH (TAG "q") ALL 1,3'], "q OK SEARCH completed"))
        lines, _ = r.command("u", "UID SEARCH SEEN")
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r'^\* ESEARCH \(TAG "u"\) UID ALL \d+$')
        lines, _ = r.command("f", "FETCH 1:3 FLAGS")
        self.assertFalse(any("\\Recent" in line for line in lines), lines)
        # Another session's flag change reaches this one as FETCH with UID (RFC 9051 item 21).
        c.select("Rev2")
        c.store("1", "+FLAGS", r"(\Flagged)")
        lines, _ = r.command("n", "NOOP")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^\* 1 FETCH \(UID \d+ FLAGS \(\\Flagged\)\)$")
        # The CLOSED code when a new SELECT replaces the view.
        lines, _ = r.command("s2", "EXAMINE INBOX")
        self.assertIn("* OK [CLOSED] Previous mailbox closed", lines)

    def test_utf8_mailbox_names(self):
        c = self.imaplib_session()
        self.assertEqual(c.enable("UTF8=ACCEPT")[0], "OK")
        self.assertEqual(c.create('"Entw\u00fcrfe"')[0], "OK")
        typ, data = c.list('""', '"Entw*"')
        self.assertEqual(typ, "OK")
        self.assertEqual(data, ['(\\HasNoChildren) "/" "Entw\u00fcrfe"'.encode()])
        # An IMAP4rev1 session sees the same mailbox in modified UTF-7.
        r = self.raw()
        lines, _ = r.command("l", 'LIST "" "Entw*"')
        self.assertEqual(lines, ['* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"'])
        # ...and so does an IMAP4rev2 session in UTF-8 again.
        r.command("e", "ENABLE IMAP4rev2")
        lines, _ = r.command("l2", 'LIST "" "Entw*"')
        self.assertEqual(lines, ['* LIST (\\HasNoChildren) "/" "Entw\u00fcrfe"'])
        lines, ok = r.command("st", 'STATUS "Entw\u00fcrfe" (MESSAGES DELETED SIZE)')
        self.assertEqual(lines, ['* STATUS "Entw\u00fcrfe" (MESSAGES 0 DELETED 0 SIZE 0)'])
        # Invalid UTF-8 in a quoted string is BAD (RFC 6855 §3).
        r.send(b'b CREATE "Entw\xfcrfe"\r\n')
        self.assertTrue(r.until("b")[1].startswith("b BAD"))

    def test_utf8_append_fetch_envelope(self):
        r = self.raw()
        # Before ENABLE: 8-bit header fields are NO (RFC 6855 §4).
        r.send(b"a0 APPEND INBOX {%d+}\r\n" % len(UTF8_MESSAGE) + UTF8_MESSAGE + b"\r\n")
        self.assertEqual(r.until("a0")[1], "a0 NO 8-bit header fields need ENABLE UTF8=ACCEPT first")
        self.assertEqual(r.command("e", "ENABLE UTF8=ACCEPT")[0], ["* ENABLED UTF8=ACCEPT"])
        r.command("c", 'CREATE "Utf8 \u00e4"')
        r.send(b'a APPEND "Utf8 \xc3\xa4" UTF8 (~{%d}\r\n' % len(UTF8_MESSAGE))
        self.assertTrue(r.line().startswith("+"))
        r.send(UTF8_MESSAGE + b")\r\n")
        _, ok = r.until("a")
        m = re.match(r"a OK \[APPENDUID \d+ (\d+)\]", ok)
        self.assertIsNotNone(m, ok)
        uid = m.group(1)
        r.command("s", 'SELECT "Utf8 \u00e4"')
        # The message comes back byte for byte.
        r.send(f"f UID FETCH {uid} BODY.PEEK[]\r\n")
        head = r.line()
        size = int(re.search(r"\{(\d+)\}$", head).group(1))
        self.assertEqual(read_literal(r, size), UTF8_MESSAGE)
        self.assertEqual(r.until("f")[1], "f OK FETCH completed")
        # ENVELOPE: UTF-8 in quoted strings now.
        lines, _ = r.command("g", f"UID FETCH {uid} ENVELOPE")
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(f'"{GRUSSE}" (("J\u00f6rg" NIL "j\u00f6rg" "b\u00fccher.example"))', lines[0])
        # SEARCH finds it by its UTF-8 subject; CHARSET is BAD after ENABLE UTF8=ACCEPT.
        lines, _ = r.command("q", f'SEARCH SUBJECT "{GRUSSE}"')
        self.assertEqual(lines, ["* SEARCH 1"])
        self.assertTrue(r.command("q2", f'SEARCH CHARSET UTF-8 SUBJECT "{GRUSSE}"')[1].startswith("q2 BAD"))

    def test_unauthenticate_ends_compress(self):
        # RFC 8437 §4.1: under COMPRESS, the client's compression ends after the CRLF of
        # UNAUTHENTICATE, the server's after that of its OK; LOGIN pipelined right behind
        # it goes plain, in the same packet as the command's last compressed bytes.
        r = self.raw()
        self.assertEqual(r.command("z", "COMPRESS DEFLATE")[1], "z OK DEFLATE active")
        out = zlib.compressobj(wbits=-15)
        inflater = zlib.decompressobj(wbits=-15)

        def compressed(text):
            return out.compress(text.encode()) + out.flush(zlib.Z_SYNC_FLUSH)

        def read_compressed_until(tag):
            plain = b""
            while (b"\r\n" + tag + b" ") not in b"\r\n" + plain:
                plain += inflater.decompress(r.sock.recv(65536))
            return plain.decode()

        r.send(compressed("n NOOP\r\n"))
        self.assertIn("n OK", read_compressed_until(b"n"))
        r.send(compressed("u UNAUTHENTICATE\r\n") + b'l2 LOGIN bob@example.test "bob password"\r\n')
        self.assertEqual(read_compressed_until(b"u"), "u OK UNAUTHENTICATE completed\r\n")
        r.buf = inflater.unused_data
        self.assertTrue(r.until("l2")[1].startswith("l2 OK"))
        # Plain both ways now, and COMPRESS may start again.
        self.assertEqual(r.command("z2", "COMPRESS DEFLATE")[1], "z2 OK DEFLATE active")

    def test_unauthenticate_then_other_user(self):
        r = self.raw()
        r.command("e", "ENABLE IMAP4rev2")
        self.assertTrue(r.command("s", "SELECT INBOX")[1].startswith("s OK"))
        self.assertEqual(r.command("u", "UNAUTHENTICATE"), ([], "u OK UNAUTHENTICATE completed"))
        self.assertEqual(r.command("n", "SELECT INBOX")[1], "n BAD Log in first")
        self.assertTrue(r.command("l2", 'LOGIN bob@example.test "bob password"')[1].startswith("l2 OK"))
        # bob's store, in IMAP4rev1 again: bob's INBOX is empty, RECENT is back.
        r.send(b"a APPEND INBOX {18}\r\nSubject: bob's\r\n\r\n\r\n")
        self.assertTrue(r.until("a")[1].startswith("a OK"))
        lines, _ = r.command("s2", "SELECT INBOX")
        self.assertIn("* 1 EXISTS", lines)
        self.assertIn("* 1 RECENT", lines)
        # And alice's connection slots were given back: she logs in again on the same one.
        r.command("u2", "UNAUTHENTICATE")
        self.assertTrue(r.command("l3", f'LOGIN {USER} "{PASSWORD}"')[1].startswith("l3 OK"))
        # imaplib has no UNAUTHENTICATE; its generic command path sends it.
        c = self.imaplib_session()
        imaplib.Commands["UNAUTHENTICATE"] = ("AUTH", "SELECTED")
        typ, _ = c._simple_command("UNAUTHENTICATE")
        self.assertEqual(typ, "OK")
        c.state = "NONAUTH"
        self.assertEqual(c.login("bob@example.test", "bob password")[0], "OK")


if __name__ == "__main__":
    unittest.main()
