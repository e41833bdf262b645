"""`mailroom backup`, `restore`, `verify` and `export` (issue 20): a backup taken while SMTP clients
keep sending holds every message acknowledged before it began; after the data dir is
deleted and restored, IMAP shows the same UIDVALIDITY, UIDs and flags; a second backup
links unchanged files instead of copying them; nothing in a backup is readable by other
accounts; `verify` names a missing message file and a file without an index row;
`export` writes Maildir++ with Dovecot's uidlist (our UIDs) and mboxrd that Python's
mailbox module reads back.
"""
import imaplib
import mailbox
import os
import shutil
import smtplib
import threading
import time
import unittest

from lib import Mailroom, wait_for_port
from deliver_util import inbox_files, message_ids_in, wait_until

ALICE = "alice@example.test"
BOB = "bob@example.test"
PASSWORD = "backup password 1"


def message(i, tag, lines=1):
    return (f"From: sender@client.test\r\nTo: {ALICE}\r\nSubject: {tag} {i}\r\n"
            f"Message-ID: <{tag}.{i}@client.test>\r\n\r\n" + f"body {i}\r\n" * lines)


class Sender(threading.Thread):
    """Sends to alice and bob until stopped; remembers when each 250 came. Every third
    message is large enough to be queued as a spool file rather than inside queue.db."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.acked = []  # (time of the 250, Message-ID)
        self.error = None

    def run(self):
        i = 0
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as s:
                while not self.stop.is_set():
                    s.sendmail("sender@client.test", [ALICE, BOB],
                               message(i, "load", 20000 if i % 3 == 0 else 1))
                    self.acked.append((time.time(), f"<load.{i}@client.test>"))
                    i += 1
        except Exception as e:  # reported by the test
            self.error = e


class Backup(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        self.mr.allow_plaintext_on_loopback()
        self.mr.add_user(ALICE, PASSWORD)
        self.mr.add_user(BOB, PASSWORD)
        self.backups = os.path.join(self.mr.tmp, "backups")
        self.data = os.path.join(self.mr.dir, "data")
        self.start()

    def tearDown(self):
        self.mr.stop()
        log = self.mr.log_text()
        self.mr.close()
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error", log)

    def start(self):
        self.mr.up()
        for name in ("smtp", "imap"):
            self.assertTrue(wait_for_port(self.mr.port(name)), name)

    def imap_state(self, address):
        """{mailbox: (UIDVALIDITY, {uid: flags})} for INBOX and Archive."""
        state = {}
        with imaplib.IMAP4("127.0.0.1", self.mr.port("imap")) as c:
            c.login(address, PASSWORD)
            for box in ("INBOX", "Archive"):
                c.select(box, readonly=True)
                uidvalidity = c.response("UIDVALIDITY")[1][0]
                typ, data = c.uid("FETCH", "1:*", "(FLAGS)")
                flags = {}
                for item in data:
                    if item is None:
                        continue
                    text = item.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    flags[uid] = sorted(text.split("FLAGS (")[1].split(")")[0].split())
                state[box] = (uidvalidity, flags)
        return state

    def backup(self):
        res = self.mr.run("backup", self.backups)
        self.assertIn("backup ", res.stdout)
        return res.stdout

    def test_backup_under_load_restores_every_acknowledged_message(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            for i in range(30):
                s.sendmail("sender@client.test", [ALICE], message(i, "first"))
        wait_until(lambda: len(inbox_files(self.mr, ALICE)) == 30, timeout=30, what="30 delivered")
        with imaplib.IMAP4("127.0.0.1", self.mr.port("imap")) as c:
            c.login(ALICE, PASSWORD)
            c.select("INBOX")
            c.uid("STORE", "1:10", "+FLAGS", r"(\Seen $Important)")
            c.uid("STORE", "5", "+FLAGS", r"(\Flagged)")
            c.uid("COPY", "20:25", "Archive")
        before = self.imap_state(ALICE)

        sender = Sender(self.mr.port("smtp"))
        sender.start()
        wait_until(lambda: len(sender.acked) >= 20, timeout=30, what="load running")
        began = time.time()
        out = self.backup()
        time.sleep(0.3)
        sender.stop.set()
        sender.join(timeout=30)
        self.assertIsNone(sender.error)
        acked_before = {mid for t, mid in sender.acked if t < began}
        self.assertGreater(len(acked_before), 0)
        self.assertIn("(full)", out)

        # Nothing in the backup is readable by other accounts (the certificate is public,
        # but the directories above it are closed to them too).
        self.assertEqual(os.stat(self.backups).st_mode & 0o007, 0)
        for root, dirs, files in os.walk(self.backups):
            for name in dirs + files:
                path = os.path.join(root, name)
                if os.path.islink(path) or name == "tls-cert.pem":
                    continue
                self.assertEqual(os.lstat(path).st_mode & 0o007, 0, path)

        self.mr.stop()
        shutil.rmtree(self.data)
        res = self.mr.run("restore", self.backups)
        self.assertIn("files copied", res.stdout)
        self.assertEqual(self.mr.run("verify").returncode, 0)
        self.start()

        after = self.imap_state(ALICE)
        for box in ("INBOX", "Archive"):
            self.assertEqual(after[box][0], before[box][0], f"{box} UIDVALIDITY")
            for uid, flags in before[box][1].items():
                self.assertEqual(after[box][1].get(uid), flags, f"{box} uid {uid}")
        # Every message acknowledged before the backup began reaches both users (from
        # the restored mailbox or the restored queue).
        for address in (ALICE, BOB):
            wait_until(lambda: acked_before <= set(message_ids_in(inbox_files(self.mr, address))),
                       timeout=60, what=f"every acknowledged message in {address}'s INBOX")

    def test_second_backup_links_unchanged_files(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            for i in range(5):
                s.sendmail("sender@client.test", [ALICE], message(i, "first"))
        wait_until(lambda: len(inbox_files(self.mr, ALICE)) == 5, timeout=30, what="5 delivered")
        self.assertIn("(full)", self.backup())
        first = os.path.realpath(os.path.join(self.backups, "latest"))
        time.sleep(1.1)  # a snapshot is named by its second
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            s.sendmail("sender@client.test", [ALICE], message(9, "second"))
        wait_until(lambda: len(inbox_files(self.mr, ALICE)) == 6, timeout=30, what="6 delivered")
        out = self.backup()
        self.assertIn("(incremental)", out)
        self.assertIn("1 files copied", out.replace("  ", " ").split("data: ")[1])
        second = os.path.realpath(os.path.join(self.backups, "latest"))
        self.assertNotEqual(first, second)
        rel = os.path.relpath(inbox_files(self.mr, ALICE)[0], self.data)
        a = os.stat(os.path.join(first, "data", rel))
        b = os.stat(os.path.join(second, "data", rel))
        self.assertEqual((a.st_ino, a.st_dev), (b.st_ino, b.st_dev))

    def test_restore_refuses_a_data_dir_in_use(self):
        self.backup()
        res = self.mr.run("restore", self.backups, check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("not empty", res.stderr)

    def test_verify_names_missing_and_unindexed_files(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            for i in range(3):
                s.sendmail("sender@client.test", [ALICE], message(i, "first"))
        wait_until(lambda: len(inbox_files(self.mr, ALICE)) == 3, timeout=30, what="3 delivered")
        self.mr.stop()
        self.assertIn(f"ok   {ALICE}: 6 mailboxes, 3 index rows, 3 files", self.mr.run("verify").stdout)
        files = inbox_files(self.mr, ALICE)
        os.unlink(files[0])
        stray = os.path.join(os.path.dirname(files[1]), "1700000000.M1P1Q1.stray,S=10")
        shutil.copy2(files[1], stray)
        res = self.mr.run("verify", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn(f"FAIL {ALICE}", res.stdout)
        self.assertIn("INBOX: uid 1 has no file", res.stdout)
        self.assertIn("1700000000.M1P1Q1.stray,S=10 has no index row", res.stdout)
        self.assertIn("2 problems found", res.stderr)

    def test_export_as_maildir_and_mbox(self):
        quoted = ("From: sender@client.test\r\nSubject: quoting\r\nMessage-ID: <q@client.test>\r\n\r\n"
                  "From here\r\n>From there\r\nend\r\n")
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp")) as s:
            for i in range(4):
                s.sendmail("sender@client.test", [ALICE], message(i, "first"))
            s.sendmail("sender@client.test", [ALICE], quoted)
        wait_until(lambda: len(inbox_files(self.mr, ALICE)) == 5, timeout=30, what="5 delivered")
        with imaplib.IMAP4("127.0.0.1", self.mr.port("imap")) as c:
            c.login(ALICE, PASSWORD)
            c.select("INBOX")
            c.uid("STORE", "2", "+FLAGS", r"(\Seen)")
            c.uid("MOVE", "3", "Archive")
        state = self.imap_state(ALICE)

        out = os.path.join(self.mr.tmp, "export-maildir")
        res = self.mr.run("export", ALICE, out, "--maildir")
        self.assertIn("5 messages", res.stdout)
        with open(os.path.join(out, "dovecot-uidlist")) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0].split()[1], "V" + state["INBOX"][0].decode())
        self.assertEqual(sorted(int(l.split()[0]) for l in lines[1:]), sorted(state["INBOX"][1]))
        with open(os.path.join(out, ".Archive", "dovecot-uidlist")) as f:
            self.assertEqual(f.read().splitlines()[0].split()[1], "V" + state["Archive"][0].decode())
        box = mailbox.Maildir(out, factory=None, create=False)
        self.assertEqual(len(box), 4)
        self.assertEqual(sum("S" in m.get_flags() for m in box), 1)
        self.assertEqual([m["Subject"] for m in box.get_folder("Archive")], ["first 2"])

        out = os.path.join(self.mr.tmp, "export-mbox")
        self.mr.run("export", ALICE, out, "--mbox")
        mbox = mailbox.mbox(os.path.join(out, "INBOX"), create=False)
        self.assertEqual(sorted(m["Subject"] for m in mbox), ["first 0", "first 1", "first 3", "quoting"])
        mbox.close()
        with open(os.path.join(out, "INBOX"), "rb") as f:
            raw = f.read()
        self.assertIn(b"\n>From here\n>>From there\nend\n", raw)
        self.assertNotIn(b"\r", raw)
        self.assertTrue(raw.startswith(b"From sender@client.test "))
        archive = mailbox.mbox(os.path.join(out, "Archive"), create=False)
        self.assertEqual(len(archive), 1)
        archive.close()

        res = self.mr.run("export", ALICE, out, "--mbox", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("not empty", res.stderr)


if __name__ == "__main__":
    unittest.main()
