"""/metrics on webd (Prometheus text format 0.0.4) and logs under journald (issue 20, Observe).

A running instance gets traffic of every kind the metrics count (a queued and delivered
message, a relay refusal, an unknown user, a failed login); curl fetches /metrics and
prometheus_client's parser (Debian python3-prometheus-client) reads it: every family parses
and the counts are what was done. A client outside [http] metrics_allow (127.0.0.2 on the
loopback) gets 403. `mailroom up` runs with JOURNAL_STREAM naming its stderr, as systemd
sets it: every line then has a syslog priority prefix and no timestamp of its own.
"""
import json
import os
import smtplib
import subprocess
import sys
import time
import unittest

from lib import Mailroom, run_client, wait_for_port

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-prometheus-client
# Parses stdin with prometheus_client and prints every sample as JSON; a document it cannot
# parse makes it fail.
PARSER = """
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([family.type, s.name, s.labels, s.value])
print(json.dumps(out))
"""


def have_parser():
    return subprocess.run([SYSTEM_PYTHON, "-c", "import prometheus_client.parser"],
                          capture_output=True).returncode == 0

PASSWORD = "metrics-pw-1"


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(SYSTEM_PYTHON, os.X_OK) or not have_parser():
            print("test_metrics: SKIPPED: python3-prometheus-client is not installed", file=sys.stderr)
            raise unittest.SkipTest("python3-prometheus-client is not installed")

    def setUp(self):
        self.mr = Mailroom()
        self.mr.allow_plaintext_on_loopback()
        self.mr.add_user("alice@example.test", PASSWORD)
        open(self.mr.log_path, "w").close()
        st = os.stat(self.mr.log_path)
        # What systemd sets when stderr is the journal's stream (systemd.exec(5)).
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        self.mr.up(env=env)
        for name in ("smtp", "submission", "http"):
            self.assertTrue(wait_for_port(self.mr.port(name)), name)

    def tearDown(self):
        self.mr.close()

    def scrape(self, interface=None):
        url = f"http://127.0.0.1:{self.mr.port('http')}/metrics"
        argv = ["curl", "-sS", "-D", "-", url] + (["--interface", interface] if interface else [])
        res = run_client("curl", argv, timeout=20, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        head, _, body = res.stdout.replace("\r\n", "\n").partition("\n\n")
        return head, body

    def samples(self, body):
        res = subprocess.run([SYSTEM_PYTHON, "-c", PARSER], input=body, capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(res.returncode, 0, f"prometheus_client could not parse /metrics:\n{res.stderr}\n{body}")
        return {(name, tuple(sorted(labels.items()))): value for _, name, labels, value in json.loads(res.stdout)}

    def test_metrics_count_what_happened(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=20) as smtp:
            smtp.ehlo("client.test")
            smtp.mail("bob@elsewhere.test")
            self.assertEqual(smtp.rcpt("nobody@example.test")[0], 550)
            self.assertEqual(smtp.rcpt("carol@elsewhere.test")[0], 554)
            self.assertEqual(smtp.rcpt("alice@example.test")[0], 250)
            code, _ = smtp.data(b"From: bob@elsewhere.test\r\nSubject: counted\r\n\r\nhi\r\n")
            self.assertEqual(code, 250)
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), timeout=20) as sub:
            sub.ehlo("client.test")
            sub.user, sub.password = "alice@example.test", "wrong password"
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                sub.auth("PLAIN", sub.auth_plain)  # one attempt (login() would try LOGIN too)

        deadline = time.monotonic() + 20
        while True:
            head, body = self.scrape()
            s = self.samples(body)
            if s.get(("mailroom_messages_delivered_total", ())) == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertRegex(head, r"(?i)content-type: text/plain; version=0\.0\.4")
        self.assertEqual(s[("mailroom_messages_received_total", ())], 1)
        self.assertEqual(s[("mailroom_messages_delivered_total", ())], 1)
        self.assertEqual(s[("mailroom_smtp_rejections_total", (("reason", "unknown_user"),))], 1)
        self.assertEqual(s[("mailroom_smtp_rejections_total", (("reason", "relay"),))], 1)
        self.assertEqual(s[("mailroom_smtp_rejections_total", (("reason", "dnsbl"),))], 0)
        self.assertEqual(s[("mailroom_auth_failures_total", (("daemon", "smtpd"),))], 1)
        self.assertGreaterEqual(s[("mailroom_connections_total", (("daemon", "smtpd"),))], 2)
        self.assertGreaterEqual(s[("mailroom_connections_total", (("daemon", "webd"),))], 1)
        self.assertEqual(s[("mailroom_delivery_latency_seconds_count", ())], 1)
        self.assertEqual(s[("mailroom_delivery_latency_seconds_bucket", (("le", "+Inf"),))], 1)
        self.assertEqual(s[("mailroom_queue_messages", ())], 0)
        self.assertGreater(s[("mailroom_store_bytes", ())], 0)

        # Outside metrics_allow (127.0.0.1/32, ::1/128): refused.
        head, _ = self.scrape(interface="127.0.0.2")
        self.assertRegex(head, r"^HTTP/1\.1 403")

    def test_journal_lines_have_priorities_and_no_timestamp(self):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=20) as smtp:
            smtp.ehlo("client.test")
            smtp.mail("bob@elsewhere.test")
            smtp.rcpt("nobody@example.test")
        time.sleep(0.5)
        lines = [l for l in self.mr.log_text().splitlines() if l.strip()]
        ours = [l for l in lines if "daemon=" in l]
        self.assertTrue(ours, lines)
        for line in ours:
            self.assertRegex(line, r"^<[3467]>level=(debug|info|warn|error) daemon=")
            self.assertNotIn("ts=", line.split(" ")[0])
        self.assertTrue(any(l.startswith("<6>level=info daemon=smtpd event=connect") for l in ours), ours)
        self.assertTrue(any(l.startswith("<4>level=warn daemon=smtpd event=smtp_error") for l in ours), ours)


if __name__ == "__main__":
    unittest.main(verbosity=2)
