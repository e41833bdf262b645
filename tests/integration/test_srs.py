"""SRS for mail that aliases forward to other domains (issue 15), through the real daemons:
mail arrives on port 25, deliverd forwards it to a real SMTP server (Postfix's smtp-sink)
found through real DNS (dnsmasq), and bounces to the SRS address come back on port 25.

- fwd@example.test -> friend@remote.example: MAIL FROM at the sink is
  SRS0=HHHH=TT=elsewhere.example=sender@example.test.
- A bounce to that address is accepted at RCPT and relayed to sender@elsewhere.example with
  its null sender; a tampered hash gets 550 5.1.1 at RCPT.
- A sender whose SRS form does not fit 64 octets is not forwarded: the sender gets a bounce
  that says why.
- A user's Sieve redirect (RFC 5228 §4.2) follows the same rules: SRS0 sender at the sink,
  Delivered-To of the user on top.
- data/srs.key: 32 bytes, 0600, the daemons' account; `mailroom check` is content with it and
  reports a widened mode like any other data file.
"""
import os
import pwd
import re
import shutil
import smtplib
import tempfile
import unittest
import uuid

from lib import Mailroom, wait_for_port
from deliver_util import data_dir, wait_for_children, wait_until
from deliver_remote_util import point_at_remote
from remote_util import Dnsmasq, SmtpSink, missing_tools

SRS0 = re.compile(r"<(SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=elsewhere\.example=sender@example\.test)>")


