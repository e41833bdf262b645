"""The smaller IMAP extensions of issue 18 with Python's imaplib (and raw lines where imaplib
has no command for them): UNSELECT (RFC 3691), LIST-EXTENDED (RFC 5258), LIST-STATUS
(RFC 5819), CREATE-SPECIAL-USE (RFC 6154), STATUS=SIZE (RFC 8438), MULTIAPPEND (RFC 3502),
APPENDLIMIT (RFC 7889). Each is advertised in
CAPABILITY and does what its RFC says, as a client sees it on the wire."""
import imaplib
import unittest

from imap_util import InstanceTestCase

MESSAGE = b"From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n"


class ImapExtensionsTest(InstanceTestCase):
    def test_unselect_leaves_deleted_messages(self):
        c = self.imaplib_session()
        self.assertIn("UNSELECT", c.capabilities)
        c.create("Unsel")
        c.append("Unsel", r"(\Deleted)", None, MESSAGE)
        c.select("Unsel")
        typ, data = c._simple_command("UNSELECT")
        self.assertEqual(typ, "OK", data)
        c.state = "AUTH"
        typ, data = c.status("Unsel", "(MESSAGES)")
        self.assertEqual(data, [b'"Unsel" (MESSAGES 1)'])
        # Not in the selected state: BAD (imaplib raises on BAD).
        c.state = "SELECTED"
        with self.assertRaises(imaplib.IMAP4.error):
            c._simple_command("UNSELECT")
        c.state = "AUTH"

    def test_list_extended_subscribed_and_nonexistent(self):
        c = self.imaplib_session()
        for cap in ("LIST-EXTENDED", "LIST-STATUS", "CREATE-SPECIAL-USE", "SPECIAL-USE", "CHILDREN"):
            self.assertIn(cap, c.capabilities)
        for name in ("Ext/a", "Ext/b/c", "Ext/gone"):
            self.assertEqual(c.create(name)[0], "OK")
        for name in ("Ext/a", "Ext/b/c", "Ext/gone"):
            self.assertEqual(c.subscribe(name)[0], "OK")
        self.assertEqual(c.delete("Ext/gone")[0], "OK")
        typ, data = c.list('(SUBSCRIBED) ""', "Ext/*")
        self.assertEqual(typ, "OK")
        self.assertIn(rb'(\HasNoChildren \Subscribed) "/" "Ext/a"', data)
        self.assertIn(rb'(\HasNoChildren \Subscribed) "/" "Ext/b/c"', data)
        self.assertIn(rb'(\NonExistent \Subscribed) "/" "Ext/gone"', data)
        self.assertEqual(len(data), 3)
        # The unsubscribed parent of a subscribed child, with RECURSIVEMATCH.
        typ, data = c.list('(SUBSCRIBED RECURSIVEMATCH) ""', "Ext/%")
        self.assertIn(rb'(\HasChildren) "/" "Ext/b" ("CHILDINFO" ("SUBSCRIBED"))', data)
        # Several patterns, RETURN (SUBSCRIBED CHILDREN).
        typ, data = c._simple_command("LIST", '""', "(Ext/a Ext/b)", "RETURN", "(SUBSCRIBED CHILDREN)")
        self.assertEqual(typ, "OK")
        _, data = c._untagged_response(typ, data, "LIST")
        self.assertEqual(data, [rb'(\HasNoChildren \Subscribed) "/" "Ext/a"', rb'(\HasChildren) "/" "Ext/b"'])
        # Errors: an unknown option, RECURSIVEMATCH alone.
        for args in (("(BOGUS)", '""', "%"), ("(RECURSIVEMATCH)", '""', "%"), ('""', "%", "RETURN", "(BOGUS)")):
            with self.assertRaises(imaplib.IMAP4.error):
                c._simple_command("LIST", *args)

    def test_list_status_and_status_size(self):
        c = self.imaplib_session()
        self.assertIn("STATUS=SIZE", c.capabilities)
        c.create("Sized")
        c.append("Sized", None, None, MESSAGE)
        c.append("Sized", r"(\Seen)", None, MESSAGE)
        typ, data = c.status("Sized", "(MESSAGES SIZE)")
        self.assertEqual(data, [b'"Sized" (MESSAGES 2 SIZE %d)' % (2 * len(MESSAGE))])
        typ, data = c._simple_command("LIST", '""', "Sized", "RETURN", "(STATUS (MESSAGES UNSEEN SIZE))")
        self.assertEqual(typ, "OK")
        self.assertEqual(c._untagged_response(typ, data, "LIST")[1], [rb'(\HasNoChildren) "/" "Sized"'])
        self.assertEqual(c._untagged_response(typ, data, "STATUS")[1],
                         [b'"Sized" (MESSAGES 2 UNSEEN 1 SIZE %d)' % (2 * len(MESSAGE))])

    def test_create_special_use(self):
        c = self.imaplib_session()
        typ, _ = c._simple_command("CREATE", "Archive2", r"(USE (\Archive))")
        self.assertEqual(typ, "OK")
        typ, data = c.list('(SPECIAL-USE) ""', "*")
        self.assertIn(rb'(\HasNoChildren \Archive) "/" "Archive2"', data)
        self.assertFalse(any(b'"INBOX"' in line for line in data))
        typ, data = c._simple_command("CREATE", "Bogus", r"(USE (\Bogus))")
        self.assertEqual((typ, data[0][:9]), ("NO", b"[USEATTR]"))


    def test_multiappend_all_or_nothing(self):
        c = self.imaplib_session()
        self.assertIn("MULTIAPPEND", c.capabilities)
        c.create("Multi")
        r = self.raw_session()
        one, two = b"Subject: 1\r\n\r\none\r\n", b"Subject: 2\r\n\r\ntwo\r\n"
        # Synchronizing literals: the server asks for each message in turn.
        r.send(b"a APPEND Multi (\\Seen) {%d}\r\n" % len(one))
        self.assertTrue(r.line().startswith("+"))
        r.send(one + b' "01-Jan-2024 10:00:00 +0000" {%d}\r\n' % len(two))
        self.assertTrue(r.line().startswith("+"))
        r.send(two + b"\r\n")
        _, done = r.until("a")
        self.assertRegex(done, r"^a OK \[APPENDUID \d+ 1:2\] ")
        # A bad second message: neither is stored.
        r.send(b"b APPEND Multi {%d+}\r\n%s (\\Recent) {%d+}\r\n%s\r\n" % (len(one), one, len(two), two))
        _, done = r.until("b")
        self.assertTrue(done.startswith("b BAD"), done)
        typ, data = c.status("Multi", "(MESSAGES UNSEEN)")
        self.assertEqual(data, [b'"Multi" (MESSAGES 2 UNSEEN 1)'])
        c.select("Multi", readonly=True)
        typ, data = c.fetch("1:2", "(INTERNALDATE BODY.PEEK[TEXT])")
        self.assertIn(b"01-Jan-2024 10:00:00 +0000", data[2][0])
        self.assertEqual((data[0][1], data[2][1]), (b"one\r\n", b"two\r\n"))


    def test_appendlimit(self):
        c = self.imaplib_session()
        limits = [cap for cap in c.capabilities if cap.startswith("APPENDLIMIT=")]
        self.assertEqual(len(limits), 1, c.capabilities)
        limit = int(limits[0].split("=")[1])
        self.assertEqual(limit, 52428800)  # [limits] max_message_size of etc/mailroom.toml
        typ, data = c.status("INBOX", "(APPENDLIMIT)")
        self.assertEqual(data, [b'"INBOX" (APPENDLIMIT %d)' % limit])
        # One octet more: refused before the client sends it (no continuation).
        r = self.raw_session()
        r.send(f"a APPEND INBOX {{{limit + 1}}}\r\n")
        self.assertTrue(r.line().startswith("a NO [TOOBIG]"))
        self.assertEqual(r.command("b", "NOOP")[1], "b OK NOOP completed")


if __name__ == "__main__":
    unittest.main()
