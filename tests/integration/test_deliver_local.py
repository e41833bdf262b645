"""deliverd, local delivery (issue 4): aliases (nested, loops, external targets),
catch-all, subaddressing, trace headers, quota, mail loops and the RFC 3464 notices
that reach the sender's INBOX. Mail is queued with mr-test-enqueue (the real queue
API) and read back from the Maildirs.
"""
import time
import unittest

from lib import Mailroom
from deliver_util import (configure_fast_queue, enqueue, inbox, inbox_files, queue_list, report_parts,
                          wait_for_children, wait_until)

SENDER = "alice@example.test"


def message(subject, extra_headers="", body="hello\r\n"):
    return (f"From: Alice <alice@example.test>\r\nTo: someone\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}@example.test>\r\n{extra_headers}\r\n{body}")


class DeliverLocal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        mr = cls.mr
        configure_fast_queue(mr, lifetime=8, delay_warning=3)
        for user in ("alice", "bob", "carol", "erin"):
            mr.add_user(f"{user}@example.test", "secret password")
        mr.run("user", "add", "dave@example.test", "--password-stdin", "--quota-mb", "1", stdin="pw\n")
        mr.run("domain", "add", "other.test")
        for source, target in (("team@example.test", "bob@example.test"),
                               ("team@example.test", "ops@example.test"),
                               ("ops@example.test", "carol@example.test"),
                               ("ops@example.test", "far@remote.invalid"),
                               ("loop1@example.test", "loop2@example.test"),
                               ("loop2@example.test", "loop1@example.test"),
                               ("lost@example.test", "ghost-target@example.test"),
                               ("@other.test", "erin@example.test")):
            mr.run("alias", "add", source, target)
        mr.up()
        wait_for_children(mr)

    @classmethod
    def tearDownClass(cls):
        cls.mr.stop()
        log = cls.mr.log_text()
        cls.mr.close()
        assert 'event=stopped child=deliverd status="exit 0"' in log, log[-3000:]
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]

    def find_report(self, final_recipient, timeout=20):
        """The notice in alice's INBOX about `final_recipient`: (msg, text, blocks, original)."""
        def look():
            for msg in inbox(self.mr, SENDER):
                if msg.get_content_type() != "multipart/report":
                    continue
                text, blocks, original = report_parts(msg)
                for b in blocks[1:]:
                    if b.get("final-recipient", "").endswith(final_recipient):
                        return msg, text, blocks, original
            return None
        return wait_until(look, timeout, what=f"a notice about {final_recipient}")

    def test_subaddress_and_trace_headers(self):
        enqueue(self.mr, SENDER, ["Bob+News@example.test"], message("tagged"))
        wait_until(lambda: [m for m in inbox(self.mr, "bob@example.test") if m["Subject"] == "tagged"], 20,
                   what="the tagged message")
        tagged = [m for m in inbox(self.mr, "bob@example.test") if m["Subject"] == "tagged"]
        self.assertEqual(len(tagged), 1)
        heads = []
        for path in inbox_files(self.mr, "bob@example.test"):
            with open(path, "rb") as f:
                data = f.read()
            if b"Subject: tagged" in data:
                heads.append(data[:200])
        self.assertEqual(len(heads), 1)
        head = heads[0]
        self.assertTrue(head.startswith(b"Return-Path: <alice@example.test>\r\nDelivered-To: Bob+News@example.test\r\n"),
                        head)

    def test_nested_alias_with_external_target(self):
        enqueue(self.mr, SENDER, ["team@example.test"], message("team news"))
        for user in ("bob@example.test", "carol@example.test"):
            wait_until(lambda u=user: [m for m in inbox(self.mr, u) if m["Subject"] == "team news"], 20,
                       what=f"team news for {user}")
            got = [m for m in inbox(self.mr, user) if m["Subject"] == "team news"]
            self.assertEqual(len(got), 1, user)
            self.assertEqual(got[0]["Delivered-To"], user)
        # The external target became a recipient of its own: queued for remote delivery
        # (or already bounced by it), never delivered locally.
        def external_handled():
            for e in queue_list(self.mr):
                if any(r["address"] == "far@remote.invalid" for r in e["recipients"]):
                    return True
            return any("far@remote.invalid" in m.as_string() for m in inbox(self.mr, SENDER)
                       if m.get_content_type() == "multipart/report")
        wait_until(external_handled, 20, what="far@remote.invalid queued")

    def test_catch_all(self):
        enqueue(self.mr, SENDER, ["whoever@other.test"], message("catch all"))
        wait_until(lambda: [m for m in inbox(self.mr, "erin@example.test") if m["Subject"] == "catch all"], 20,
                   what="catch-all delivery")

    def test_unknown_recipient_bounces_as_rfc3464_report(self):
        enqueue(self.mr, SENDER, ["ghost@example.test"], message("to a ghost"), envid="ENV42")
        msg, text, blocks, original = self.find_report("ghost@example.test")
        self.assertIn("alice@example.test", msg["To"])
        self.assertIn("MAILER-DAEMON@", msg["From"])
        self.assertIn("no such user", text)
        self.assertIn("reporting-mta", blocks[0])
        self.assertEqual(blocks[0]["original-envelope-id"], "ENV42")
        rcpt = [b for b in blocks[1:] if b["final-recipient"].endswith("ghost@example.test")][0]
        self.assertEqual(rcpt["action"], "failed")
        self.assertEqual(rcpt["status"], "5.1.1")
        self.assertTrue(rcpt["diagnostic-code"].startswith("smtp; 550"))
        self.assertEqual(original.get_content_type(), "text/rfc822-headers")
        self.assertIn("Subject: to a ghost", original.get_content())
        self.assertNotIn("hello", original.get_content())
        # The notice itself came with the null sender.
        self.assertEqual(msg["Return-Path"], "<>")

    def test_unknown_alias_target_and_full_return(self):
        enqueue(self.mr, SENDER, ["lost@example.test"], message("lost alias", body="the body\r\n"), ret="FULL")
        msg, text, blocks, original = self.find_report("ghost-target@example.test")
        rcpt = blocks[1]
        self.assertEqual(rcpt["original-recipient"], "rfc822;lost@example.test")
        self.assertEqual(original.get_content_type(), "message/rfc822")
        self.assertIn("the body", original.as_string())

    def test_alias_loop_bounces(self):
        enqueue(self.mr, SENDER, ["loop1@example.test"], message("alias loop"))
        _, _, blocks, _ = self.find_report("loop1@example.test")
        self.assertEqual(blocks[1]["status"], "5.4.6")

    def test_delivered_to_loop_bounces(self):
        before = len(inbox_files(self.mr, "carol@example.test"))
        enqueue(self.mr, SENDER, ["carol@example.test"],
                message("looping", "Delivered-To: carol@example.test\r\n"))
        _, text, blocks, _ = self.find_report("carol@example.test")
        self.assertEqual(blocks[1]["status"], "5.4.6")
        self.assertIn("loop", text)
        self.assertFalse([m for m in inbox(self.mr, "carol@example.test") if m["Subject"] == "looping"])
        self.assertGreaterEqual(len(inbox_files(self.mr, "carol@example.test")), before)

    def test_too_many_received_bounces(self):
        trace = "".join(f"Received: from hop{i} by hop{i + 1}; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                        for i in range(31))
        enqueue(self.mr, SENDER, ["bob@example.test"], trace + message("many hops"))
        _, text, blocks, _ = self.find_report("bob@example.test")
        self.assertIn("Received", text)
        self.assertFalse([m for m in inbox(self.mr, "bob@example.test") if m["Subject"] == "many hops"])

    def test_success_notice_when_asked(self):
        enqueue(self.mr, SENDER, ["erin@example.test"], message("confirm please"), notify="SUCCESS")
        _, _, blocks, _ = self.find_report("erin@example.test")
        self.assertEqual(blocks[1]["action"], "delivered")
        self.assertEqual(blocks[1]["status"], "2.0.0")

    def test_null_sender_never_bounces(self):
        before = len(inbox_files(self.mr, SENDER))
        ids = enqueue(self.mr, "", ["nobody@example.test"], message("bounce of a bounce"))
        wait_until(lambda: ids[0] not in [e["id"] for e in queue_list(self.mr)], 20, what="entry gone")
        self.assertIn(f"qid={ids[0]} to=nobody@example.test", self.mr.log_text())
        time.sleep(1)
        for m in inbox(self.mr, SENDER):
            self.assertNotIn("nobody@example.test", m.as_string())
        self.assertGreaterEqual(len(inbox_files(self.mr, SENDER)), before)

    def test_quota_defers_then_bounces_at_expiry(self):
        big = message("too big", body=("x" * 1000 + "\r\n") * 1100)
        ids = enqueue(self.mr, SENDER, ["dave@example.test"], big)

        def deferred():
            for e in queue_list(self.mr):
                if e["id"] == ids[0] and e["recipients"][0]["state"] == "deferred":
                    return e
            return None
        entry = wait_until(deferred, 10, what="a deferred over-quota recipient")
        self.assertIn("4.2.2", entry["recipients"][0]["last_error"])
        # delay_warning_s = 3 < lifetime_s = 8: one delay notice first, then the failure.
        def reports(action):
            found = []
            for msg in inbox(self.mr, SENDER):
                if msg.get_content_type() == "multipart/report" and "dave@example.test" in msg.as_string():
                    text, bl, _ = report_parts(msg)
                    if bl[1].get("action") == action:
                        found.append((msg, text, bl))
            return found
        msg, text, bl = wait_until(lambda: reports("failed"), 30, what="the expiry bounce")[0]
        self.assertEqual(bl[1]["status"], "5.2.2")
        self.assertIn("gave up", text)
        delayed = reports("delayed")
        self.assertEqual(len(delayed), 1)  # sent once, however many retries
        dmsg, dtext, dbl = delayed[0]
        self.assertTrue(dmsg["Subject"].startswith("Delayed Mail"))
        self.assertEqual(dbl[1]["status"], "4.2.2")
        self.assertIn("will-retry-until", dbl[1])
        self.assertEqual(inbox_files(self.mr, "dave@example.test"), [])


if __name__ == "__main__":
    unittest.main()
