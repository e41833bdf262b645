"""Mail that authenticated users send from a hosted domain leaves signed twice (RFC 8463
dual signing: ed25519-sha256 and rsa-sha256), and dkimpy, the reference verifier, accepts
both signatures with the keys `mailroom dns` publishes; spooled (large) messages too.
Mail that arrives on port 25 is not signed, and a changed header breaks the signatures.
"""
import email
import email.policy
import glob
import json
import os
import smtplib
import time
import unittest

from lib import Mailroom, run_client, unverified_context, wait_for_port

ALICE = "alice@example.test"
BOB = "bob@example.test"
PASSWORD = "correct horse"
VERIFY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dkim_verify.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-dkim


class DkimSigningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.add_user(ALICE, PASSWORD)
        cls.mr.add_user(BOB, PASSWORD)
        cls.mr.set_option("spool_threshold_bytes", "262144", "4096")
        cls.mr.up()
        if not wait_for_port(cls.mr.port("submission")) or not wait_for_port(cls.mr.port("smtp")):
            cls.mr.close()
            raise RuntimeError("smtpd did not start")
        cls.records = os.path.join(cls.mr.tmp, "records.json")
        with open(cls.records, "w") as f:
            f.write(cls.mr.run("dns", "example.test", "--json").stdout)

    @classmethod
    def tearDownClass(cls):
        cls.mr.stop()
        log = cls.mr.log_text()
        cls.mr.close()
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]

    def submit(self, message):
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), local_hostname="client.example") as s:
            s.starttls(context=unverified_context())
            s.login(ALICE, PASSWORD)
            s.sendmail(ALICE, [BOB], message)

    def delivered(self, tag, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in glob.glob(os.path.join(self.mr.user_dir(BOB), "new", "*")):
                with open(path, "rb") as f:
                    data = f.read()
                if tag.encode() in data:
                    return data
            time.sleep(0.2)
        self.fail(f"message {tag} not delivered")

    def verify(self, data):
        res = run_client("dkimpy", [SYSTEM_PYTHON, VERIFY, self.records], timeout=60, input=data)
        self.assertEqual(res.returncode, 0, res.stderr)
        return json.loads(res.stdout)["signatures"]

    def message(self, tag, body):
        return (f"From: Alice <{ALICE}>\r\nTo: Bob <{BOB}>\r\nSubject: {tag}\r\n"
                f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{tag}@example.test>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}").encode()

    def assert_dual_signed(self, data):
        sigs = self.verify(data)
        self.assertEqual(sorted(s["a"] for s in sigs), ["ed25519-sha256", "rsa-sha256"], sigs)
        for s in sigs:
            self.assertTrue(s["valid"], sigs)
            self.assertEqual(s["d"], "example.test")
            self.assertEqual(s["c"], "relaxed/relaxed")
            names = s["h"].lower().split(":")
            self.assertEqual(names.count("from"), 2, names)  # over-signed
            for name in ("to", "subject", "date", "message-id", "mime-version", "content-type"):
                self.assertIn(name, names)
        return sigs

    def test_submitted_message_is_signed_with_both_keys(self):
        body = "Hi Bob,\r\n\r\n  spaces   inside  and trailing   \r\n.leading dot\r\n\r\n\r\n"
        self.submit(self.message("sign-small", body))
        self.assert_dual_signed(self.delivered("sign-small"))

    def test_changed_subject_breaks_both_signatures(self):
        self.submit(self.message("sign-tamper", "text\r\n"))
        data = self.delivered("sign-tamper")
        tampered = data.replace(b"Subject: sign-tamper", b"Subject: sign-tampered")
        sigs = self.verify(tampered)
        self.assertEqual(len(sigs), 2)
        self.assertFalse(any(s["valid"] for s in sigs), sigs)

    def test_spooled_message_is_signed(self):
        body = "".join(f"line {i:06d} of a message larger than the spool threshold\r\n" for i in range(2000))
        self.submit(self.message("sign-spooled", body))
        data = self.delivered("sign-spooled")
        self.assertGreater(len(data), 4096 * 10)
        self.assert_dual_signed(data)
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        self.assertEqual(len(parsed.get_all("DKIM-Signature")), 2)

    def test_mail_received_on_port_25_is_not_signed(self):
        msg = (f"From: <someone@remote.example>\r\nTo: <{BOB}>\r\nSubject: sign-inbound\r\n\r\nhello\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="remote.example") as s:
            s.sendmail("someone@remote.example", [BOB], msg)
        data = self.delivered("sign-inbound")
        self.assertNotIn(b"DKIM-Signature", data)


if __name__ == "__main__":
    unittest.main(verbosity=2)
