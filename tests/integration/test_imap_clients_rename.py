"""imapd RENAME (RFC 3501 §6.3.5, rfc3501.txt:2060) and mailbox changes seen by a second
concurrent session (issue 6): INBOX rename semantics, sub-folders renamed along, superiors
created, UIDs of a former incarnation never reused, modified UTF-7 names, the errors, and a
session whose selected mailbox is renamed away by another session.

Cross-session message updates (EXISTS, FETCH FLAGS, EXPUNGE at NOOP and in IDLE) are in
test_imap_updates.py; here the second session changes the mailbox list.
"""
import imaplib
import re
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase, RawImap


def uid_state(c, mailbox):
    """(UIDVALIDITY, UIDNEXT, MESSAGES) of `mailbox` via STATUS."""
    typ, data = c.status(mailbox, "(UIDVALIDITY UIDNEXT MESSAGES)")
    assert typ == "OK", data
    text = data[0].decode()
    return tuple(int(re.search(key + r" (\d+)", text).group(1)) for key in ("UIDVALIDITY", "UIDNEXT", "MESSAGES"))


def lines_of(untagged, prefix):
    return [line for line in untagged if line.startswith(prefix)]


def without_recent(untagged):
    """Untagged updates without "* n RECENT", which imapd may or may not send along."""
    return [line for line in untagged if not line.endswith(" RECENT")]


