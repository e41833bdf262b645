"""OBJECTID (RFC 8474), SAVEDATE (RFC 8514), BINARY (RFC 3516) and CATENATE (RFC 4469) in
imapd, as a client sees them with imaplib (and raw lines where imaplib has no command):
MAILBOXID per mailbox and kept over RENAME, EMAILID stable across sessions and kept by COPY,
SAVEDATE set on APPEND and COPY, BINARY decoding a base64 part with a matching BINARY.SIZE,
APPEND of a literal8 holding NUL, UNKNOWN-CTE, CATENATE of text and a part of another
message (with MULTIAPPEND), BADURL."""
import base64
import datetime
import re
import unittest

from imap_util import InstanceTestCase, RawImap, USER, PASSWORD

PAYLOAD = bytes(range(256)) * 3  # every octet, NUL included
MULTIPART = (b"From: a@example.test\r\nSubject: attachment\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
             b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
             b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
             + base64.encodebytes(PAYLOAD).replace(b"\n", b"\r\n") +
             b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
             b"caf=C3=A9 =\r\nsoft break\r\n"
             b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
             b"--b--\r\n")
PLAIN = b"From: a@example.test\r\nSubject: plain\r\n\r\nbody\r\n"


def eid_of(pairs):
    return pairs["EMAILID"].strip("()")


def fetch_pairs(data):
    """{item name: value} of imaplib FETCH data, literals as bytes."""
    out = {}
    for part in data:
        if isinstance(part, tuple):
            head, literal = part
            name = re.search(rb"([A-Z.0-9]+\[[0-9.]*\](?:<\d+>)?) [~]?\{\d+\}$", head).group(1)
            out[name.decode()] = literal
            rest = head
        else:
            rest = part
        for m in re.finditer(rb"(EMAILID|THREADID|SAVEDATE|BINARY\.SIZE\[[0-9.]*\]|UID) (\([^)]*\)|\"[^\"]*\"|NIL|\d+)",
                             rest):
            out[m.group(1).decode()] = m.group(2).decode()
    return out


