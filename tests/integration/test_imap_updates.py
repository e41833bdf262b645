"""imapd updates between sessions (issue 6, priority 4): a second session's APPEND,
STORE and EXPUNGE reach the first at the completion of its next command (EXPUNGE not during
FETCH/STORE/SEARCH), \Recent belongs to one session, and an idling client sees EXISTS within 1 s."""
import time
import unittest

from imap_util import InstanceTestCase


class ImapUpdatesTest(InstanceTestCase):
    def test_two_sessions_see_each_others_changes(self):
        b = self.imaplib_session()
        b.create("Shared")
        b.append("Shared", None, None, b"Subject: 1\r\n\r\nx\r\n")
        a = self.raw_session("Shared")
        b.append("Shared", None, None, b"Subject: 2\r\n\r\nx\r\n")
        untagged, done = a.command("n1", "NOOP")
        self.assertEqual(untagged, ["* 2 EXISTS", "* 2 RECENT"])  # a selected first: both are its \Recent
        b.select("Shared")
        b.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        untagged, _ = a.command("n2", "NOOP")
        self.assertEqual(untagged, ["* 1 FETCH (FLAGS (\\Deleted \\Recent))"])  # \Recent is a's
        b.expunge()
        untagged, _ = a.command("n3", "NOOP")
        self.assertEqual(untagged, ["* 1 EXPUNGE"])
        untagged, _ = a.command("f", "FETCH 1 (UID)")
        self.assertEqual(untagged, ["* 1 FETCH (UID 2)"])

    def test_idle_sees_append_within_one_second(self):
        b = self.imaplib_session()
        b.create("Idle")
        a = self.raw_session("Idle")
        a.send("i IDLE\r\n")
        self.assertEqual(a.line(), "+ idling")
        t0 = time.monotonic()
        b.append("Idle", None, None, b"Subject: pushed\r\n\r\nx\r\n")
        appended = time.monotonic()
        self.assertEqual(a.line(), "* 1 EXISTS")
        self.assertLess(time.monotonic() - appended, 1.0, f"append took {appended - t0:.2f}s")
        self.assertEqual(a.line(), "* 1 RECENT")
        a.send("DONE\r\n")
        self.assertEqual(a.line(), "i OK IDLE terminated")
        self.assertEqual(a.command("n", "NOOP")[1], "n OK NOOP completed")

    def test_expunge_withheld_during_fetch_store_search(self):
        b = self.imaplib_session()
        b.create("Withheld")
        for i in range(3):
            b.append("Withheld", None, None, f"Subject: {i}\r\n\r\nx\r\n".encode())
        a = self.raw_session("Withheld")
        b.select("Withheld")
        b.store("2", "+FLAGS.SILENT", "(\\Deleted)")
        b.expunge()
        untagged, done = a.command("f", "FETCH 1:* (UID)")
        self.assertEqual(done, "f OK FETCH completed")
        self.assertEqual(untagged, ["* 1 FETCH (UID 1)", "* 3 FETCH (UID 3)"])
        untagged, _ = a.command("s", "SEARCH ALL")
        self.assertEqual(untagged, ["* SEARCH 1 3"])
        untagged, _ = a.command("t", "STORE 3 +FLAGS (\\Seen)")
        self.assertEqual(untagged, ["* 3 FETCH (FLAGS (\\Seen \\Recent))"])
        untagged, _ = a.command("u", "UID SEARCH ALL")
        self.assertEqual(untagged, ["* SEARCH 1 3"])
        untagged, _ = a.command("c", "CHECK")
        self.assertEqual(untagged, ["* 2 EXPUNGE"])
        untagged, _ = a.command("g", "FETCH 2 (UID)")
        self.assertEqual(untagged, ["* 2 FETCH (UID 3)"])

    def test_recent_belongs_to_one_session(self):
        b = self.imaplib_session()
        b.create("Recent")
        b.append("Recent", None, None, b"Subject: r\r\n\r\nx\r\n")
        self.assertEqual(b.status("Recent", "(RECENT)")[1][0], b'"Recent" (RECENT 1)')
        e = self.raw_session()
        # EXAMINE shows the message as \Recent and claims nothing (RFC 3501 §6.3.2).
        self.assertIn("* 1 RECENT", e.command("x", "EXAMINE Recent")[0])
        self.assertEqual(e.command("f", "FETCH 1 FLAGS")[0], ["* 1 FETCH (FLAGS (\\Recent))"])
        a = self.raw_session()
        self.assertIn("* 1 RECENT", a.command("s", "SELECT Recent")[0])
        self.assertEqual(a.command("r", "SEARCH RECENT")[0], ["* SEARCH 1"])
        self.assertEqual(a.command("f", "FETCH 1 FLAGS")[0], ["* 1 FETCH (FLAGS (\\Recent))"])
        self.assertIn("* 0 RECENT", e.command("y", "EXAMINE Recent")[0])
        typ, data = b.select("Recent")
        self.assertEqual(b.response("RECENT")[1], [b"0"])

    def test_copied_messages_are_recent_in_the_next_session(self):
        # imaptest's copy script: a session that has the target selected sees the copies as
        # \Recent (EXISTS, RECENT, FETCH FLAGS), keywords announced in FLAGS first.
        a = self.raw_session()
        a.command("c", "CREATE CopyDst")
        a.command("c", "CREATE CopySrc")
        for _ in range(2):
            a.command("p", "APPEND CopySrc (\\Seen $Label7) {12+}\r\nSubject: c\r\n")
        b = self.raw_session("CopyDst")
        self.assertTrue(a.command("s", "SELECT CopySrc")[1].startswith("s OK"))
        self.assertTrue(a.command("k", "COPY 1:2 CopyDst")[1].startswith("k OK"))
        untagged, _ = b.command("n", "NOOP")
        self.assertEqual(untagged[-2:], ["* 2 EXISTS", "* 2 RECENT"])
        self.assertIn("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label7)", untagged)
        untagged, _ = b.command("f", "FETCH 1:2 FLAGS")
        self.assertEqual(untagged, ["* 1 FETCH (FLAGS (\\Seen \\Recent $Label7))",
                                    "* 2 FETCH (FLAGS (\\Seen \\Recent $Label7))"])


if __name__ == "__main__":
    unittest.main()