class ImapRenameTest(InstanceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One session for the whole class: each login costs an argon2id check.
        cls.c = imaplib.IMAP4("127.0.0.1", cls.mr.port("imap"), timeout=20)
        cls.c.login(USER, PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.c.logout()
        super().tearDownClass()

    def names(self):
        typ, data = self.c.list()
        self.assertEqual(typ, "OK", data)
        out = {}
        for line in data:
            m = re.match(rb'\(([^)]*)\) "/" (.*)$', line)
            self.assertIsNotNone(m, line)
            out[m.group(2).decode().strip('"')] = m.group(1).decode().split()
        return out

    def subjects(self, mailbox):
        typ, data = self.c.select(mailbox, readonly=True)
        self.assertEqual(typ, "OK", data)
        if int(data[0]) == 0:
            return []
        typ, data = self.c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(typ, "OK", data)
        out = []
        for item in data:
            if isinstance(item, tuple):
                subject = item[1].decode().strip().removeprefix("Subject: ")
                # The stored flags: \Recent is the session's (EXAMINE shows it, claims nothing).
                flags = [f.decode() for f in imaplib.ParseFlags(item[0]) if f != b"\\Recent"]
                out.append((subject, sorted(flags)))
        self.c.unselect()
        return out

    def append(self, mailbox, subject, flags=None):
        typ, data = self.c.append(mailbox, flags, None, f"Subject: {subject}\r\n\r\n{subject}\r\n".encode())
        self.assertEqual(typ, "OK", data)
        return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))

    def rename(self, old, new):
        return self.c._simple_command("RENAME", old, new)

    def test_rename_inbox_moves_its_messages_and_leaves_it_empty(self):
        raw = RawImap(self.mr.port("imap"))
        self.addCleanup(raw.close)
        raw.command("l", f'LOGIN {USER} "{PASSWORD}"')
        self.assertEqual(self.c.create("INBOX/Child")[0], "OK")
        self.append("INBOX/Child", "child stays")
        self.append("INBOX", "first", r"(\Seen)")
        last = self.append("INBOX", "second", r"(\Flagged)")
        validity, _, _ = uid_state(self.c, "INBOX")
        # A second session has INBOX selected while it is renamed.
        self.assertTrue(raw.command("s", "SELECT INBOX")[1].startswith("s OK"))

        self.assertEqual(self.rename("INBOX", '"Old Mail"')[0], "OK")
        names = self.names()
        self.assertIn("INBOX", names)
        self.assertIn("Old Mail", names)
        self.assertIn("INBOX/Child", names, "INBOX's inferiors are unaffected (rfc3501.txt:2102)")
        self.assertEqual(self.subjects('"Old Mail"'), [("first", ["\\Seen"]), ("second", ["\\Flagged"])])
        self.assertEqual(self.subjects("INBOX"), [])
        self.assertEqual(self.subjects('"INBOX/Child"'), [("child stays", [])])

        # The selected session learns that its two messages left.
        untagged, done = raw.command("n", "NOOP")
        self.assertTrue(done.startswith("n OK"), done)
        self.assertEqual(without_recent(untagged), ["* 1 EXPUNGE", "* 1 EXPUNGE"])
        # INBOX's UIDs are not reused for new mail (rfc3501.txt:2094), unless UIDVALIDITY changed.
        uid = self.append("INBOX", "after rename")
        new_validity, _, messages = uid_state(self.c, "INBOX")
        self.assertEqual(messages, 1)
        self.assertTrue(new_validity != validity or uid > last, (validity, new_validity, last, uid))
        untagged, _ = raw.command("n2", "NOOP")
        self.assertEqual(without_recent(untagged), ["* 1 EXISTS"])

        # Renaming INBOX again to an existing name fails and moves nothing.
        typ, data = self.rename("INBOX", '"Old Mail"')
        self.assertEqual(typ, "NO", data)
        self.assertEqual(uid_state(self.c, "INBOX")[2], 1)

    def test_rename_takes_sub_folders_along(self):
        for name in ("Work", "Work/2025", "Work/2025/Q1", "Workshop"):
            self.assertEqual(self.c.create(name)[0], "OK", name)
            self.append(name, f"in {name}")
        self.assertEqual(self.c.subscribe("Work/2025")[0], "OK")
        old_state = uid_state(self.c, "Work/2025")

        self.assertEqual(self.rename("Work", "Jobs")[0], "OK")
        names = self.names()
        for gone in ("Work", "Work/2025", "Work/2025/Q1"):
            self.assertNotIn(gone, names)
        self.assertIn("Workshop", names, "a name that merely starts with the old one stays")
        self.assertIn("\\HasChildren", names["Jobs"])
        self.assertIn("\\HasChildren", names["Jobs/2025"])
        self.assertIn("\\HasNoChildren", names["Jobs/2025/Q1"])
        self.assertEqual(self.subjects("Jobs/2025/Q1"), [("in Work/2025/Q1", [])])
        self.assertEqual(self.subjects("Jobs"), [("in Work", [])])
        self.assertEqual(self.subjects("Workshop"), [("in Workshop", [])])
        self.assertEqual(uid_state(self.c, "Jobs/2025"), old_state)
        typ, data = self.c.lsub('""', "Jobs*")
        self.assertIn(b'"/" "Jobs/2025"', b"\n".join(data))

        # A new mailbox with an old name does not reuse the former incarnation's UIDs.
        self.assertEqual(self.c.create("Work/2025")[0], "OK")
        validity, uidnext, messages = uid_state(self.c, "Work/2025")
        self.assertEqual(messages, 0)
        self.assertTrue(validity != old_state[0] or uidnext >= old_state[1], (old_state, validity, uidnext))

    def test_rename_creates_missing_superiors(self):
        self.assertEqual(self.c.create("Loose")[0], "OK")
        self.append("Loose", "loose")
        self.assertEqual(self.rename("Loose", "Filed/By/Year")[0], "OK")
        names = self.names()
        self.assertNotIn("Loose", names)
        for name in ("Filed", "Filed/By", "Filed/By/Year"):
            self.assertIn(name, names)
        self.assertEqual(self.subjects("Filed/By/Year"), [("loose", [])])

    def test_rename_international_names(self):
        # "Entwürfe" and "Brouillons/été" in modified UTF-7 (RFC 3501 §5.1.3).
        self.assertEqual(self.c.create("Entw&APw-rfe")[0], "OK")
        self.append("Entw&APw-rfe", "umlaut")
        self.assertEqual(self.rename("Entw&APw-rfe", "Brouillons/&AOk-t&AOk-")[0], "OK")
        names = self.names()
        self.assertNotIn("Entw&APw-rfe", names)
        self.assertIn("Brouillons/&AOk-t&AOk-", names)
        self.assertEqual(self.subjects("Brouillons/&AOk-t&AOk-"), [("umlaut", [])])

    def test_rename_errors(self):
        self.assertEqual(self.c.create("Keep")[0], "OK")
        self.assertEqual(self.c.create("Other")[0], "OK")
        cases = [("Missing", "Anything", "NONEXISTENT"),
                 ("Keep", "Other", "ALREADYEXISTS"),
                 ("Keep", "INBOX", None),
                 ("Keep", "Keep/Inside", None),
                 ("Keep", "../escape", None)]
        for old, new, code in cases:
            with self.subTest(old=old, new=new):
                typ, data = self.rename(old, new)
                self.assertEqual(typ, "NO", data)
                if code:
                    self.assertIn(f"[{code}]".encode(), data[0])
        names = self.names()
        self.assertIn("Keep", names)
        self.assertIn("Other", names)
        self.assertNotIn("Keep/Inside", names)

    def test_delete_keeps_the_hierarchy_reachable(self):
        # DELETE must not remove inferiors (rfc3501.txt:1972); imapd refuses a mailbox that
        # has some, so LIST "%" never loses the way to them.
        self.assertEqual(self.c.create("Tree/Leaf")[0], "OK")
        self.append("Tree", "in tree")
        typ, data = self.c.delete("Tree")
        self.assertEqual(typ, "NO", data)
        self.assertIn(b"[CANNOT]", data[0])
        typ, data = self.c.list('""', "%")
        self.assertIn(b'(\\HasChildren) "/" "Tree"', b"\n".join(data))
        self.assertEqual(self.subjects("Tree"), [("in tree", [])])
        self.assertEqual(self.c.delete("Tree/Leaf")[0], "OK")
        self.assertEqual(self.c.delete("Tree")[0], "OK")
        self.assertNotIn("Tree", self.names())

    def test_second_session_sees_mailbox_changes(self):
        raw = RawImap(self.mr.port("imap"))
        self.addCleanup(raw.close)
        raw.command("l", f'LOGIN {USER} "{PASSWORD}"')
        self.assertEqual(self.c.create("Live")[0], "OK")
        self.append("Live", "one")
        self.assertTrue(raw.command("s", "SELECT Live")[1].startswith("s OK"))

        # Changes by the first session: a sibling appears, the selected one gets mail.
        self.assertEqual(self.c.create("Live2")[0], "OK")
        self.append("Live", "two")
        untagged, done = raw.command("l1", 'LIST "" "Live*"')
        self.assertEqual(lines_of(untagged, "* LIST"),
                         ['* LIST (\\HasNoChildren) "/" "Live"', '* LIST (\\HasNoChildren) "/" "Live2"'])
        # The new message is reported at the LIST already (any command may) or at NOOP.
        untagged += raw.command("n1", "NOOP")[0]
        self.assertEqual(lines_of(untagged, "* 2 EXISTS"), ["* 2 EXISTS"])

        # The selected mailbox is renamed away by the other session: the selected session
        # must get answers, not hang or lose the server, and find the mail under the new name.
        self.assertEqual(self.rename("Live", "Dead")[0], "OK")
        untagged, done = raw.command("n2", "NOOP")
        self.assertRegex(done, r"^n2 (OK|NO|BAD)")
        untagged, done = raw.command("s2", "SELECT Dead")
        self.assertTrue(done.startswith("s2 OK"), done)
        self.assertIn("* 2 EXISTS", untagged)
        untagged, done = raw.command("l2", 'LIST "" "Live*"')
        self.assertEqual(lines_of(untagged, "* LIST"), ['* LIST (\\HasNoChildren) "/" "Live2"'])
        # And a DELETE by the other session.
        self.assertEqual(self.c.delete("Live2")[0], "OK")
        untagged, done = raw.command("st", "STATUS Live2 (MESSAGES)")
        self.assertTrue(done.startswith("st NO [NONEXISTENT]"), done)


if __name__ == "__main__":
    unittest.main()