class ObjectIdBinaryTest(InstanceTestCase):
    def session(self):
        return self.imaplib_session()

    def test_capabilities(self):
        c = self.session()
        for cap in ("OBJECTID", "SAVEDATE", "BINARY"):
            self.assertIn(cap, c.capabilities)

    def mailbox_id(self, c, name):
        typ, data = c.status(name, "(MAILBOXID)")
        self.assertEqual(typ, "OK", data)
        m = re.search(rb"MAILBOXID \(([A-Za-z0-9_-]+)\)", data[0])
        self.assertIsNotNone(m, data)
        return m.group(1).decode()

    def test_mailboxid_differs_between_mailboxes_and_survives_rename(self):
        c = self.session()
        typ, data = c.create("Oid/a")
        self.assertEqual(typ, "OK")
        created = re.search(rb"^\[MAILBOXID \(([A-Za-z0-9_-]+)\)\]", data[0])  # RFC 8474 §4.1
        self.assertIsNotNone(created, data)
        c.create("Oid/b")
        a, b = self.mailbox_id(c, "Oid/a"), self.mailbox_id(c, "Oid/b")
        self.assertEqual(created.group(1).decode(), a)
        self.assertNotEqual(a, b)
        self.assertRegex(a, r"^[A-Za-z][A-Za-z0-9_-]{0,254}$")
        typ, data = c.select("Oid/a")
        self.assertEqual(c.untagged_responses.get("MAILBOXID"), [f"({a})".encode()])  # RFC 8474 §4.2
        c.close()
        self.assertEqual(c.rename("Oid/a", "Oid/renamed")[0], "OK")
        self.assertEqual(self.mailbox_id(c, "Oid/renamed"), a)
        # A new mailbox under the old name is a different mailbox.
        c.create("Oid/a")
        self.assertNotIn(self.mailbox_id(c, "Oid/a"), (a, b))
        self.assertEqual(c.status("Oid/nonexistent", "(MAILBOXID)")[0], "NO")

    def test_emailid_stable_across_sessions_and_copy_and_savedate(self):
        c = self.session()
        c.create("Eid")
        c.create("Eid2")
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        # An internal date in the past: SAVEDATE is when it was saved, not that.
        self.assertEqual(c.append("Eid", None, '"01-Jan-2001 00:00:00 +0000"', PLAIN)[0], "OK")
        self.assertEqual(c.append("Eid", None, None, PLAIN)[0], "OK")
        c.select("Eid")
        typ, data = c.fetch("1:2", "(UID EMAILID THREADID SAVEDATE INTERNALDATE)")
        self.assertEqual(typ, "OK", data)
        first, second = fetch_pairs([data[0]]), fetch_pairs([data[1]])
        self.assertRegex(first["EMAILID"], r"^\([A-Za-z][A-Za-z0-9_-]*\)$")
        self.assertNotEqual(first["EMAILID"], second["EMAILID"])  # same content, two appends
        # No Message-ID, nothing replied to: each message is a thread of its own (RFC 8474
        # §5.2), named apart from every EMAILID (rfc8474.txt:348).
        self.assertRegex(first["THREADID"], r"^\([A-Za-z][A-Za-z0-9_-]*\)$")
        self.assertNotEqual(first["THREADID"], second["THREADID"])
        self.assertNotEqual(first["THREADID"].strip("()"), eid_of(first))
        saved = datetime.datetime.strptime(first["SAVEDATE"], '"%d-%b-%Y %H:%M:%S %z"')
        self.assertGreaterEqual(saved, before)
        self.assertIn(b'INTERNALDATE "01-Jan-2001 00:00:00 +0000"', data[0])
        # SEARCH by EMAILID and by save date.
        eid = first["EMAILID"].strip("()")
        typ, data = c.search(None, "EMAILID", eid)
        self.assertEqual(data, [b"1"])
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%d-%b-%Y")
        self.assertEqual(c.search(None, "SAVEDON", today)[1], [b"1 2"])
        self.assertEqual(c.search(None, "SAVEDBEFORE", "1-Jan-2002")[1], [b""])
        self.assertEqual(c.search(None, "SAVEDATESUPPORTED")[1], [b"1 2"])
        self.assertEqual(c.search(None, "THREADID", "T1")[1], [b""])
        # A second session sees the same EMAILID.
        d = self.session()
        d.select("Eid", readonly=True)
        self.assertEqual(fetch_pairs(d.fetch("1", "(EMAILID)")[1])["EMAILID"], first["EMAILID"])
        # COPY keeps the EMAILID (rfc8474 §5.1) and stamps a new SAVEDATE.
        self.assertEqual(c.copy("1", "Eid2")[0], "OK")
        c.select("Eid2")
        copied = fetch_pairs(c.fetch("1", "(EMAILID THREADID SAVEDATE)")[1])
        self.assertEqual(copied["EMAILID"], first["EMAILID"])
        self.assertEqual(copied["THREADID"], first["THREADID"])  # rfc8474.txt:324
        self.assertGreaterEqual(datetime.datetime.strptime(copied["SAVEDATE"], '"%d-%b-%Y %H:%M:%S %z"'), saved)

    def test_binary_decodes_base64_and_quoted_printable(self):
        c = self.session()
        c.create("Bin")
        c.append("Bin", None, None, MULTIPART)
        c.select("Bin")
        typ, data = c.fetch("1", "(BINARY.SIZE[2] BINARY.PEEK[2] BINARY.PEEK[3] BINARY.PEEK[1] FLAGS)")
        self.assertEqual(typ, "OK", data)
        items = fetch_pairs(data)
        self.assertEqual(items["BINARY[2]"], PAYLOAD)
        self.assertEqual(int(items["BINARY.SIZE[2]"]), len(PAYLOAD))
        # The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
        self.assertEqual(items["BINARY[3]"], "café soft break".encode())
        self.assertEqual(items["BINARY[1]"], b"hello")
        self.assertNotIn(b"\\Seen", b" ".join(x if isinstance(x, bytes) else x[0] for x in data))
        # The content with NUL comes as a literal8.
        raw = self.raw_binary_fetch("Bin", "FETCH 1 (BINARY.PEEK[2]<0.10>)")
        self.assertIn(b"BINARY[2]<0> ~{10}\r\n" + PAYLOAD[:10] + b")", raw)
        # BINARY without .PEEK sets \Seen; an unknown CTE is NO [UNKNOWN-CTE].
        typ, data = c.fetch("1", "(BINARY[1])")
        self.assertIn(b"\\Seen", b" ".join(x if isinstance(x, bytes) else x[0] for x in data))
        typ, data = c._simple_command("FETCH", "1", "(BINARY.SIZE[4])")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[UNKNOWN-CTE]", data[0])
        # A bad section is BAD, and the session goes on.
        raw = self.raw_binary_fetch("Bin", "FETCH 1 (BINARY[HEADER])")
        self.assertIn(b"t BAD", raw)

    def raw_binary_fetch(self, box, command):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        r.command("l", f'LOGIN {USER} "{PASSWORD}"')
        r.command("s", f"EXAMINE {box}")
        r.send(f"t {command}\r\n")
        data = b"\r\n" + r.buf
        r.buf = b""
        while b"\r\nt " not in data:
            chunk = r.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    def test_append_literal8_with_nul(self):
        msg = (b"From: a@example.test\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
               + PAYLOAD + b"\r\n")
        c = self.session()
        c.create("Lit8")
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        r.command("l", f'LOGIN {USER} "{PASSWORD}"')
        r.send(f"a APPEND Lit8 ~{{{len(msg)}}}\r\n")
        self.assertTrue(r.line().startswith("+"))
        r.send(msg + b"\r\n")
        _, tagged = r.until("a")
        self.assertTrue(tagged.startswith("a OK"), tagged)
        c.select("Lit8")
        items = fetch_pairs(c.fetch("1", "(BINARY.PEEK[1] BINARY.SIZE[1])")[1])
        self.assertEqual(items["BINARY[1]"], PAYLOAD + b"\r\n")
        self.assertEqual(int(items["BINARY.SIZE[1]"]), len(PAYLOAD) + 2)
        # BODY cannot carry NUL: the part was stored base64-encoded (RFC 3516 §4.4, §6).
        typ, data = c.fetch("1", "(BODYSTRUCTURE BODY.PEEK[1])")
        self.assertIn(b'"BASE64"', data[0][0])
        self.assertEqual(base64.b64decode(data[0][1]), PAYLOAD + b"\r\n")
        # A literal8 where RFC 3516 allows none is BAD.
        r.send("b STATUS ~{4}\r\n")
        self.assertTrue(r.line().startswith("+"))
        r.send("Lit8 (MESSAGES)\r\n")
        _, tagged = r.until("b")
        self.assertTrue(tagged.startswith("b BAD"), tagged)


    def catenate(self, r, tag, text):
        """Sends an APPEND whose literals are given as ("lit", bytes) items, answering each
        continuation request; returns the tagged line."""
        first = True
        for piece in text:
            if isinstance(piece, tuple):
                r.send(f"{{{len(piece[1])}}}\r\n")
                self.assertTrue(r.line().startswith("+"))
                r.send(piece[1])
            else:
                r.send((f"{tag} " if first else "") + piece)
            first = False
        r.send("\r\n")
        return r.until(tag)[1]

    def test_catenate_text_and_url_parts(self):
        c = self.session()
        self.assertIn("CATENATE", c.capabilities)
        c.create("Cat")
        c.create("CatOut")
        c.append("Cat", None, None, MULTIPART)
        c.select("Cat")
        uid = fetch_pairs(c.fetch("1", "(UID)")[1])["UID"]
        uidvalidity = c.untagged_responses.get("UIDVALIDITY", [b"0"])[0].decode()
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        r.command("l", f'LOGIN {USER} "{PASSWORD}"')
        head = b"From: b@example.test\r\nSubject: forwarded\r\n\r\nsee below:\r\n"
        tagged = self.catenate(r, "a", [
            "APPEND CatOut (\\Seen) CATENATE (TEXT ", ("lit", head),
            f' URL "/Cat;UIDVALIDITY={uidvalidity}/;UID={uid}/;SECTION=1" URL "/Cat/;uid={uid}/;section=3.MIME"'
            f' TEXT ', ("lit", b"-- end\r\n"), ")",
            # MULTIAPPEND: a second message, plain.
            " ", ("lit", PLAIN)])
        self.assertTrue(tagged.startswith("a OK [APPENDUID "), tagged)
        c.select("CatOut")
        typ, data = c.fetch("1:2", "(BODY.PEEK[] FLAGS)")
        self.assertEqual(data[0][1], head + b"hello" +
                         b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                         b"-- end\r\n")
        self.assertIn(b"\\Seen", data[1])
        self.assertEqual(data[2][1], PLAIN)
        # An absolute URL of this user works; BADURL for another user's, a wrong
        # UIDVALIDITY, a missing UID or mailbox, a malformed URL. Nothing is stored then,
        # not even the plain message beside it.
        host = "127.0.0.1"
        good = f"imap://{USER.replace('@', '%40')}@{host}/Cat/;UID={uid}/;SECTION=1"
        self.assertTrue(self.catenate(r, "b", [f'APPEND CatOut CATENATE (URL "{good}")']).startswith("b OK"))
        for bad in (f"imap://bob%40example.test@{host}/Cat/;UID={uid}", f"/Cat;UIDVALIDITY=1/;UID={uid}",
                    "/Cat/;UID=999", f"/NoSuchBox/;UID={uid}", "/Cat/;UID=x", f"/Cat/;UID={uid}/;SECTION=BOGUS"):
            tagged = self.catenate(r, "c", [f'APPEND CatOut CATENATE (TEXT ', ("lit", b"x: y\r\n\r\n"),
                                            f' URL "{bad}") ', ("lit", PLAIN)])
            self.assertTrue(tagged.startswith(f"c NO [BADURL {bad}]"), (bad, tagged))
        self.assertEqual(c.status("CatOut", "(MESSAGES)")[1], [b'"CatOut" (MESSAGES 3)'])
        # A missing target mailbox is TRYCREATE even with a bad URL (as imaptest expects).
        tagged = self.catenate(r, "d", ['APPEND NoSuchBox CATENATE (URL "/Cat/;UID=999")'])
        self.assertTrue(tagged.startswith("d NO [TRYCREATE]"), tagged)
        # Malformed CATENATE syntax is BAD, and the session goes on.
        self.assertTrue(self.catenate(r, "e", ["APPEND CatOut CATENATE (BOGUS)"]).startswith("e BAD"))
        self.assertTrue(r.command("f", "NOOP")[1].startswith("f OK"))


if __name__ == "__main__":
    unittest.main()
