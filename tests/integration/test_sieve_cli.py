"""`mailroom sieve` and `mailroom vacation` (issue 19): scripts stored through the CLI are
compiled first (refused with line and column), owned by the daemons' account, and the active
one is what deliverd runs: a message sent by SMTP lands where the script says (imaplib)."""
import imaplib
import os
import smtplib
import unittest

from lib import Mailroom
from deliver_util import configure_fast_queue, wait_for_children, wait_until

USER = "bob@example.test"
PASSWORD = "bob password"
LISTS = ('require ["fileinto", "mailbox"];\n'
         'if header :contains "subject" "news" { fileinto :create "Newsletters"; }\n')
BROKEN = 'require ["fileinto"];\nif header :contains "subject" "x" {\n  fileinto;\n}\n'


class SieveCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        configure_fast_queue(cls.mr)
        cls.mr.allow_plaintext_on_loopback()
        cls.mr.add_user(USER, PASSWORD)
        cls.files = os.path.join(cls.mr.tmp, "files")
        os.mkdir(cls.files)

    @classmethod
    def tearDownClass(cls):
        cls.mr.close()

    def write(self, name, text):
        path = os.path.join(self.files, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def sieve(self, *args, check=True):
        return self.mr.run("sieve", *args, check=check)

    def test_1_put_refuses_a_broken_script_with_line_and_column(self):
        res = self.sieve("put", USER, self.write("broken.sieve", BROKEN), check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("line 3, column", res.stderr)
        self.assertEqual(self.sieve("list", USER).stdout, "")
        res = self.sieve("check", self.write("broken2.sieve", BROKEN), check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("line 3, column", res.stderr)
        self.assertIn(": ok", self.sieve("check", self.write("fine.sieve", LISTS)).stdout)

    def test_2_put_list_get_activate(self):
        self.sieve("put", USER, self.write("lists.sieve", LISTS))
        self.sieve("put", USER, self.write("other.sieve", "keep;\n"))
        self.assertEqual(self.sieve("list", USER).stdout, "lists\nother\n")
        self.assertEqual(self.sieve("get", USER, "lists").stdout, LISTS)
        self.sieve("activate", USER, "lists")
        self.assertEqual(self.sieve("list", USER).stdout, "lists  (active)\nother\n")
        sieve_dir = os.path.join(self.mr.user_dir(USER), "sieve")
        self.assertEqual(os.readlink(os.path.join(sieve_dir, "active")), "lists.sieve")
        # Stored as the daemons' account, like the rest of the user's store.
        owner = os.stat(self.mr.user_dir(USER)).st_uid
        self.assertEqual(os.stat(os.path.join(sieve_dir, "lists.sieve")).st_uid, owner)
        self.assertEqual(os.lstat(os.path.join(sieve_dir, "active")).st_uid, owner)
        res = self.sieve("activate", USER, "nope", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no script", res.stderr)
        res = self.sieve("delete", USER, "lists", check=False)
        self.assertIn("active", res.stderr)
        self.sieve("delete", USER, "other")
        res = self.sieve("get", USER, "nouser", check=False)
        self.assertEqual(res.returncode, 1)
        res = self.sieve("list", "nobody@example.test", check=False)
        self.assertIn("no user", res.stderr)

    def test_3_vacation_replaces_the_active_script_until_off(self):
        body = self.write("away.txt", 'I am away "until" Monday.\nBack soon.\n')
        out = self.mr.run("vacation", "set", USER, "--subject", "Away", "--body-file", body,
                          "--until", "2027-01-14").stdout
        self.assertIn("replaces script lists", out)
        self.assertEqual(self.sieve("list", USER).stdout, "lists\nvacation  (active)\n")
        script = self.sieve("get", USER, "vacation").stdout
        self.assertIn('vacation :days 7 :subject "Away"', script)
        self.assertIn('I am away \\"until\\" Monday.', script)
        self.assertIn('if currentdate :value "le" "date" "2027-01-14" {', script)
        self.assertIn('require ["vacation", "date", "relational"];', script)
        res = self.mr.run("vacation", "set", USER, "--subject", "A", "--body-file", body,
                          "--until", "14.1.2027", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("off", self.mr.run("vacation", "off", USER).stdout)
        self.assertEqual(self.sieve("list", USER).stdout, "lists  (active)\n")

    def test_4_delivery_runs_the_script_stored_by_the_cli(self):
        mr = self.mr
        mr.up()
        try:
            wait_for_children(mr, names=("smtpd", "deliverd", "imapd"))
            msg = ("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: weekly news\r\n"
                   "Message-ID: <cli-news@example.test>\r\n\r\nhello\r\n")
            with smtplib.SMTP("127.0.0.1", mr.port("smtp"), timeout=15) as s:
                s.sendmail("alice@example.test", [USER], msg)

            def count(mailbox):
                c = imaplib.IMAP4("127.0.0.1", mr.port("imap"), timeout=15)
                try:
                    c.login(USER, PASSWORD)
                    typ, data = c.select(mailbox, readonly=True)
                    return int(data[0]) if typ == "OK" else 0
                finally:
                    c.logout()
            wait_until(lambda: count("Newsletters") == 1, 20, what="the message in Newsletters")
            self.assertEqual(count("INBOX"), 0)
        finally:
            mr.stop()


if __name__ == "__main__":
    unittest.main()
