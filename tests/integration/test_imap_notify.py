"""CONTEXT=SEARCH/SORT (RFC 5267 §4.3) and NOTIFY (RFC 5465) between two real sessions:
updates and notifications reach the first session as the second one, or an SMTP delivery,
changes the store, without a command from the first."""
import smtplib
import socket
import unittest

from imap_util import USER, InstanceTestCase


class ImapNotifyTest(InstanceTestCase):
    def quiet(self, r, seconds=1.5):
        """Nothing arrives on `r` for `seconds`."""
        r.sock.settimeout(seconds)
        try:
            data = r.buf or r.sock.recv(65536)
        except socket.timeout:
            data = b""
        finally:
            r.sock.settimeout(20)
        self.assertEqual(data, b"", "unexpected data")

    def test_capabilities(self):
        r = self.raw_session()
        caps = r.command("c", "CAPABILITY")[0][0].split()
        for cap in ("CONTEXT=SEARCH", "CONTEXT=SORT", "NOTIFY", "ESEARCH", "ESORT"):
            self.assertIn(cap, caps)

    def test_search_update_addto_removefrom_cancelupdate(self):
        b = self.imaplib_session()
        b.create("Ctx")
        b.append("Ctx", None, None, b"Subject: one\r\n\r\nx\r\n")
        a = self.raw_session("Ctx")
        untagged, done = a.command("s", "UID SEARCH RETURN (UPDATE) UNDELETED")
        self.assertEqual(untagged, ['* ESEARCH (TAG "s") UID ALL 1'])
        self.assertEqual(done, "s OK SEARCH completed")
        # Another session's APPEND: EXISTS, then ADDTO, with no command from a.
        b.append("Ctx", None, None, b"Subject: two\r\n\r\nx\r\n")
        self.assertEqual(a.line(), "* 2 EXISTS")
        self.assertEqual(a.line(), "* 2 RECENT")  # a selected first: both are its \Recent
        self.assertEqual(a.line(), '* ESEARCH (TAG "s") UID ADDTO (0 2)')
        # A flag change that makes a message leave the result is told at once.
        b.select("Ctx")
        b.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        self.assertEqual(a.line(), "* 1 FETCH (FLAGS (\\Deleted \\Recent))")
        self.assertEqual(a.line(), '* ESEARCH (TAG "s") UID REMOVEFROM (0 1)')
        # Expunges wait for a command (RFC 3501 §7.4.1): REMOVEFROM before the EXPUNGE.
        untagged, _ = a.command("c", "SEARCH RETURN (COUNT UPDATE) ALL")
        self.assertEqual(untagged, ['* ESEARCH (TAG "c") COUNT 2'])
        b.expunge()
        self.quiet(a)
        untagged, done = a.command("n", "NOOP")
        self.assertEqual(untagged, ['* ESEARCH (TAG "c") REMOVEFROM (0 1)', "* 1 EXPUNGE"])
        self.assertEqual(a.command("x", 'CANCELUPDATE "s" "c"'), ([], "x OK CANCELUPDATE completed"))
        b.append("Ctx", None, None, b"Subject: three\r\n\r\nx\r\n")
        self.quiet(a)
        # (b has Ctx selected too: which of the two claims \Recent is a race.)
        self.assertEqual(a.command("n2", "NOOP")[0][0], "* 2 EXISTS")
        # UPDATE under a tag in use is BAD; CANCELUPDATE of an unknown tag is NO.
        a.command("u", "SEARCH RETURN (UPDATE) ALL")
        self.assertEqual(a.command("u", "SEARCH RETURN (UPDATE) ALL")[1], "u BAD Tag reuse")
        self.assertTrue(a.command("y", 'CANCELUPDATE "nope"')[1].startswith("y NO "))

    def test_sort_update_positions(self):
        b = self.imaplib_session()
        b.create("Sorted")
        for s in (b"b", b"d"):
            b.append("Sorted", None, None, b"Subject: " + s + b"\r\n\r\nx\r\n")
        a = self.raw_session("Sorted")
        untagged, _ = a.command("s", "UID SORT RETURN (UPDATE) (SUBJECT) UTF-8 ALL")
        self.assertEqual(untagged, ['* ESEARCH (TAG "s") UID ALL 1:2'])
        b.append("Sorted", None, None, b"Subject: c\r\n\r\nx\r\n")
        self.assertEqual(a.line(), "* 3 EXISTS")
        self.assertEqual(a.line(), "* 3 RECENT")
        self.assertEqual(a.line(), '* ESEARCH (TAG "s") UID ADDTO (2 3)')

    def test_notify_status_fetch_and_none(self):
        b = self.imaplib_session()
        b.create("Watched")
        a = self.raw_session("Watched")
        untagged, done = a.command(
            "n", "NOTIFY SET STATUS (selected (MessageNew (UID) MessageExpunge)) (personal (MessageNew MessageExpunge))")
        self.assertEqual(done, "n OK NOTIFY completed")
        inbox = [u for u in untagged if u.startswith('* STATUS "INBOX" ')]
        self.assertEqual(len(inbox), 1, untagged)
        self.assertNotIn('* STATUS "Watched"', " ".join(untagged))
        messages = int(inbox[0].split("MESSAGES ")[1].split()[0])
        # Mail delivered over SMTP to another mailbox: STATUS for it.
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.example") as s:
            s.sendmail("sender@remote.example", [USER],
                       b"From: sender@remote.example\r\nTo: alice@example.test\r\nSubject: n\r\n\r\nhi\r\n")
        line = a.line()
        self.assertTrue(line.startswith(f'* STATUS "INBOX" (MESSAGES {messages + 1} UIDNEXT '), line)
        # A new message in the selected mailbox: EXISTS, then the FETCH asked for.
        b.append("Watched", None, None, b"Subject: sel\r\n\r\nx\r\n")
        self.assertEqual(a.line(), "* 1 EXISTS")
        self.assertEqual(a.line(), "* 1 RECENT")
        self.assertEqual(a.line(), "* 1 FETCH (UID 1)")
        # SELECTED: expunges at once.
        b.select("Watched")
        b.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        b.expunge()
        # The flag change may come first, as its own FETCH, if a read it before the expunge.
        line = a.line()
        if line.startswith("* 1 FETCH"):
            line = a.line()
        self.assertEqual(line, "* 1 EXPUNGE")
        self.assertEqual(a.command("z", "NOTIFY NONE"), ([], "z OK NOTIFY completed"))
        b.append("Watched", None, None, b"Subject: later\r\n\r\nx\r\n")
        b.append("INBOX", None, None, b"Subject: later\r\n\r\nx\r\n")
        self.quiet(a)
        self.assertEqual(a.command("n2", "NOOP")[0][0], "* 1 EXISTS")

    def test_notify_errors(self):
        a = self.raw_session()
        for bad in ("NOTIFY SET (personal (MessageNew MessageExpunge)", "NOTIFY SET (selected (MailboxName))",
                    "NOTIFY SET (personal (MessageNew (UID) MessageExpunge))", "NOTIFY SET", "NOTIFY BOGUS",
                    "NOTIFY SET (selected NONE) (selected-delayed NONE)"):
            untagged, done = a.command("b", bad)
            self.assertTrue(done.startswith("b BAD "), f"{bad}: {done}")
        untagged, done = a.command("e", "NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))")
        self.assertEqual(done, "e NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName "
                               "SubscriptionChange)] Event not supported")
        # The session is still fine.
        self.assertEqual(a.command("n", "NOOP"), ([], "n OK NOOP completed"))
        self.assertTrue(self.mr.log_text())


if __name__ == "__main__":
    unittest.main()
