"""imapd updates between sessions (issue 6, priority 4): a second session's APPEND,
STORE and EXPUNGE reach the first at NOOP, and an idling client sees EXISTS within 1 s."""
import imaplib
import time
import unittest

from imap_util import PASSWORD, USER, RawImap, check_clean_stop, start_instance


class ImapUpdatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = start_instance()

    @classmethod
    def tearDownClass(cls):
        try:
            check_clean_stop(cls.mr)
        finally:
            cls.mr.close()

    def raw_selected(self, mailbox):
        r = RawImap(self.mr.port("imap"), timeout=20)
        self.addCleanup(r.close)
        self.assertTrue(r.command("l", f'LOGIN {USER} "{PASSWORD}"')[1].startswith("l OK"))
        self.assertTrue(r.command("s", f"SELECT {mailbox}")[1].startswith("s OK"))
        return r

    def other(self):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        c.login(USER, PASSWORD)
        self.addCleanup(c.logout)
        return c

    def test_two_sessions_see_each_others_changes(self):
        b = self.other()
        b.create("Shared")
        b.append("Shared", None, None, b"Subject: 1\r\n\r\nx\r\n")
        a = self.raw_selected("Shared")
        b.append("Shared", None, None, b"Subject: 2\r\n\r\nx\r\n")
        untagged, done = a.command("n1", "NOOP")
        self.assertEqual(untagged, ["* 2 EXISTS"])
        b.select("Shared")
        b.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        untagged, _ = a.command("n2", "NOOP")
        self.assertEqual(untagged, ["* 1 FETCH (FLAGS (\\Deleted))"])
        b.expunge()
        untagged, _ = a.command("n3", "NOOP")
        self.assertEqual(untagged, ["* 1 EXPUNGE"])
        untagged, _ = a.command("f", "FETCH 1 (UID)")
        self.assertEqual(untagged, ["* 1 FETCH (UID 2)"])

    def test_idle_sees_append_within_one_second(self):
        b = self.other()
        b.create("Idle")
        a = self.raw_selected("Idle")
        a.send("i IDLE\r\n")
        self.assertEqual(a.line(), "+ idling")
        t0 = time.monotonic()
        b.append("Idle", None, None, b"Subject: pushed\r\n\r\nx\r\n")
        appended = time.monotonic()
        self.assertEqual(a.line(), "* 1 EXISTS")
        self.assertLess(time.monotonic() - appended, 1.0, f"append took {appended - t0:.2f}s")
        a.send("DONE\r\n")
        self.assertEqual(a.line(), "i OK IDLE terminated")
        self.assertEqual(a.command("n", "NOOP")[1], "n OK NOOP completed")


if __name__ == "__main__":
    unittest.main()
