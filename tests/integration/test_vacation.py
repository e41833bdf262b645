"""Vacation replies at delivery (issue 19, RFC 5230 + RFC 3834): `mailroom vacation set`
activates an ordinary script; mail sent by SMTP gets one reply per sender, queued from <> with
Auto-Submitted: auto-replied and In-Reply-To, and none to lists, auto-replies or mail not
addressed to the user; DKIM-signed for the user's domain (dkimpy verifies); none after
--until (a currentdate condition). The replies are read back from the sender's mailbox."""
import email
import glob
import json
import imaplib
import os
import smtplib
import time
import unittest

from lib import Mailroom, run_client
from deliver_util import configure_fast_queue, wait_for_children, wait_until

VERIFY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dkim_verify.py")
BOB = "bob@example.test"
ALICE = "alice@example.test"
CAROL = "carol@example.test"
DAVE = "dave@example.test"


def message(sender, to, subject, extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n{extra}\r\nhello\r\n")


class Vacation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = mr = Mailroom()
        configure_fast_queue(mr)
        mr.allow_plaintext_on_loopback()
        for user in (BOB, ALICE, CAROL, DAVE):
            mr.add_user(user, user + " pw")
        body = os.path.join(mr.tmp, "away.txt")
        with open(body, "w") as f:
            f.write("I am away until the 14th.\n")
        mr.run("vacation", "set", BOB, "--subject", "Away", "--body-file", body, "--until", "2027-01-14")
        # Back since 2020: the script's currentdate condition (RFC 5260) keeps it silent.
        mr.run("vacation", "set", DAVE, "--subject", "Was away", "--body-file", body, "--until", "2020-01-01")
        mr.up()
        wait_for_children(mr, names=("smtpd", "deliverd", "imapd"))

    @classmethod
    def tearDownClass(cls):
        cls.mr.stop()
        log = cls.mr.log_text()
        cls.mr.close()
        assert 'event=stopped child=deliverd status="exit 0"' in log, log[-3000:]

    def send(self, sender, msg, to=BOB):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=15) as s:
            s.sendmail(sender, [to], msg)

    def inbox(self, user):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=15)
        try:
            c.login(user, user + " pw")
            typ, data = c.select("INBOX", readonly=True)
            if int(data[0]) == 0:
                return []
            typ, data = c.fetch("1:*", "(BODY.PEEK[])")
            if typ != "OK" or data == [None]:
                return []
            return [email.message_from_bytes(item[1]) for item in data if isinstance(item, tuple)]
        finally:
            c.logout()

    def test_one_reply_per_sender_and_none_to_lists(self):
        self.send(ALICE, message(ALICE, BOB, "first"))
        replies = wait_until(lambda: [m for m in self.inbox(ALICE) if m["Subject"] == "Away"], 20,
                             what="the vacation reply")
        r = replies[0]
        self.assertEqual(r["From"], BOB)
        self.assertEqual(r["Auto-Submitted"].split()[0], "auto-replied")
        self.assertEqual(r["In-Reply-To"], "<first@example.test>")
        self.assertIn("away until the 14th", r.get_payload())
        self.assertEqual(r["Return-Path"], "<>")

        self.send(ALICE, message(ALICE, BOB, "second"))
        self.send(CAROL, message(CAROL, BOB, "from a list", "List-Id: <news.example.test>\r\n"))
        self.send(CAROL, message(CAROL, "someone@example.test", "bcc copy"))
        self.send(CAROL, message(CAROL, BOB, "auto", "Auto-Submitted: auto-replied\r\n"))
        wait_until(lambda: len(self.inbox(BOB)) == 5, 20, what="bob's five messages")
        wait_until(lambda: self.mr.log_text().count("event=vacation_skipped") >= 4, 20, what="four skips")
        time.sleep(2)  # a reply, if one had been queued, would be delivered by now
        self.assertEqual(len([m for m in self.inbox(ALICE) if m["Subject"] == "Away"]), 1)
        self.assertEqual(self.inbox(CAROL), [])
        log = self.mr.log_text()
        self.assertIn('reason="already answered"', log)
        self.assertIn("List-Id present", log)

    def test_reply_is_dkim_signed(self):
        """Signed for bob's domain like his submitted mail; dkimpy verifies it with the
        records `mailroom dns` publishes."""
        self.send(CAROL, message(CAROL, BOB, "signed please"))
        raw = wait_until(lambda: [d for d in self.raw_inbox(CAROL) if b"Subject: Away" in d], 20,
                         what="the vacation reply at carol")[0]
        records = os.path.join(self.mr.tmp, "records.json")
        with open(records, "w") as f:
            f.write(self.mr.run("dns", "example.test", "--json").stdout)
        res = run_client("dkimpy", ["/usr/bin/python3", VERIFY, records], timeout=60, input=raw)
        self.assertEqual(res.returncode, 0, res.stderr)
        sigs = json.loads(res.stdout)["signatures"]
        self.assertEqual(sorted(s["a"] for s in sigs), ["ed25519-sha256", "rsa-sha256"], sigs)
        for s in sigs:
            self.assertTrue(s["valid"], sigs)
            self.assertEqual(s["d"], "example.test")

    def raw_inbox(self, user):
        out = []
        for path in glob.glob(os.path.join(self.mr.user_dir(user), "new", "*")) + \
                glob.glob(os.path.join(self.mr.user_dir(user), "cur", "*")):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def test_no_reply_after_until(self):
        self.send(ALICE, message(ALICE, DAVE, "are you back"), to=DAVE)
        wait_until(lambda: len(self.inbox(DAVE)) == 1, 20, what="dave's message")
        time.sleep(2)  # a reply, if one had been queued, would be delivered by now
        self.assertEqual([m for m in self.inbox(ALICE) if m["Subject"] == "Was away"], [])


if __name__ == "__main__":
    unittest.main()
