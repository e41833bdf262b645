"""Shared mailboxes (issue 19): a mailbox account without a password (info@) receives mail
over SMTP like a user; `mailroom mailbox share` lets alice and bob read it in IMAP through
the shared namespace (RFC 2342 NAMESPACE, RFC 4314 ACL), rights are enforced, a change in
one grantee's session reaches another's IDLE, each grantee keeps \Seen of their own
(private \Seen, as Dovecot), and a grant with p (`--send-as`) lets a user submit mail as
info@. Real daemons, real clients (imaplib, smtplib)."""
import imaplib
import json
import os
import smtplib
import time
import unittest

from imap_util import PASSWORD, USER, RawImap, check_clean_stop, start_instance

INFO = "info@example.test"
BOB = "bob@example.test"
BOB_PASSWORD = "bob password"
CAROL = "carol@example.test"
CAROL_PASSWORD = "carol password"
SHARED_INBOX = f"Shared/{INFO}/INBOX"
SALES = "sales@example.test"  # shared with alice and bob alike (lrs): the private \Seen test's
SALES_INBOX = f"Shared/{SALES}/INBOX"


def message(subject, sender="sender@client.test", to=INFO):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@example.net>\r\n\r\nbody of {subject}\r\n").encode()


class SharedMailboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = start_instance()
        cls.addClassCleanup(cls.mr.close)
        cls.mr.add_user(CAROL, CAROL_PASSWORD)
        cls.mr.run("mailbox", "add", INFO)
        cls.mr.run("mailbox", "share", INFO, USER, "--rights", "lrswipkxtea")
        cls.mr.run("mailbox", "share", INFO, BOB, "--rights", "lr")
        cls.mr.run("mailbox", "add", SALES)
        cls.mr.run("mailbox", "share", SALES, USER, "--rights", "lrs")
        cls.mr.run("mailbox", "share", SALES, BOB, "--rights", "lrs")
        # Mail to info@ arrives over SMTP like mail to any user.
        with smtplib.SMTP("127.0.0.1", cls.mr.port("smtp"), timeout=15) as s:
            s.sendmail("sender@client.test", [INFO], message("first order"))
            s.sendmail("sender@client.test", [INFO], message("second order"))
            s.sendmail("sender@client.test", [SALES], message("first lead", to=SALES))
            s.sendmail("sender@client.test", [SALES], message("second lead", to=SALES))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (cls.count_as(USER, PASSWORD, SHARED_INBOX) == 2
                    and cls.count_as(BOB, BOB_PASSWORD, SALES_INBOX) == 2):
                break
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        check_clean_stop(cls.mr)

    @classmethod
    def count_as(cls, user, password, mailbox):
        with imaplib.IMAP4("127.0.0.1", cls.mr.port("imap")) as imap:
            imap.login(user, password)
            typ, data = imap.status(f'"{mailbox}"', "(MESSAGES)")
            if typ != "OK":
                return None
            return int(data[0].decode().rsplit("MESSAGES ", 1)[1].rstrip(")"))

    def imap(self, user=USER, password=PASSWORD):
        imap = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"))
        self.addCleanup(imap.shutdown)
        imap.login(user, password)
        return imap

    def raw(self, user, password):
        r = RawImap(self.mr.port("imap"), timeout=20)
        self.addCleanup(r.close)
        self.assertTrue(r.command("l", f'LOGIN {user} "{password}"')[1].startswith("l OK"))
        return r

    def test_cli_lists_and_mailbox_account_cannot_log_in(self):
        out = json.loads(self.mr.run("mailbox", "list", "--json").stdout)
        info = [m for m in out if m["address"] == INFO]
        self.assertEqual(len(info), 1, out)
        self.assertTrue(info[0]["mailbox_account"])
        grants = {g["grantee"]: g["rights"] for g in info[0]["grants"]}
        self.assertEqual(grants, {USER: "lrswipkxtea", BOB: "lr"})
        text = self.mr.run("mailbox", "list").stdout
        self.assertIn(f"{INFO}  (mailbox account)", text)
        users = {u["address"]: u for u in json.loads(self.mr.run("user", "list", "--json").stdout)}
        self.assertTrue(users[INFO]["mailbox_account"])
        self.assertFalse(users[USER]["mailbox_account"])
        # No password: IMAP, POP3 and SMTP logins all fail.
        with imaplib.IMAP4("127.0.0.1", self.mr.port("imap")) as imap:
            with self.assertRaises(imaplib.IMAP4.error):
                imap.login(INFO, "")
            with self.assertRaises(imaplib.IMAP4.error):
                imap.login(INFO, "guess")
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), timeout=15) as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                s.login(INFO, "guess")
        # Bad input: a clear refusal, nothing changed.
        res = self.mr.run("mailbox", "share", INFO, BOB, "--rights", "lrz", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("unknown right 'z'", res.stderr)
        res = self.mr.run("mailbox", "share", INFO, "ghost@example.test", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("no such user", res.stderr)
        res = self.mr.run("mailbox", "add", INFO, check=False)
        self.assertNotEqual(res.returncode, 0)

    def test_namespace_list_select_fetch(self):
        imap = self.imap()
        typ, data = imap.namespace()
        self.assertEqual(typ, "OK")
        self.assertIn(b'(("Shared/" "/"))', data[0])
        typ, caps = imap.capability()
        self.assertIn(b"ACL", caps[0].split())
        self.assertIn(b"RIGHTS=texk", caps[0].split())
        typ, boxes = imap.list()
        names = b"\n".join(boxes)
        self.assertIn(SHARED_INBOX.encode(), names)
        typ, data = imap.select(f'"{SHARED_INBOX}"')
        self.assertEqual(typ, "OK")
        self.assertGreaterEqual(int(data[0]), 2)  # other tests add more
        typ, data = imap.fetch("1:2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = b"".join(part[1] for part in data if isinstance(part, tuple))
        self.assertIn(b"first order", subjects)
        self.assertIn(b"second order", subjects)
        typ, data = imap.search(None, "SUBJECT", '"second order"')
        self.assertEqual(data[0], b"2")
        typ, data = imap.fetch("2", "(BODY[TEXT])")
        self.assertIn(b"body of second order", data[0][1])
        imap.close()

    def test_rights_of_a_read_only_grantee(self):
        r = self.raw(BOB, BOB_PASSWORD)
        lines, tagged = r.command("a", f'SELECT "{SHARED_INBOX}"')
        self.assertTrue(tagged.startswith("a OK [READ-ONLY]"), tagged)
        self.assertTrue(r.command("b", "STORE 1 +FLAGS (\\Deleted)")[1].startswith("b NO"))
        self.assertTrue(r.command("c", "EXPUNGE")[1].startswith("c NO"))
        lines, tagged = r.command("d", f'MYRIGHTS "{SHARED_INBOX}"')
        self.assertIn(f'* MYRIGHTS {SHARED_INBOX} lr', lines)
        self.assertTrue(r.command("e", f'APPEND "{SHARED_INBOX}" {{5+}}\r\nhello')[1].startswith("e NO [NOPERM]"))
        self.assertTrue(r.command("f", f'SETACL "{SHARED_INBOX}" {CAROL} lr')[1].startswith("f NO [NOPERM]"))
        # carol has no grant at all: the mailbox does not exist for her.
        c = self.raw(CAROL, CAROL_PASSWORD)
        self.assertTrue(c.command("a", f'SELECT "{SHARED_INBOX}"')[1].startswith("a NO [NONEXISTENT]"))
        self.assertTrue(c.command("b", f'STATUS "{SHARED_INBOX}" (MESSAGES)')[1].startswith("b NO"))
        lines, tagged = c.command("c", 'LIST "" *')
        self.assertFalse([l for l in lines if "Shared/" in l], lines)

    def test_acl_commands_round_trip_and_bad_input(self):
        r = self.raw(USER, PASSWORD)
        self.assertTrue(r.command("a", f"CREATE Team")[1].startswith("a OK"))
        self.assertTrue(r.command("b", f"SETACL Team {BOB} lrs")[1].startswith("b OK"))
        self.assertTrue(r.command("c", f"SETACL Team {BOB} +w")[1].startswith("c OK"))
        lines, tagged = r.command("d", "GETACL Team")
        self.assertIn(f"* ACL Team {USER} lrswipkxtea {BOB} lrsw", lines)
        lines, tagged = r.command("e", f"LISTRIGHTS Team {BOB}")
        self.assertIn(f'* LISTRIGHTS Team {BOB} "" l r s w i p k x t e a', lines)
        lines, tagged = r.command("f", "MYRIGHTS Team")
        self.assertIn("* MYRIGHTS Team lrswipkxtea", lines)
        # bob sees alice's folder in the shared namespace.
        b = self.raw(BOB, BOB_PASSWORD)
        lines, _ = b.command("a", 'LIST "" "Shared/*"')
        self.assertTrue([l for l in lines if f"Shared/{USER}/Team" in l], lines)
        self.assertTrue(b.command("b", f'SELECT "Shared/{USER}/Team"')[1].startswith("b OK [READ-WRITE]"))
        self.assertTrue(r.command("g", f"DELETEACL Team {BOB}")[1].startswith("g OK"))
        self.assertTrue(b.command("c", f'STATUS "Shared/{USER}/Team" (MESSAGES)')[1].startswith("c NO [NONEXISTENT]"))
        # Bad input: clear NO/BAD, the session goes on.
        self.assertTrue(r.command("h", f"SETACL Team {BOB} lrz")[1].startswith("h BAD"))
        self.assertTrue(r.command("i", "SETACL Team ghost@example.test lr")[1].startswith("i NO [CANNOT] No such user"))
        self.assertTrue(r.command("j", f"SETACL Nowhere {BOB} lr")[1].startswith("j NO [NONEXISTENT]"))
        self.assertTrue(r.command("k", "SETACL Team anyone lr")[1].startswith("k NO [CANNOT]"))
        self.assertTrue(r.command("l", "GETACL")[1].startswith("l BAD"))
        self.assertTrue(r.command("m", "NOOP")[1].startswith("m OK"))

    def test_utf8_accept_lists_and_selects_a_shared_utf8_folder(self):
        # alice (k on info@) makes a folder with a non-ASCII name in info@'s account; bob,
        # with a grant, sees it under Shared/ in UTF-8 after ENABLE UTF8=ACCEPT (RFC 6855
        # §3) and selects it by that name; before ENABLE it is modified UTF-7.
        folder = "Gr\u00fc\u00dfe"
        shared = f"Shared/{INFO}/{folder}"
        a = self.raw(USER, PASSWORD)
        self.assertTrue(a.command("e", "ENABLE UTF8=ACCEPT")[1].startswith("e OK"))
        self.assertTrue(a.command("c", f'CREATE "{shared}"')[1].startswith("c OK"))
        self.addCleanup(a.command, "d", f'DELETE "{shared}"')
        b = self.raw(BOB, BOB_PASSWORD)
        lines, _ = b.command("a", f'LIST "" "Shared/{INFO}/*"')
        self.assertIn(f'* LIST (\\HasNoChildren) "/" "Shared/{INFO}/Gr&APwA3w-e"', lines)
        self.assertTrue(b.command("e", "ENABLE UTF8=ACCEPT")[1].startswith("e OK"))
        lines, _ = b.command("b", f'LIST "" "Shared/{INFO}/*"')
        self.assertIn(f'* LIST (\\HasNoChildren) "/" "{shared}"', lines)
        lines, _ = b.command("s", f'STATUS "{shared}" (MESSAGES)')
        self.assertIn(f'* STATUS "{shared}" (MESSAGES 0)', lines)
        lines, tagged = b.command("x", f'SELECT "{shared}"')
        self.assertTrue(tagged.startswith("x OK [READ-ONLY]"), (lines, tagged))
        self.assertIn("* 0 EXISTS", lines)
        # IMAP4rev2 too: SELECT's LIST response names the folder as the client does.
        self.assertTrue(b.command("u", "UNSELECT")[1].startswith("u OK"))  # ENABLE: authenticated state
        self.assertTrue(b.command("r", "ENABLE IMAP4rev2")[1].startswith("r OK"))
        lines, tagged = b.command("y", f'EXAMINE "{shared}"')
        self.assertTrue(tagged.startswith("y OK [READ-ONLY]"), (lines, tagged))
        self.assertIn(f'* LIST (\\HasNoChildren) "/" "{shared}"', lines)
        # bob's own subscription to it shows in that LIST response: its attributes "MUST be
        # accurate" (RFC 9051 §6.3.2), as they are for his own mailboxes.
        self.assertTrue(b.command("sb", f'SUBSCRIBE "{shared}"')[1].startswith("sb OK"))
        self.addCleanup(b.command, "ub", f'UNSUBSCRIBE "{shared}"')
        lines, tagged = b.command("z", f'EXAMINE "{shared}"')
        self.assertTrue(tagged.startswith("z OK [READ-ONLY]"), (lines, tagged))
        self.assertIn(f'* LIST (\\HasNoChildren \\Subscribed) "/" "{shared}"', lines)

    def test_idle_sees_another_grantees_append_and_a_delivery(self):
        b = self.raw(BOB, BOB_PASSWORD)
        lines, tagged = b.command("s", f'EXAMINE "{SHARED_INBOX}"')
        self.assertTrue(tagged.startswith("s OK"), tagged)
        exists = [int(l.split()[1]) for l in lines if l.endswith(" EXISTS")][0]
        b.send("i IDLE\r\n")
        self.assertTrue(b.line().startswith("+"))
        alice = self.imap()
        typ, _ = alice.append(f'"{SHARED_INBOX}"', None, None, message("appended by alice"))
        self.assertEqual(typ, "OK")
        b.sock.settimeout(5)
        self.assertEqual(b.line(), f"* {exists + 1} EXISTS")
        # A delivery to info@ reaches bob's IDLE too (deliverd wakes info@'s sessions).
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=15) as s:
            s.sendmail("sender@client.test", [INFO], message("third order"))
        b.sock.settimeout(10)
        line = b.line()
        while "RECENT" in line:
            line = b.line()
        self.assertEqual(line, f"* {exists + 2} EXISTS")
        b.send("DONE\r\n")
        self.assertTrue(b.until("i")[1].startswith("i OK"))

    def test_private_seen_per_grantee(self):
        def unseen(r, tag):
            lines, tagged = r.command(tag, f'STATUS "{SALES_INBOX}" (UNSEEN)')
            self.assertTrue(tagged.startswith(tag + " OK"), tagged)
            return int(lines[0].rsplit("UNSEEN ", 1)[1].rstrip(")"))

        def flags(r, tag, n):
            lines, tagged = r.command(tag, f"FETCH {n} (FLAGS)")
            self.assertTrue(tagged.startswith(tag + " OK"), tagged)
            return [l for l in lines if l.startswith(f"* {n} FETCH")][0]

        def search_unseen(r, tag):
            lines, tagged = r.command(tag, "SEARCH UNSEEN")
            self.assertTrue(tagged.startswith(tag + " OK"), tagged)
            return [l for l in lines if l.startswith("* SEARCH")][0]

        alice, alice2, bob = self.raw(USER, PASSWORD), self.raw(USER, PASSWORD), self.raw(BOB, BOB_PASSWORD)
        self.assertEqual(unseen(alice, "a0"), 2)
        self.assertEqual(unseen(bob, "b0"), 2)
        for r in (alice, alice2, bob):
            lines, tagged = r.command("s", f'SELECT "{SALES_INBOX}"')
            self.assertTrue(tagged.startswith("s OK [READ-WRITE]"), tagged)
            self.assertTrue([l for l in lines if l.startswith("* OK [UNSEEN 1]")], lines)
        # alice reads message 1: \Seen is set for her, and her other session is told.
        lines, tagged = alice.command("a1", "FETCH 1 (BODY[])")
        self.assertTrue(tagged.startswith("a1 OK"), tagged)
        self.assertIn("FLAGS (\\Seen", "".join(lines))  # after the literal
        self.assertIn("\\Seen", flags(alice, "a2", 1))
        lines, tagged = alice2.command("c1", "NOOP")
        self.assertTrue([l for l in lines if l.startswith("* 1 FETCH") and "\\Seen" in l], lines)
        # bob does not see it, and is not told of it.
        lines, tagged = bob.command("b1", "NOOP")
        self.assertFalse([l for l in lines if "FETCH" in l], lines)
        self.assertNotIn("\\Seen", flags(bob, "b2", 1))
        self.assertEqual(search_unseen(alice, "a3"), "* SEARCH 2")
        self.assertEqual(search_unseen(bob, "b3"), "* SEARCH 1 2")
        self.assertEqual(unseen(alice, "a4"), 1)
        self.assertEqual(unseen(bob, "b4"), 2)
        # bob marks message 2: his view changes, alice's does not.
        lines, tagged = bob.command("b5", "STORE 2 +FLAGS (\\Seen)")
        self.assertTrue(tagged.startswith("b5 OK"), tagged)
        self.assertTrue([l for l in lines if l.startswith("* 2 FETCH") and "\\Seen" in l], lines)
        lines, tagged = alice.command("a5", "NOOP")
        self.assertFalse([l for l in lines if "FETCH" in l], lines)
        self.assertNotIn("\\Seen", flags(alice, "a6", 2))
        self.assertEqual(search_unseen(bob, "b6"), "* SEARCH 1")
        self.assertEqual(unseen(alice, "a7"), 1)
        self.assertEqual(unseen(bob, "b7"), 1)
        # A new session shows each their own first unseen message.
        fresh = self.raw(BOB, BOB_PASSWORD)
        lines, _ = fresh.command("s", f'EXAMINE "{SALES_INBOX}"')
        self.assertTrue([l for l in lines if l.startswith("* OK [UNSEEN 1]")], lines)
        fresh = self.raw(USER, PASSWORD)
        lines, _ = fresh.command("s", f'EXAMINE "{SALES_INBOX}"')
        self.assertTrue([l for l in lines if l.startswith("* OK [UNSEEN 2]")], lines)
        # sales@'s own flags (the Maildir file names) are untouched.
        root = self.mr.user_dir(SALES)
        names = os.listdir(os.path.join(root, "cur")) + os.listdir(os.path.join(root, "new"))
        self.assertEqual(len(names), 2, names)
        self.assertFalse([n for n in names if ":2," in n and "S" in n.split(":2,", 1)[1]], names)
        # Bad input on the same path: a clear BAD, the session goes on.
        self.assertTrue(bob.command("b8", "STORE 2 +FLAGS (\\Seen")[1].startswith("b8 BAD"))
        self.assertTrue(bob.command("b9", "NOOP")[1].startswith("b9 OK"))

    def test_send_as_with_the_grant_only(self):
        self.mr.run("mailbox", "share", INFO, CAROL, "--rights", "lr", "--send-as")
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), local_hostname="client.test", timeout=15) as s:
            s.login(CAROL, CAROL_PASSWORD)
            refused = s.sendmail(INFO, [USER], message("reply from info", sender=INFO, to=USER))
            self.assertEqual(refused, {})
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), local_hostname="client.test", timeout=15) as s:
            s.login(BOB, BOB_PASSWORD)
            with self.assertRaises(smtplib.SMTPSenderRefused) as cm:
                s.sendmail(INFO, [USER], message("forged", sender=INFO, to=USER))
            self.assertEqual(cm.exception.smtp_code, 553)
            # MAIL FROM his own, From: info@: refused after the data.
            with self.assertRaises(smtplib.SMTPDataError) as cm:
                s.sendmail(BOB, [USER], message("forged header", sender=INFO, to=USER))
            self.assertEqual(cm.exception.smtp_code, 553)


if __name__ == "__main__":
    unittest.main()
