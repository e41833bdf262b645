"""Shared scenario of test_imap_clients_mbsync.py and test_imap_clients_offlineimap.py:
a real synchronisation tool doing a two-way sync of several folders (INBOX, Sent, the
nested Projects/2026 and "Old Mail", a name with a space) between imapd and a local
Maildir, over implicit TLS with the instance's self-signed certificate.

Each test seeds the server, syncs, checks that the local Maildir holds exactly the server's
messages and flags, then changes flags, deletes and adds messages on both sides, syncs
again and checks that both sides agree with each other and with the expected result. The
server side is read with imaplib; the local side from the Maildir file names' flag suffixes
(":2,<letters>", maildir(5)). Each tool gets its own user, so the tests are independent.
"""
import email.parser
import imaplib
import os
import re
import shutil
import tempfile
import time

from imap_util import InstanceTestCase
from lib import run_client

FOLDERS = ["INBOX", "Sent", "Projects/2026", "Old Mail"]
# maildir(5) info letters and the IMAP system flags they stand for.
MAILDIR_FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
SEED = {
    "INBOX": [("inbox one", "\\Seen"), ("inbox two", ""), ("inbox three", "\\Flagged")],
    "Sent": [("sent one", "\\Seen"), ("sent two", "\\Seen \\Answered")],
    "Projects/2026": [("project one", ""), ("project two", "\\Draft")],
    "Old Mail": [("old one", "\\Seen \\Flagged")],
}
# After the changes of change_both_sides() and the second sync.
EXPECTED = {
    "INBOX": {"inbox one": {"\\Seen"}, "inbox two": {"\\Seen", "\\Flagged"}, "inbox four": {"\\Flagged"}},
    "Sent": {"sent one": set()},
    "Projects/2026": {"project one": {"\\Answered"}, "project two": {"\\Draft"}, "project local": set()},
    "Old Mail": {"old one": {"\\Seen", "\\Flagged"}},
}


def message(subject):
    return (f"From: sync@example.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@example.test>\r\n"
            f"\r\nBody of {subject}.\r\n").encode()


def tool_available(name):
    return shutil.which(name) is not None


