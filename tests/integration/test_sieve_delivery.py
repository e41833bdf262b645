"""deliverd runs the user's active Sieve script (issue 19): the script lives in
<user dir>/sieve/NAME.sieve with the symlink sieve/active naming it. Mail is queued with
mr-test-enqueue (the real queue API) and read back with imaplib: folders, flags, copies,
discard, and the implicit keep into INBOX when the script fails at run time.
"""
import imaplib
import os
import unittest

from lib import Mailroom
from deliver_util import configure_fast_queue, enqueue, inbox, wait_for_children, wait_until

USER = "bob@example.test"
PASSWORD = "bob password"
SCRIPT = r'''require ["fileinto", "imap4flags", "copy", "mailbox", "variables", "reject"];
if header :contains "subject" "unwanted" { reject "No thanks."; stop; }
if header :contains "subject" "for carol" { redirect "carol@example.test"; stop; }
if header :contains "subject" "boomerang" { redirect "bob@example.test"; stop; }
# Newsletters into their own folder, marked read.
if header :matches "List-Id" "*<*.example.org>" {
    fileinto :create :flags ["\\Seen", "$Newsletter"] "Lists/${2}";
    stop;
}
if header :contains "subject" "archive" { fileinto :copy :create "Archive"; }
if header :contains "subject" "junk" { discard; }
if header :contains "subject" "broken" {
    fileinto :create "F1"; fileinto :create "F2"; fileinto :create "F3"; fileinto :create "F4";
    fileinto :create "F5"; fileinto :create "F6"; fileinto :create "F7"; fileinto :create "F8";
    fileinto :create "F9"; fileinto :create "F10"; fileinto :create "F11"; fileinto :create "F12";
    fileinto :create "F13"; fileinto :create "F14"; fileinto :create "F15"; fileinto :create "F16";
    fileinto :create "F17"; fileinto :create "F18"; fileinto :create "F19"; fileinto :create "F20";
    fileinto :create "F21"; fileinto :create "F22"; fileinto :create "F23"; fileinto :create "F24";
    fileinto :create "F25"; fileinto :create "F26"; fileinto :create "F27"; fileinto :create "F28";
    fileinto :create "F29"; fileinto :create "F30"; fileinto :create "F31"; fileinto :create "F32";
    fileinto :create "F33";
}
'''


def message(subject, extra=""):
    return (f"From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n{extra}\r\nhello\r\n")


def texts(mr, address):
    return [m.as_string() for m in inbox(mr, address)]


