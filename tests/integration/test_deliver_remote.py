"""Remote delivery end to end through the running daemons (issue 4): `mailroom up` with
smtpd and deliverd, mail submitted over SMTP, MX records served by dnsmasq.

- Two mailroom instances (a.test, b.test) deliver to each other through their MX records
  (a names its resolver in delivery.dns_servers, b in [dns] servers).
- Against Postfix's smtp-sink: 4xx then 2xx (deferred, visible in `queue list --json`,
  retried, accepted once), 5xx at RCPT (an RFC 3464 bounce in the sender's INBOX) and a
  dead destination (back-off as configured, a delay notice, then expiry and a bounce).
"""
import email
import email.policy
import os
import shutil
import tempfile
import time
import unittest
import uuid

from lib import Mailroom, wait_for_port
from deliver_util import inbox, queue_list, wait_for_children, wait_until
from deliver_remote_util import (body_of, find_report, point_at_remote, pop3_messages, queue_entry,
                                 submit)
from remote_util import Dnsmasq, SmtpSink, free_port, missing_tools

PASSWORD = "secret password"
SOFT = "451 4.3.2 sink says try again later"
HARD = "550 5.1.1 sink says no such mailbox"


def message(subject, sender, to, body):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@test>\r\n\r\n").encode() + body


def start(mr):
    mr.up()
    wait_for_children(mr, ("deliverd", "smtpd"))
    if not wait_for_port(mr.port("submission")):
        raise AssertionError("submission port did not open")


