"""`mailroom import maildir` and `mailroom import imap` from the real Dovecot of
../shared/anchors/stack.sh (issue 20).

POP3 clients that leave mail on the server see the same UIDLs on mailroom as on Dovecot.

Mail is delivered to a Dovecot user through the anchor's Postfix, flagged, given a keyword,
copied into a new folder and expunged there with Python's imaplib against Dovecot; then
its Maildir is imported into a new mailroom user. Over IMAP, mailroom shows every folder
with Dovecot's UIDVALIDITY, the same UIDs, flags and keywords, and byte-identical
messages, so a client that knew the Dovecot account downloads nothing again.

The anchor stack listens on fixed ports, so this test holds the ctest resource lock
`anchor_stack`; it starts the stack when it is not running and stops it again after.
"""
import imaplib
import os
import poplib
import re
import shutil
import smtplib
import subprocess
import time
import unittest

from lib import Mailroom, wait_for_port

STACK = os.environ.get("ANCHOR_STACK") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "anchors", "stack.sh"))
PASSWORD = "import password 1"
ALICE = "alice@example.test"


def stack(*args, check=True):
    """A stack.sh command. stack.sh locks fd 9 of <root>/.lock and the daemons it starts
    inherit that fd, so once the stack is up its lock file must be replaced to be taken."""
    lock = "/var/lib/anchor-stack/.lock"
    if os.path.exists(lock):
        os.unlink(lock)
    return subprocess.run([STACK] + list(args), check=check, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)