def message(subject, sender, to):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@test>\r\n\r\nHello.\r\n").encode()


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class SrsForwarding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="srs-it-")
        os.chmod(cls.tmp, 0o755)
        cls.dns = Dnsmasq(cls.tmp, mx=[("remote.example", "mx.remote.example", 10),
                                       ("elsewhere.example", "mx.elsewhere.example", 10)],
                          hosts=[("mx.remote.example", "127.0.0.1"), ("mx.elsewhere.example", "127.0.0.1")])
        cls.sink = None
        cls.mr = Mailroom()
        try:
            cls.sink = SmtpSink(cls.tmp)  # on a port it found free and bound
            cls.port = cls.sink.port
            point_at_remote(cls.mr, cls.dns, cls.port)
            cls.mr.run("alias", "add", "fwd@example.test", "friend@remote.example")
            cls.mr.add_user("filter@example.test", "filter password")
            script = os.path.join(cls.tmp, "away.sieve")
            with open(script, "w") as f:
                f.write('redirect "friend@remote.example";\n')
            cls.mr.run("sieve", "put", "filter@example.test", script)
            cls.mr.run("sieve", "activate", "filter@example.test", "away")
            cls.mr.up()
            wait_for_children(cls.mr, ("deliverd", "smtpd"))
            if not wait_for_port(cls.mr.port("smtp")):
                raise AssertionError("port 25 role did not open")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.mr.stop()
            log = cls.mr.log_text()
            cls.mr.close()
            assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]
        finally:
            if cls.sink:
                cls.sink.stop()
            cls.dns.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def inbound(self, sender, rcpt, msg):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.test", timeout=15) as s:
            return s.sendmail(sender, [rcpt], msg)

    def at_sink(self, rcpt):
        """The sink's transactions for `rcpt`: (MAIL FROM path, text)."""
        return [(env["X-Mail-Args"][0].split()[0], text) for env, text in self.sink.messages()
                if [a.split()[0] for a in env.get("X-Rcpt-Args", [])] == [f"<{rcpt}>"]]

    def forward_one(self, subject):
        self.assertEqual(self.inbound("sender@elsewhere.example", "fwd@example.test",
                                      message(subject, "sender@elsewhere.example", "fwd@example.test")), {})
        got = wait_until(lambda: [m for m in self.at_sink("friend@remote.example") if subject in m[1]], 20,
                         what="the forwarded message at the sink")
        self.assertEqual(len(got), 1)
        return got[0]

    def test_forward_with_srs_then_bounce_comes_back(self):
        mail_from, text = self.forward_one("forward me")
        m = SRS0.fullmatch(mail_from)
        self.assertIsNotNone(m, mail_from)
        srs = m.group(1)
        self.assertRegex(self.mr.log_text(), r"event=delivered .*to=friend@remote\.example")

        # The destination bounces it: to the SRS address, from the null sender, on port 25.
        bounce = message("Undelivered Mail", "MAILER-DAEMON@remote.example", srs)
        self.assertEqual(self.inbound("", srs, bounce), {})
        back = wait_until(lambda: [b for b in self.at_sink("sender@elsewhere.example")
                                   if "Undelivered Mail" in b[1]], 20, what="the bounce at the original sender")
        self.assertEqual(len(back), 1)
        self.assertEqual(back[0][0], "<>")  # sender unchanged: a bounce stays a bounce

        # A tampered hash (or a stale one) names nobody.
        i = len("SRS0=")
        # Hashes compare without case: the replacement must differ in more than case.
        tampered = srs[:i] + ("B" if srs[i].lower() == "a" else "A") + srs[i + 1:]
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.test", timeout=15) as s:
            s.ehlo()
            s.mail("")
            code, reply = s.rcpt(tampered)
            self.assertEqual(code, 550, reply)
            self.assertIn(b"5.1.1", reply)
            # Not a relay either: a forged SRS address of another domain.
            code, _ = s.rcpt("SRS0=abcd=AA=x.example=y@remote.example")
            self.assertEqual(code, 554)

    def test_sieve_redirect_uses_srs_like_an_alias(self):
        self.assertEqual(self.inbound("sender@elsewhere.example", "filter@example.test",
                                      message("redirect me", "sender@elsewhere.example", "filter@example.test")), {})
        got = wait_until(lambda: [m for m in self.at_sink("friend@remote.example") if "redirect me" in m[1]], 20,
                         what="the redirected message at the sink")
        self.assertEqual(len(got), 1)
        self.assertIsNotNone(SRS0.fullmatch(got[0][0]), got[0][0])
        self.assertIn("Delivered-To: filter@example.test", got[0][1])
        self.assertRegex(self.mr.log_text(), r"event=redirect_sent .*user=filter@example\.test")

    def test_sender_without_srs_form_is_bounced_not_forwarded(self):
        sender = "l" * 60 + "@elsewhere.example"
        self.assertEqual(self.inbound(sender, "fwd@example.test", message("too long", sender, "fwd@example.test")),
                         {})
        notice = wait_until(lambda: self.at_sink(sender), 20, what="a bounce to the sender")
        self.assertEqual(notice[0][0], "<>")
        text = notice[0][1]
        self.assertIn("Action: failed", text)
        self.assertIn("5.7.0", text)
        self.assertIn("not forwarded", text)
        self.assertFalse([m for m in self.at_sink("friend@remote.example") if "Subject: too long" in m[1]])
        self.assertRegex(self.mr.log_text(), r"event=failed .*to=friend@remote\.example.*no SRS form")

    def test_secret_file_is_private_and_audited(self):
        self.forward_one("make the key")
        key = os.path.join(data_dir(self.mr), "srs.key")
        st = os.stat(key)
        self.assertEqual(st.st_size, 32)
        self.assertEqual(st.st_mode & 0o777, 0o600)
        if os.geteuid() == 0:
            run_user = self.mr.settings()["server"].get("run_user", "mailroom")
            self.assertEqual(st.st_uid, pwd.getpwnam(run_user).pw_uid)
            res = self.mr.run("check", check=False)
            self.assertNotIn("srs.key", res.stdout)
            os.chmod(key, 0o644)
            try:
                res = self.mr.run("check", check=False)
                self.assertIn(f"problem: {key}: mode 0644, want 0640", res.stdout)
            finally:
                os.chmod(key, 0o600)


if __name__ == "__main__":
    unittest.main()
