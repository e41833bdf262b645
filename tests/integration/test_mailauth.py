"""Mail from other servers is checked with SPF, DKIM and DMARC (issue 15), end to end:
the real daemons, dnsmasq as the DNS of the senders' domains, and clients that come
"from" any address through the PROXY listener ([listen] smtp_proxy), as a load balancer
would send them.

- a sender SPF allows, with the From domain's DMARC aligned: INBOX, spf=pass, dmarc=pass;
- a spoof of a p=reject domain: 550 5.7.1 after the data, nothing stored;
- a spoof of a p=quarantine domain: the recipient's Junk folder;
- our own DKIM-signed mail resent from a forwarder SPF does not allow: the aligned DKIM
  pass carries DMARC, the message is accepted with dkim=pass header.d=example.test;
- a client a DNS blocklist lists: 554 with the list's reason instead of the greeting;
- a forged Authentication-Results field naming our host is removed.
"""
import glob
import json
import os
import re
import smtplib
import time
import unittest
import urllib.request

from deliver_util import inbox_files, user_dir, wait_for_children, wait_until
from lib import Mailroom, port_is_free, stop_and_check, unverified_context, wait_for_port
from remote_util import Dnsmasq, missing_tools
from test_smtp_proxy import ProxiedSmtp, v1

RCPT = "rcpt@example.test"
ALICE = "alice@example.test"
PASSWORD = "correct horse"
GOOD_IP = "192.0.2.10"     # the senders' SPF allows it
BAD_IP = "203.0.113.5"     # nobody's
LISTED_IP = "192.0.2.99"   # bl.test lists it


class MailAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = missing_tools()
        if missing:
            raise unittest.SkipTest("missing: " + ", ".join(missing))
        cls.mr = Mailroom()
        cls.dns = None
        try:
            cls.proxy_port = cls.mr.port_base + 26
            if not port_is_free(cls.proxy_port):
                raise unittest.SkipTest(f"port {cls.proxy_port} is taken")
            records = json.loads(cls.mr.run("dns", "example.test", "--json").stdout)
            txt = [(r["name"], r["value"]) for r in records if "._domainkey." in r["name"]]
            txt += [
                ("bank.test", f"v=spf1 ip4:{GOOD_IP} -all"),
                ("_dmarc.bank.test", "v=DMARC1; p=reject"),
                ("shop.test", f"v=spf1 ip4:{GOOD_IP} -all"),
                ("_dmarc.shop.test", "v=DMARC1; p=quarantine"),
                ("example.test", f"v=spf1 ip4:{GOOD_IP} -all"),
                ("_dmarc.example.test", "v=DMARC1; p=reject"),
                ("99.2.0.192.bl.test", "Listed by bl.test: see https://bl.test/192.0.2.99"),
            ]
            srv = {r["name"]: r["value"].split() for r in records if r["type"] == "SRV"}
            prio, weight, port, target = srv["_imaps._tcp.example.test"]
            cls.dns = Dnsmasq(cls.mr.tmp, hosts=[("99.2.0.192.bl.test", "127.0.0.2"), ("mx.example.test", "127.0.0.1"),
                                                 ("autodiscover.example.test", "127.0.0.1")], txt=txt,
                              srv=[("_imaps._tcp.example.test", target.rstrip("."), port, prio, weight),
                                   ("_pop3s._tcp.example.test", target.rstrip("."), "1", prio, weight)],
                              cname=[("autoconfig.example.test", "mx.example.test")])
            cls.mr.set_dns_servers([cls.dns.server])
            cls.mr.set_option("smtp_proxy", "[]", f'["127.0.0.1:{cls.proxy_port}"]')
            cls.mr.set_option("proxy_trusted", "[]", '["127.0.0.1/32"]')
            cls.mr.set_option("dnsbl", "[]", '["bl.test"]')
            cls.mr.add_user(RCPT, PASSWORD)
            cls.mr.add_user(ALICE, PASSWORD)
            cls.mr.up()
            wait_for_children(cls.mr, ("smtpd", "deliverd"))
            for port in (cls.proxy_port, cls.mr.port("submission")):
                if not wait_for_port(port):
                    raise AssertionError("listener did not open: " + cls.mr.log_text()[-3000:])
        except BaseException:
            if cls.dns:
                cls.dns.stop()
            cls.mr.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            stop_and_check(cls.mr, "smtpd")
        finally:
            cls.dns.stop()
            cls.mr.close()

    def send(self, client_ip, sender, message):
        """One transaction through the proxy listener; returns the reply to the data."""
        c = ProxiedSmtp(self.proxy_port, v1(client_ip))
        try:
            self.assertTrue(c.greeting.startswith("220 "), c.greeting)
            self.assertTrue(c.cmd("EHLO client.test").startswith("250"))
            self.assertTrue(c.cmd(f"MAIL FROM:<{sender}>").startswith("250"))
            self.assertTrue(c.cmd(f"RCPT TO:<{RCPT}>").startswith("250"))
            self.assertTrue(c.cmd("DATA").startswith("354"))
            body = message.replace("\r\n.", "\r\n..")
            reply = c.cmd(body + ("" if body.endswith("\r\n") else "\r\n") + ".")
            c.cmd("QUIT")
            return reply
        finally:
            c.close()

    def find(self, folder_glob, tag, timeout=20):
        def found():
            for path in glob.glob(os.path.join(user_dir(self.mr, RCPT), folder_glob, "*")):
                with open(path, "rb") as f:
                    data = f.read()
                if tag.encode() in data:
                    return data
            return None
        return wait_until(found, timeout, what=f"message {tag} in {folder_glob}")

    @staticmethod
    def message(sender_from, tag, extra=""):
        return (f"From: <{sender_from}>\r\nTo: <{RCPT}>\r\nSubject: {tag}\r\nMessage-ID: <{tag}@test>\r\n"
                f"{extra}\r\nbody of {tag}\r\n")

    def results_of(self, data):
        head = data.split(b"\r\n\r\n", 1)[0].decode()
        fields = [f for f in head.replace("\r\n\t", " ").split("\r\n") if f.startswith("Authentication-Results:")]
        return fields

    def test_aligned_spf_pass_lands_in_inbox(self):
        reply = self.send(GOOD_IP, "alerts@bank.test", self.message("alerts@bank.test", "auth-good"))
        self.assertTrue(reply.startswith("250"), reply)
        data = self.find("new", "auth-good")
        self.assertTrue(data.startswith(b"Return-Path:"), data[:100])
        fields = self.results_of(data)
        self.assertEqual(len(fields), 1, fields)
        self.assertIn("Authentication-Results: mx.example.test;", fields[0])
        self.assertIn("spf=pass smtp.mailfrom=alerts@bank.test", fields[0])
        self.assertIn("dkim=none", fields[0])
        self.assertIn("dmarc=pass", fields[0])
        self.assertIn("header.from=bank.test", fields[0])

    def rejections(self, reason):
        """mailroom_smtp_rejections_total{reason=...} of webd's /metrics."""
        url = f"http://127.0.0.1:{self.mr.port('http')}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        m = re.search(r'^mailroom_smtp_rejections_total\{reason="%s"\} (\d+)$' % reason, text, re.M)
        self.assertIsNotNone(m, text)
        return int(m.group(1))

    def test_spoof_of_reject_domain_is_refused(self):
        before = len(inbox_files(self.mr, RCPT))
        reply = self.send(BAD_IP, "x@attacker.test", self.message("ceo@bank.test", "auth-spoof"))
        self.assertTrue(reply.startswith("550 5.7.1"), reply)
        self.assertIn("DMARC", reply)
        time.sleep(1)
        for path in inbox_files(self.mr, RCPT)[before:]:
            with open(path, "rb") as f:
                self.assertNotIn(b"auth-spoof", f.read())
        self.assertIn("action=reject", self.mr.log_text())
        self.assertGreaterEqual(self.rejections("dmarc"), 1)

    def test_spoof_of_quarantine_domain_goes_to_junk(self):
        reply = self.send(BAD_IP, "x@attacker.test", self.message("sales@shop.test", "auth-junk"))
        self.assertTrue(reply.startswith("250"), reply)
        data = self.find(".Junk/new", "auth-junk")
        self.assertIn("dmarc=fail (p=quarantine dis=quarantine)", self.results_of(data)[0])
        for path in inbox_files(self.mr, RCPT):
            with open(path, "rb") as f:
                self.assertNotIn(b"auth-junk", f.read())

    def test_forwarded_dkim_signed_mail_passes_dmarc(self):
        # Our own user's mail, signed at submission ...
        with smtplib.SMTP("127.0.0.1", self.mr.port("submission"), local_hostname="client.test") as s:
            s.starttls(context=unverified_context())
            s.login(ALICE, PASSWORD)
            s.sendmail(ALICE, [RCPT], self.message(ALICE, "auth-signed").encode())
        signed = self.find("new", "auth-signed")
        # ... comes back through a forwarder SPF does not allow (the trace fields it got here dropped).
        text = signed.decode()
        lines = text.split("\r\n")
        while lines and (lines[0].startswith(("Return-Path:", "Delivered-To:", "Received:", "\t", " "))):
            lines.pop(0)
        resent = "\r\n".join(lines)
        self.assertTrue(resent.startswith("DKIM-Signature:"), resent[:200])
        reply = self.send(BAD_IP, ALICE, resent)
        self.assertTrue(reply.startswith("250"), reply)
        def forwarded():
            for path in inbox_files(self.mr, RCPT):
                with open(path, "rb") as f:
                    data = f.read()
                if b"auth-signed" in data and b"Authentication-Results" in data:
                    return data
            return None
        data = wait_until(forwarded, 20, what="the forwarded copy")
        field = self.results_of(data)[0]
        self.assertIn("spf=fail", field)
        self.assertIn("dkim=pass header.d=example.test", field)
        self.assertIn("dmarc=pass", field)

    def test_listed_client_is_refused_before_the_greeting(self):
        c = ProxiedSmtp(self.proxy_port, v1(LISTED_IP))
        try:
            self.assertTrue(c.greeting.startswith("554 5.7.1 Listed by bl.test"), c.greeting)
            self.assertGreaterEqual(self.rejections("dnsbl"), 1)
            self.assertTrue(c.cmd("EHLO client.test").startswith("503"))
            self.assertTrue(c.cmd("QUIT").startswith("221"))
        finally:
            c.close()

    def test_check_compares_the_records_with_what_dns_serves(self):
        out = self.mr.run("check").stdout
        lines = out.splitlines()
        def status(prefix):
            for i, line in enumerate(lines):
                if line.strip().startswith(prefix):
                    return lines[i + 1].strip()
            self.fail(f"no {prefix} line in:\n{out}")
        self.assertEqual(status("ed25519-"), "published")
        self.assertEqual(status("rsa-"), "published")
        self.assertEqual(status("example.test. IN MX"), "missing")
        self.assertEqual(status('example.test. IN TXT "v=spf1'), f'differs: "v=spf1 ip4:{GOOD_IP} -all"')
        self.assertEqual(status("_dmarc.example.test. IN TXT"), 'differs: "v=DMARC1; p=reject"')
        # SRV and CNAME (RFC 6186, client autoconfiguration, MTA-STS) are looked up too.
        self.assertEqual(status("_imaps._tcp.example.test. IN SRV"), "published")
        self.assertTrue(status("_pop3s._tcp.example.test. IN SRV").startswith("differs: SRV 0 1 1 mx.example.test"),
                        out)
        self.assertEqual(status("_submission._tcp.example.test. IN SRV"), "missing")
        self.assertEqual(status("autoconfig.example.test. IN CNAME"), "published")
        self.assertEqual(status("autodiscover.example.test. IN CNAME"),
                         "differs: A 127.0.0.1 instead of the CNAME")
        self.assertEqual(status("mta-sts.example.test. IN CNAME"), "missing")

    def test_forged_results_naming_us_are_removed(self):
        forged = "Authentication-Results: mx.example.test; dmarc=pass header.from=bank.test\r\n"
        reply = self.send(GOOD_IP, "alerts@bank.test", self.message("alerts@bank.test", "auth-forged", forged))
        self.assertTrue(reply.startswith("250"), reply)
        data = self.find("new", "auth-forged")
        fields = self.results_of(data)
        self.assertEqual(len(fields), 1, fields)
        self.assertIn("spf=pass", fields[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