def close_checked(mr):
    """Stops the instance; returns its log after checking the daemons stopped cleanly."""
    mr.stop()
    log = mr.log_text()
    mr.close()
    assert 'event=stopped child=deliverd status="exit 0"' in log, log[-3000:]
    assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]
    return log


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class TwoInstances(unittest.TestCase):
    """a.test and b.test, each the other's MX (same address, the other's inbound port)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="deliver-remote-it-")
        os.chmod(self.tmp, 0o755)
        self.dns = Dnsmasq(self.tmp, mx=[("a.test", "mx.a.test", 10), ("b.test", "mx.b.test", 10)],
                           hosts=[("mx.a.test", "127.0.0.1"), ("mx.b.test", "127.0.0.1")])
        self.a = Mailroom(domain="a.test", hostname="mx.a.test")
        self.b = Mailroom(domain="b.test", hostname="mx.b.test")
        try:
            point_at_remote(self.a, self.dns, self.b.port("smtp"))
            # b finds a through [dns] servers, a through the older delivery.dns_servers.
            point_at_remote(self.b, self.dns, self.a.port("smtp"), dns_key="dns.servers")
            self.a.add_user("alice@a.test", PASSWORD)
            self.b.add_user("bob@b.test", PASSWORD)
            start(self.a)
            start(self.b)
        except BaseException:
            self.a.close()
            self.b.close()
            self.dns.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def tearDown(self):
        try:
            close_checked(self.a)
            close_checked(self.b)
        finally:
            self.dns.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def test_mail_and_reply_between_instances(self):
        # Lines a dot-stuffing or CRLF mistake would damage, and a long line.
        body = (b"Hello Bob.\r\n.a line starting with a dot\r\n..two dots\r\n.\r\n \r\n"
                + b"x" * 990 + b"\r\nend\r\n")
        sent = message("over there", "alice@a.test", "bob@b.test", body)
        self.assertEqual(submit(self.a, "alice@a.test", PASSWORD, ["bob@b.test"], sent), {})
        got = wait_until(lambda: pop3_messages(self.b, "bob@b.test", PASSWORD), 20, what="mail at b.test")
        self.assertEqual(len(got), 1)
        self.assertEqual(body_of(got[0]), body)
        # B's smtpd received it from A's deliverd; B's deliverd stored it.
        self.assertIn(b"Return-Path: <alice@a.test>\r\n", got[0])
        self.assertIn(b"Subject: over there\r\n", got[0])
        self.assertIn(b"by mx.b.test", got[0])
        log_a = self.a.log_text()
        self.assertRegex(log_a, r"event=delivered .*to=bob@b\.test.*relay=mx\.b\.test\[127\.0\.0\.1\]")
        wait_until(lambda: queue_list(self.a) == [], 10, what="A's queue to empty")

        reply_body = b"Hi Alice, got it.\r\n.\r\nBob\r\n"
        reply = message("Re: over there", "bob@b.test", "alice@a.test", reply_body)
        self.assertEqual(submit(self.b, "bob@b.test", PASSWORD, ["alice@a.test"], reply), {})
        msgs = wait_until(lambda: inbox(self.a, "alice@a.test"), 20, what="the reply at a.test")
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Subject"], "Re: over there")
        self.assertEqual(msgs[0]["Return-Path"], "<bob@b.test>")
        self.assertEqual(msgs[0]["Delivered-To"], "alice@a.test")
        raw = msgs[0].as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
        self.assertEqual(body_of(raw), reply_body)
        wait_until(lambda: queue_list(self.b) == [], 10, what="B's queue to empty")


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class AgainstSmtpSink(unittest.TestCase):
    """One instance; MX hosts on one port (delivery.remote_port) of three loopback addresses:
    127.0.0.1 a sink that first answers 4xx, 127.0.0.3 a sink that answers 5xx at RCPT,
    127.0.0.2 nothing (a dead destination)."""

    LIFETIME = 12
    RETRY_INITIAL = 2
    RETRY_MAX = 4
    DELAY_WARNING = 3

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="deliver-remote-it-")
        os.chmod(cls.tmp, 0o755)
        cls.port = free_port()
        cls.dns = Dnsmasq(cls.tmp, mx=[("soft.test", "mx.soft.test", 10), ("hard.test", "mx.hard.test", 10),
                                       ("dead.test", "mx.dead.test", 10)],
                          hosts=[("mx.soft.test", "127.0.0.1"), ("mx.hard.test", "127.0.0.3"),
                                 ("mx.dead.test", "127.0.0.2")])
        cls.sinks = []
        cls.mr = Mailroom()
        try:
            point_at_remote(cls.mr, cls.dns, cls.port, lifetime=cls.LIFETIME, delay_warning=cls.DELAY_WARNING)
            cls.mr.set_option("retry_initial_s", "1", str(cls.RETRY_INITIAL))
            cls.mr.set_option("retry_max_s", "2", str(cls.RETRY_MAX))
            cls.mr.add_user("alice@example.test", PASSWORD)
            start(cls.mr)
        except BaseException:
            cls.mr.close()
            cls.dns.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            close_checked(cls.mr)
        finally:
            for s in cls.sinks:
                s.stop()
            cls.dns.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def sink(cls, host, *options):
        s = SmtpSink(cls.tmp, *options, port=cls.port, host=host)
        cls.sinks.append(s)
        return s

    def submit(self, rcpt, subject, body=b"Hello.\r\n"):
        msg = message(subject, "alice@example.test", rcpt, body)
        self.assertEqual(submit(self.mr, "alice@example.test", PASSWORD, [rcpt], msg), {})
        return msg

    def test_soft_refusal_then_acceptance(self):
        first = self.sink("127.0.0.1", "-r", "RCPT", "-b", SOFT)
        self.submit("carol@soft.test", "try again")
        # Deferred, with the server's reply as the last error, and a retry scheduled.
        entry = wait_until(lambda: (e := queue_entry(queue_list(self.mr), "carol@soft.test"))
                           and e["recipients"][0]["state"] == "deferred" and e, 15, what="a deferral")
        r = entry["recipients"][0]
        self.assertEqual(r["last_error"], SOFT)
        self.assertEqual(entry["last_error"], SOFT)
        self.assertGreaterEqual(r["attempts"], 1)
        self.assertGreater(r["next_attempt"], entry["received"])
        # At least one retry meets the same answer before the server changes its mind.
        wait_until(lambda: (e := queue_entry(queue_list(self.mr), "carol@soft.test"))
                   and e["recipients"][0]["attempts"] >= 2, 15, what="a second attempt")
        self.assertEqual(first.messages(), [])
        first.stop()
        self.sinks.remove(first)
        second = self.sink("127.0.0.1")
        wait_until(lambda: queue_entry(queue_list(self.mr), "carol@soft.test") is None, 20,
                   what="the retry to be accepted")
        time.sleep(1)  # a second, wrong delivery would arrive within a poll interval
        msgs = second.messages()
        self.assertEqual(len(msgs), 1, "accepted exactly once")
        env, text = msgs[0]
        self.assertEqual(env["X-Rcpt-Args"], ["<carol@soft.test>"])
        self.assertIn("Subject: try again", text)
        self.assertRegex(self.mr.log_text(), r"event=deferred .*to=carol@soft\.test")

    def test_hard_refusal_bounces_as_rfc3464_report(self):
        self.sink("127.0.0.3", "-f", "RCPT", "-B", HARD)
        self.submit("dan@hard.test", "refused")
        msg, text, blocks, original = find_report(self.mr, "alice@example.test", "dan@hard.test", "failed")
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Return-Path"], "<>")
        self.assertIn("MAILER-DAEMON@", msg["From"])
        rcpt = [b for b in blocks[1:] if b["final-recipient"].endswith("dan@hard.test")][0]
        self.assertEqual(rcpt["final-recipient"], "rfc822; dan@hard.test")
        self.assertRegex(rcpt["status"], r"^5\.\d{1,3}\.\d{1,3}$")
        self.assertEqual(rcpt["status"], "5.1.1")
        self.assertIn("mx.hard.test", rcpt["remote-mta"])
        self.assertEqual(rcpt["diagnostic-code"], "smtp; " + HARD)
        self.assertIn("reporting-mta", blocks[0])
        self.assertIn(HARD, text)
        self.assertIn("mx.hard.test", text)
        self.assertIn("Subject: refused", original.as_string())
        self.assertIsNone(queue_entry(queue_list(self.mr), "dan@hard.test"))

    def test_dead_destination_backs_off_warns_and_expires(self):
        self.submit("erin@dead.test", "nobody home")
        seen = {}  # attempts -> next_attempt, as `queue list --json` shows them
        received = None
        deadline = time.monotonic() + self.LIFETIME + 10
        while time.monotonic() < deadline:
            e = queue_entry(queue_list(self.mr), "erin@dead.test")
            if e is None:
                if received is not None:
                    break
                time.sleep(0.1)
                continue
            received = e["received"]
            r = e["recipients"][0]
            if r["state"] == "deferred":
                seen.setdefault(r["attempts"], r["next_attempt"])
                self.assertIn("127.0.0.2", r["last_error"])
            time.sleep(0.1)
        self.assertIsNone(queue_entry(queue_list(self.mr), "erin@dead.test"), "expired and removed")
        # Attempts at about 0, 2, 6 and 10 s: the wait doubles from retry_initial_s up to
        # retry_max_s, and the last scheduled attempt is the expiry moment itself, not a
        # back-off beyond it. Attempt k never starts before next_attempt of attempt k-1, so
        # the gaps are at least the back-off; the scan runs every second and a loaded machine
        # is slow, so they may be a little longer.
        slack = 3
        self.assertEqual(sorted(seen), [1, 2, 3, 4], seen)
        gaps = [seen[1] - received, seen[2] - seen[1], seen[3] - seen[2]]
        for gap, backoff in zip(gaps, (2, 4, 4)):
            self.assertGreaterEqual(gap, backoff, (gaps, seen))
            self.assertLessEqual(gap, backoff + slack, (gaps, seen))
        self.assertEqual(seen[4], received + self.LIFETIME, seen)

        _, text, blocks, _ = find_report(self.mr, "alice@example.test", "erin@dead.test", "delayed", timeout=5)
        self.assertRegex(blocks[1]["status"], r"^4\.")
        self.assertIn("will-retry-until", blocks[1])
        msg, text, blocks, original = find_report(self.mr, "alice@example.test", "erin@dead.test", "failed")
        rcpt = blocks[1]
        self.assertRegex(rcpt["status"], r"^5\.\d{1,3}\.\d{1,3}$")
        self.assertIn("127.0.0.2", rcpt["diagnostic-code"])
        self.assertIn("gave up", text)
        self.assertIn("Subject: nobody home", original.as_string())


if __name__ == "__main__":
    unittest.main(verbosity=2)