class SieveDelivery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        mr = cls.mr
        configure_fast_queue(mr)
        mr.allow_plaintext_on_loopback()
        mr.add_user("alice@example.test", "alice password")
        mr.add_user(USER, PASSWORD)
        mr.add_user("carol@example.test", "carol password")
        # The administrator's script of the domain, ahead of bob's (`mailroom sieve global`).
        before = os.path.join(mr.tmp, "before.sieve")
        with open(before, "w") as f:
            f.write('require ["fileinto", "mailbox"];\n'
                    'if header :contains "subject" "quarantine" { fileinto :create "Quarantine"; }\n')
        mr.run("sieve", "global", "put", "example.test", "before", before)
        assert "Quarantine" in mr.run("sieve", "global", "get", "example.test", "before").stdout
        bad = mr.run("sieve", "global", "put", "nowhere.test", "before", before, check=False)
        assert bad.returncode != 0 and "no domain" in bad.stderr, bad
        root = mr.user_dir(USER)
        st = os.stat(root)
        sieve_dir = os.path.join(root, "sieve")
        os.mkdir(sieve_dir, 0o700)
        with open(os.path.join(sieve_dir, "main.sieve"), "w") as f:
            f.write(SCRIPT)
        os.symlink("main.sieve", os.path.join(sieve_dir, "active"))
        for path in (sieve_dir, os.path.join(sieve_dir, "main.sieve")):
            os.chown(path, st.st_uid, st.st_gid)
        os.lchown(os.path.join(sieve_dir, "active"), st.st_uid, st.st_gid)
        mr.up()
        wait_for_children(mr, names=("deliverd", "imapd"))

    @classmethod
    def tearDownClass(cls):
        cls.mr.stop()
        log = cls.mr.log_text()
        cls.mr.close()
        assert 'event=stopped child=deliverd status="exit 0"' in log, log[-3000:]
        assert "AddressSanitizer" not in log, log[-3000:]

    def imap(self, user=USER, password=PASSWORD):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=15)
        c.login(user, password)
        self.addCleanup(c.logout)
        return c

    def subjects(self, mailbox):
        """{subject: stored flags} of the messages in `mailbox` (\\Recent, a session's view,
        left out); None when it does not exist."""
        c = self.imap()
        typ, _ = c.select(f'"{mailbox}"', readonly=True)
        if typ != "OK":
            return None
        typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = {}
        if typ != "OK" or data == [None]:
            return out
        for item in data:
            if isinstance(item, tuple):
                flags = imaplib.ParseFlags(item[0])
                subject = item[1].decode().split(":", 1)[1].strip()
                out[subject] = sorted(f.decode() for f in flags if f != b"\\Recent")
        return out

    def wait_in(self, mailbox, subject):
        return wait_until(lambda: (self.subjects(mailbox) or {}).get(subject) is not None, 20,
                          what=f"{subject!r} in {mailbox}")

    def test_fileinto_with_flags_into_a_created_folder(self):
        enqueue(self.mr, "alice@example.test", [USER],
                message("weekly news", "List-Id: Weekly <weekly.example.org>\r\n"))
        self.wait_in("Lists/weekly", "weekly news")
        self.assertEqual(self.subjects("Lists/weekly")["weekly news"], ["$Newsletter", "\\Seen"])
        self.assertNotIn("weekly news", self.subjects("INBOX"))

    def test_copy_keeps_in_inbox_too(self):
        enqueue(self.mr, "alice@example.test", [USER], message("please archive"))
        self.wait_in("Archive", "please archive")
        self.wait_in("INBOX", "please archive")

    def test_discard_and_implicit_keep_on_runtime_error(self):
        enqueue(self.mr, "alice@example.test", [USER], message("junk offer"))
        enqueue(self.mr, "alice@example.test", [USER], message("broken rules"))
        # The script runs out of actions (limit 32): the message lands in INBOX, no F folder.
        self.wait_in("INBOX", "broken rules")
        self.assertIsNone(self.subjects("F1"))
        wait_until(lambda: "actions=discard" in self.mr.log_text(), 20, what="the discard")
        self.assertNotIn("junk offer", self.subjects("INBOX"))
        log = self.mr.log_text()
        self.assertIn("event=sieve_implicit_keep", log)
        self.assertIn("more than 32 actions", log)


    def test_global_before_script_runs_first(self):
        # bob's own script would file "archive" mail; the domain's before script decides first.
        enqueue(self.mr, "alice@example.test", [USER], message("quarantine archive"))
        self.wait_in("Quarantine", "quarantine archive")
        self.assertNotIn("quarantine archive", self.subjects("INBOX"))
        self.assertNotIn("quarantine archive", self.subjects("Archive") or {})

    def test_reject_tells_the_sender_and_keeps_nothing(self):
        enqueue(self.mr, "alice@example.test", [USER], message("unwanted offer"))
        notices = wait_until(lambda: [m for m in texts(self.mr, "alice@example.test") if "No thanks." in m], 20,
                             what="the rejection at alice")
        self.assertIn("Action: failed", notices[0])
        self.assertIn("5.7.1", notices[0])
        self.assertIn("Final-Recipient: rfc822; bob@example.test", notices[0])
        self.assertNotIn("unwanted offer", self.subjects("INBOX"))
        # From the null sender nobody is told (RFC 3461 §6.1): the message is dropped.
        enqueue(self.mr, "", [USER], message("unwanted bounce"))
        wait_until(lambda: self.mr.log_text().count("rejected by the Sieve script") >= 2, 20,
                   what="the second rejection")
        self.assertNotIn("unwanted bounce", self.subjects("INBOX"))

    def test_redirect_to_a_local_user(self):
        enqueue(self.mr, "alice@example.test", [USER], message("for carol"))
        got = wait_until(lambda: [m for m in texts(self.mr, "carol@example.test") if "for carol" in m], 20,
                         what="the redirected message at carol")
        self.assertIn("Delivered-To: bob@example.test", got[0])
        self.assertIn("Return-Path: <alice@example.test>", got[0])
        self.assertNotIn("for carol", self.subjects("INBOX"))

    def test_redirect_to_self_is_a_loop(self):
        enqueue(self.mr, "alice@example.test", [USER], message("boomerang"))
        notices = wait_until(lambda: [m for m in texts(self.mr, "alice@example.test") if "5.4.6" in m], 20,
                             what="the loop bounce at alice")
        self.assertIn("boomerang", notices[0])
        self.assertNotIn("boomerang", self.subjects("INBOX"))


if __name__ == "__main__":
    unittest.main()