class SyncTestBase(InstanceTestCase):
    """One instance per test class; subclasses run one tool as `self.user`."""
    user = None
    password = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert = os.path.join(cls.mr.dir, "tls", "cert.pem")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-sync-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.local = os.path.join(self.tmp, "mail")
        os.mkdir(self.local)
        self.session = None

    # --- server side -------------------------------------------------------------------
    def imap(self):
        """One logged-in imaplib session per test (each login costs an argon2id check)."""
        if self.session is None:
            c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
            c.login(self.user, self.password)
            self.addCleanup(self.logout, c)
            self.session = c
        return self.session

    @staticmethod
    def logout(c):
        try:
            c.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

    def seed_server(self):
        c = self.imap()
        self.assertEqual(c.create("Projects/2026")[0], "OK")
        self.assertEqual(c.create('"Old Mail"')[0], "OK")
        for folder, messages in SEED.items():
            for subject, flags in messages:
                typ, data = c.append(f'"{folder}"', f"({flags})", None, message(subject))
                self.assertEqual(typ, "OK", data)

    def server_view(self):
        """{folder: {subject: set of flags}} as imapd reports it."""
        c = self.imap()
        view = {}
        for folder in FOLDERS:
            # EXAMINE: read-only, so nothing here can expunge a \\Deleted message a tool left.
            typ, data = c.select(f'"{folder}"', readonly=True)
            self.assertEqual(typ, "OK", data)
            view[folder] = {}
            if int(data[0]) > 0:
                typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                self.assertEqual(typ, "OK", data)
                view[folder] = self.parse_fetch(data)
            c.unselect()
        return view

    @staticmethod
    def parse_fetch(data):
        """imaplib FETCH data → {subject: flags}; FLAGS may precede or follow the literal."""
        result = {}
        pending = None
        for item in data:
            if isinstance(item, tuple):
                head, literal = item
                subject = email.parser.BytesHeaderParser().parsebytes(literal)["Subject"]
                flags = {f.decode() for f in imaplib.ParseFlags(head)}
                result[subject] = flags
                pending = subject
            elif pending is not None and item and b"FLAGS" in item:
                result[pending] |= {f.decode() for f in imaplib.ParseFlags(item)}
                pending = None
        return result

    def change_server(self):
        c = self.imap()
        c.select('"Sent"')
        self.assertEqual(self.store_by_subject(c, "sent one", "-FLAGS.SILENT", "(\\Seen)"), "OK")
        self.assertEqual(self.store_by_subject(c, "sent two", "+FLAGS.SILENT", "(\\Deleted)"), "OK")
        self.assertEqual(c.expunge()[0], "OK")
        c.close()
        c.select('"Projects/2026"')
        self.assertEqual(self.store_by_subject(c, "project one", "+FLAGS.SILENT", "(\\Answered)"), "OK")
        c.close()
        self.assertEqual(c.append("INBOX", "(\\Flagged)", None, message("inbox four"))[0], "OK")

    def store_by_subject(self, c, subject, op, flags):
        typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertEqual(typ, "OK", data)
        uids = [re.search(rb"UID (\d+)", head).group(1).decode() for head, literal in
                (item for item in data if isinstance(item, tuple))
                if email.parser.BytesHeaderParser().parsebytes(literal)["Subject"] == subject]
        self.assertEqual(len(uids), 1, (subject, data))
        return c.uid("STORE", uids[0], op, flags)[0]

    # --- local side --------------------------------------------------------------------
    def local_folder(self, folder):
        raise NotImplementedError

    def local_files(self, folder):
        """[(path, subject, flags)] of one local Maildir folder (new/ and cur/)."""
        root = self.local_folder(folder)
        files = []
        for sub in ("new", "cur"):
            d = os.path.join(root, sub)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                path = os.path.join(d, name)
                with open(path, "rb") as f:
                    subject = email.parser.BytesHeaderParser().parse(f)["Subject"]
                letters = name.split(":2,", 1)[1] if ":2," in name else ""
                flags = {MAILDIR_FLAGS[ch] for ch in letters if ch in MAILDIR_FLAGS}
                files.append((path, subject, flags))
        return files

    def local_view(self):
        view = {}
        for folder in FOLDERS:
            view[folder] = {}
            for _, subject, flags in self.local_files(folder):
                self.assertNotIn(subject, view[folder], f"{subject} twice in local {folder}")
                view[folder][subject] = flags
        return view

    def change_local(self):
        files = {subject: path for path, subject, _ in self.local_files("INBOX")}
        # A flag change: "inbox two" read and flagged, as a mail reader renames the file.
        path = files["inbox two"]
        base = os.path.basename(path).split(":2,", 1)[0]
        os.rename(path, os.path.join(self.local_folder("INBOX"), "cur", base + ":2,FS"))
        # A deletion: the file goes away (the tool must delete it on the server).
        os.remove(files["inbox three"])
        # A new message delivered locally (e.g. a draft saved by the mail reader).
        name = f"{int(time.time())}.mailroom-test.{os.getpid()}.localhost"
        with open(os.path.join(self.local_folder("Projects/2026"), "new", name), "wb") as f:
            f.write(message("project local"))

    # --- the scenario ------------------------------------------------------------------
    def run_tool(self):
        raise NotImplementedError

    def check_two_way_sync(self):
        self.seed_server()
        self.run_tool()
        seeded = {folder: {s: set(f.split()) for s, f in msgs} for folder, msgs in SEED.items()}
        self.assertEqual(self.server_view(), seeded)
        self.assertEqual(self.local_view(), seeded)

        self.change_local()
        self.change_server()
        self.run_tool()
        self.assertEqual(self.server_view(), EXPECTED)
        self.assertEqual(self.local_view(), EXPECTED)

        # A third run finds nothing to do and changes nothing.
        self.run_tool()
        self.assertEqual(self.server_view(), EXPECTED)
        self.assertEqual(self.local_view(), EXPECTED)

    def run_checked(self, cmd, what):
        env = dict(os.environ, HOME=self.tmp)
        res = run_client(what, cmd, text=True, timeout=60, env=env, cwd=self.tmp)
        if res.returncode != 0:
            self.fail(f"{what} failed ({res.returncode}):\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}\n"
                      f"imapd log:\n{self.mr.log_text()[-2000:]}")
        return res
