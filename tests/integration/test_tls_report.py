"""SMTP TLS Reporting (RFC 8460) end to end: deliverd counts its TLS sessions to a domain
with an MTA-STS policy and mails that domain's rua= address the report.

A real instance (`mailroom up`) delivers to good.test, whose MTA-STS policy (enforce) is
served as in test_mta_sts (dnsmasq, a private CA that [delivery] ca_file trusts, the HTTPS
policy host), and whose `_smtp._tls` TXT record asks for reports at a local user of the
instance. The MX is the scripted SMTP server of remote_util: first with a certificate for
mx.good.test (delivered), then, on the same port, with one for another name (deferred: a
certificate-host-mismatch). `mailroom tlsrpt send --now` then has deliverd send today's
report, which lands in the rua mailbox: a multipart/report with the gzipped JSON.
"""
import gzip
import json
import os
import time
import unittest

from deliver_util import data_dir, enqueue, inbox, wait_for_children, wait_for_messages, wait_until
from lib import Mailroom
from remote_util import Dnsmasq, ScriptedSmtpServer, missing_tools
from test_mta_sts import PolicyServer, make_ca, make_leaf

RUA = "tlsrpt@example.test"
MESSAGE = "From: alice@example.test\r\nTo: a@good.test\r\nSubject: {n}\r\nMessage-ID: <{n}@example.test>\r\n\r\nHi.\r\n"


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class TlsReportTest(unittest.TestCase):
    def setUp(self):
        self.servers = []
        self.mr = Mailroom(domain="example.test", hostname="mx.example.test")
        tmp = self.mr.tmp
        ca = make_ca(tmp)
        self.good_cert = make_leaf(tmp, ca, "mx", ["mx.good.test"])
        self.other_cert = make_leaf(tmp, ca, "other", ["somewhere.else.test"])
        self.policy = PolicyServer(*make_leaf(tmp, ca, "policy", ["mta-sts.good.test"]),
                                   policies={"good.test": ("enforce", "mx.good.test")})
        self.dns = Dnsmasq(tmp, mx=[("good.test", "mx.good.test", 10)],
                           hosts=[("mx.good.test", "127.0.0.1"), ("mta-sts.good.test", "127.0.0.1")],
                           txt=[("_mta-sts.good.test", "v=STSv1; id=1"),
                                ("_smtp._tls.good.test", f"v=TLSRPTv1; rua=mailto:{RUA}")])
        self.mx = self.start_mx(self.good_cert)
        self.mr.set_dns_servers([self.dns.server])
        self.mr.set_in_table("delivery", "ca_file", '""', f'"{ca[0]}"')
        self.mr.set_in_table("delivery", "mta_sts_port", "443", str(self.policy.port))
        self.mr.set_option("remote_port", "25", str(self.mx.port))
        self.mr.set_option("reuse_idle_s", "5", "1")
        self.mr.set_option("poll_interval_s", "30", "1")
        self.mr.add_user(RUA, "secret password")

    def tearDown(self):
        self.mr.close()
        for s in self.servers:
            s.stop()
        self.dns.stop()
        self.policy.stop()

    def start_mx(self, cert, port=0):
        server = ScriptedSmtpServer(extensions=["PIPELINING"], tls=cert, port=port)
        self.servers.append(server)
        return server

    def test_a_day_of_sessions_is_reported_to_the_rua_address(self):
        self.mr.up()
        wait_for_children(self.mr, ("deliverd",))

        enqueue(self.mr, "alice@example.test", ["a@good.test"], MESSAGE.format(n="first"))
        wait_until(lambda: self.mx.transactions, 20, what="the delivery over verified TLS")
        self.assertTrue(self.mx.transactions[0]["tls"])
        time.sleep(2)  # the idle connection (reuse_idle_s = 1) says QUIT

        # The same MX port now presents a certificate for another name: enforce defers.
        port = self.mx.port
        self.mx.stop()
        bad = self.start_mx(self.other_cert, port=port)
        enqueue(self.mr, "alice@example.test", ["b@good.test"], MESSAGE.format(n="second"))
        wait_until(lambda: "hostname mismatch" in self.mr.log_text(), 20, what="the refused certificate")
        self.assertEqual(bad.transactions, [])

        # A report of our own is not sent before the day is over...
        self.assertEqual(inbox(self.mr, RUA), [])
        self.mr.run("tlsrpt", "send", "--now")
        msg = wait_for_messages(self.mr, RUA, 1)[0]

        # RFC 8460 §5.3: the fields, the subject, the parts.
        self.assertEqual(msg["TLS-Report-Domain"], "good.test")
        self.assertEqual(msg["TLS-Report-Submitter"], "mx.example.test")
        self.assertEqual(msg["From"], "postmaster@mx.example.test")
        self.assertRegex(str(msg["Subject"]),
                         r"^Report Domain: good\.test Submitter: mx\.example\.test Report-ID: <[0-9a-f]+@mx\.example\.test>$")
        self.assertEqual(msg.get_content_type(), "multipart/report")
        self.assertEqual(msg.get_param("report-type"), "tlsrpt")
        parts = list(msg.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts], ["text/plain", "application/tlsrpt+gzip"])
        name = parts[1].get_filename()
        self.assertRegex(name, r"^mx\.example\.test!good\.test!\d+!\d+![0-9a-f]+\.json\.gz$")
        report = json.loads(gzip.decompress(parts[1].get_content()))

        # RFC 8460 §4.4: one policy (the MTA-STS one), 1 success and 1 failure.
        self.assertEqual(report["organization-name"], "mx.example.test")
        self.assertEqual(report["contact-info"], "postmaster@mx.example.test")
        self.assertIn(report["report-id"], str(msg["Subject"]))
        self.assertEqual(len(report["policies"]), 1, report)
        p = report["policies"][0]
        self.assertEqual(p["policy"]["policy-type"], "sts")
        self.assertEqual(p["policy"]["policy-domain"], "good.test")
        self.assertIn("mode: enforce", p["policy"]["policy-string"])
        self.assertEqual(p["policy"]["mx-host"], ["mx.good.test"])
        self.assertEqual(p["summary"], {"total-successful-session-count": 1, "total-failure-session-count": 1})
        self.assertEqual(len(p["failure-details"]), 1, p)
        f = p["failure-details"][0]
        self.assertEqual(f["result-type"], "certificate-host-mismatch")
        self.assertEqual(f["receiving-mx-hostname"], "mx.good.test")
        self.assertEqual(f["receiving-ip"], "127.0.0.1")
        self.assertEqual(f["sending-mta-ip"], "127.0.0.1")
        self.assertEqual(f["failed-session-count"], 1)

        # The counts live under the data dir, unreadable by others; once reported they are gone.
        db = os.path.join(data_dir(self.mr), "tlsrpt.db")
        self.assertEqual(os.stat(db).st_mode & 0o007, 0)
        self.mr.run("tlsrpt", "send", "--now")
        time.sleep(2)
        self.assertEqual(len(inbox(self.mr, RUA)), 1, "nothing new to report, no second report")
        self.assertIn("event=tlsrpt_queued", self.mr.log_text())


if __name__ == "__main__":
    unittest.main()