def fetch_all(port, user, password, boxes):
    """{box: (UIDVALIDITY, [(uid, sorted flags without \\Recent, INTERNALDATE, bytes)])}."""
    out = {}
    with imaplib.IMAP4("127.0.0.1", port) as c:
        c.login(user, password)
        for box in boxes:
            typ, _ = c.select(box, readonly=True)
            assert typ == "OK", box
            uidvalidity = int(c.response("UIDVALIDITY")[1][0])
            typ, data = c.uid("FETCH", "1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
            messages = []
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head = item[0].decode()
                uid = int(head.split("UID ")[1].split()[0])
                flags = tuple(sorted(f for f in head.split("FLAGS (")[1].split(")")[0].split() if f != "\\Recent"))
                date = re.search(r'INTERNALDATE "([^"]+)"', head).group(1)
                messages.append((uid, flags, date, item[1]))
            out[box] = (uidvalidity, messages)
    return out


def mailbox_state(port, user, password, boxes):
    """{box: (UIDVALIDITY, {uid: (flags, bytes)})}: what a Maildir import keeps."""
    return {box: (validity, {uid: (list(flags), body) for uid, flags, _, body in messages})
            for box, (validity, messages) in fetch_all(port, user, password, boxes).items()}


def contents(port, user, password, boxes):
    """{box: sorted [(bytes, flags, INTERNALDATE)]}: what an IMAP copy keeps (the UIDs are
    the new server's own)."""
    return {box: sorted((body, flags, date) for _, flags, date, body in messages)
            for box, (_, messages) in fetch_all(port, user, password, boxes).items()}


def pop3_uidls(port, user, password):
    """The maildrop's UIDL listing: [message number, UIDL] pairs."""
    p = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        p.user(user)
        p.pass_(password)
        return [line.decode().split() for line in p.uidl()[1]]
    finally:
        p.quit()


@unittest.skipUnless(os.path.exists(STACK), "the anchor stack (../shared/anchors/stack.sh) is not beside the checkout")
class ImportFromDovecot(unittest.TestCase):
    def setUp(self):
        self.started_stack = stack("status", check=False).returncode != 0
        if self.started_stack:
            stack("up")
        self.env = dict(line.split("=", 1) for line in subprocess.run(
            [STACK, "env"], check=True, capture_output=True, text=True).stdout.splitlines() if "=" in line)
        self.old = f"import{os.getpid()}x{time.monotonic_ns() % 10**9}@{self.env['MR_DOMAIN']}"
        stack("adduser", self.old, PASSWORD)
        self.mr = Mailroom()
        self.mr.allow_plaintext_on_loopback()

    def tearDown(self):
        self.mr.stop()
        log = self.mr.log_text() if os.path.exists(self.mr.log_path) else ""
        self.mr.close()
        stack("deluser", self.old, check=False)
        local, domain = self.old.split("@")
        shutil.rmtree(os.path.join(self.env["MR_MAILDIR_ROOT"], domain, local), ignore_errors=True)
        if self.started_stack:
            stack("down", check=False)
        self.assertNotIn("AddressSanitizer", log)

    def port(self, key):
        return int(self.env[key].rsplit(":", 1)[1])

    def fill_dovecot(self):
        with smtplib.SMTP("127.0.0.1", self.port("MR_SMTP"), timeout=30) as s:
            for i in range(8):
                s.sendmail("sender@client.test", [self.old],
                           f"From: sender@client.test\r\nTo: {self.old}\r\nSubject: old {i}\r\n"
                           f"Message-ID: <old.{i}@client.test>\r\n\r\nbody {i}\r\n" + "x" * (100 * i) + "\r\n")
        deadline = time.time() + 30
        with imaplib.IMAP4("127.0.0.1", self.port("MR_IMAP")) as c:
            c.login(self.old, PASSWORD)
            while time.time() < deadline:
                typ, data = c.select("INBOX")
                if int(data[0]) == 8:
                    break
                time.sleep(0.2)
            self.assertEqual(int(data[0]), 8)
            c.uid("STORE", "1:3", "+FLAGS", r"(\Seen)")
            c.uid("STORE", "2", "+FLAGS", r"(\Answered $Important)")
            c.uid("STORE", "4", "+FLAGS", r"(\Flagged)")
            c.create("Work")
            c.create("Archive")
            c.uid("COPY", "5:8", "Work")
            c.select("Work")
            c.uid("STORE", "4", "+FLAGS", r"(\Deleted)")
            c.expunge()  # Work's UIDNEXT (5) stays past its highest UID (3)
            c.uid("COPY", "2", "Archive")

    def test_import_keeps_uids_flags_keywords_and_bytes(self):
        self.fill_dovecot()
        boxes = ("INBOX", "Work", "Archive")
        before = mailbox_state(self.port("MR_IMAP"), self.old, PASSWORD, boxes)
        uidl_before = pop3_uidls(self.port("MR_POP3"), self.old, PASSWORD)
        self.assertEqual(len(uidl_before), 8)
        self.assertEqual(sorted(before["Work"][1]), [1, 2, 3])

        self.mr.add_user(ALICE, PASSWORD)
        local, domain = self.old.split("@")
        maildir = os.path.join(self.env["MR_MAILDIR_ROOT"], domain, local, "Maildir")
        res = self.mr.run("import", "maildir", maildir, ALICE)
        self.assertIn("copied 12 messages", res.stdout)
        self.assertIn("3 folders kept their UIDVALIDITY and UIDs", res.stdout)
        self.assertEqual(self.mr.run("verify").returncode, 0)

        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("imap")))
        after = mailbox_state(self.mr.port("imap"), ALICE, PASSWORD, boxes)
        self.assertEqual(after, before)
        self.assertEqual(pop3_uidls(self.mr.port("pop3"), ALICE, PASSWORD), uidl_before)
        with imaplib.IMAP4("127.0.0.1", self.mr.port("imap")) as c:
            c.login(ALICE, PASSWORD)
            c.select("Work")
            # New mail after the import continues above Dovecot's UIDNEXT.
            typ, data = c.append("Work", None, None, b"Subject: new\r\n\r\nnew\r\n")
            self.assertEqual(typ, "OK")
            m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
            self.assertIsNotNone(m, data)
            self.assertEqual(int(m.group(1)), before["Work"][0])
            new_uid = int(m.group(2))
            self.assertEqual(new_uid, 5)
        # A reindex keeps the imported UIDLs (they are only in the index); it numbers the messages in
        # delivery order, and POP3 clients go by UIDL, not by number.
        self.mr.stop()
        self.mr.run("reindex", ALICE)
        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("pop3")))
        self.assertEqual(sorted(u for _, u in pop3_uidls(self.mr.port("pop3"), ALICE, PASSWORD)),
                         sorted(u for _, u in uidl_before))

    def import_imap(self, password_file, check=True):
        return self.mr.run("import", "imap", "--host", "127.0.0.1", "--port", str(self.port("MR_IMAP")),
                           "--tls", "none", "--user", self.old, "--password-file", password_file, ALICE,
                           check=check)

    def test_import_imap_copies_folders_flags_dates_and_only_what_is_new(self):
        self.fill_dovecot()
        boxes = ("INBOX", "Work", "Archive")
        self.mr.add_user(ALICE, PASSWORD)
        password_file = os.path.join(self.mr.tmp, "old-password")
        with open(password_file, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(password_file, 0o600)

        res = self.import_imap(password_file)
        self.assertIn("12 messages", res.stdout)
        self.assertNotIn(PASSWORD, res.stdout + res.stderr)
        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("imap")))
        self.assertEqual(contents(self.mr.port("imap"), ALICE, PASSWORD, boxes),
                         contents(self.port("MR_IMAP"), self.old, PASSWORD, boxes))

        # Again: nothing new, nothing copied twice; then only the one new message.
        self.assertIn(": 0 messages", self.import_imap(password_file).stdout)
        with imaplib.IMAP4("127.0.0.1", self.port("MR_IMAP")) as c:
            c.login(self.old, PASSWORD)
            c.append("Work", r"(\Seen Later)", imaplib.Time2Internaldate(1790000000),
                     b"Subject: late\r\n\r\narrived after the first import\r\n")
        self.assertIn(": 1 messages", self.import_imap(password_file).stdout)
        self.assertEqual(contents(self.mr.port("imap"), ALICE, PASSWORD, boxes),
                         contents(self.port("MR_IMAP"), self.old, PASSWORD, boxes))

        # Interrupted before its progress was saved: the messages stored are not stored again.
        state = os.path.join(self.mr.dir, "data", "import", ALICE)
        self.assertEqual(os.stat(os.path.join(self.mr.dir, "data", "import")).st_mode & 0o077, 0)
        for name in os.listdir(state):
            os.unlink(os.path.join(state, name))
        res = self.import_imap(password_file)
        self.assertIn(": 0 messages", res.stdout)
        self.assertIn("13 were already here", res.stdout)

        # A wrong password: refused, said so, and the password is not echoed.
        with open(password_file, "w") as f:
            f.write("not the password\n")
        res = self.import_imap(password_file, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("login refused", res.stderr)
        self.assertNotIn("not the password", res.stderr + res.stdout)

    def test_import_refuses_a_user_with_mail(self):
        self.fill_dovecot()
        self.mr.add_user(ALICE, PASSWORD)
        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("smtp")))
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            s.sendmail("sender@client.test", [ALICE], "Subject: here\r\n\r\nalready\r\n")
        deadline = time.time() + 20
        while time.time() < deadline and not os.listdir(os.path.join(self.mr.user_dir(ALICE), "new")):
            time.sleep(0.1)
        local, domain = self.old.split("@")
        maildir = os.path.join(self.env["MR_MAILDIR_ROOT"], domain, local, "Maildir")
        res = self.mr.run("import", "maildir", maildir, ALICE, check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("already hold mail", res.stderr)
        res = self.mr.run("import", "maildir", maildir, "nobody@example.test", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no such user", res.stderr)


if __name__ == "__main__":
    unittest.main()
