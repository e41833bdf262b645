"""DANE (RFC 7672) in deliverd's remote delivery (issue 17), end to end over real DNSSEC.

The destination zones are signed by ldns-signzone and served by NSD; Unbound validates them
against their trust anchors, and `[dns] servers` points at Unbound with `[dns] trust_ad =
true`, so what decides DANE is Unbound's validation (see dnssec_util): a good signature
gives the AD bit, a broken or expired one SERVFAIL, an unsigned zone an answer without AD.
The MX (or the smarthost, with TLSA records at its own port, RFC 7672 §2.2.2) is the
scripted SMTP server of remote_util with a self-signed certificate (no CA vouches for it:
only the TLSA record does). Our side is mr-remote-send.
"""
import hashlib
import shutil
import subprocess
import tempfile
import unittest

import dnssec_util
from dnssec_util import Nsd, Unbound, Zone
from remote_util import (ScriptedServers, ScriptedSmtpServer, by_address, make_cert, remote_send, write_config,
                         write_message)


def spki_sha256(cert):
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, check=True,
                         capture_output=True).stdout
    return hashlib.sha256(der).digest()


def destination(name, tlsa=None):
    """Zone lines (relative names) for mail domain `name` with MX host mx.`name` on
    127.0.0.1 and, when given, `tlsa` (presentation form) at _25._tcp.mx.`name`."""
    lines = [f"{name} IN MX 10 mx.{name}", f"mx.{name} IN A 127.0.0.1"]
    if tlsa:
        lines.append(f"_25._tcp.mx.{name} IN TLSA {tlsa}")
    return "\n".join(lines)


@unittest.skipIf(dnssec_util.missing_tools(), f"missing {dnssec_util.missing_tools()} (scripts/install-deps.sh --test)")
class DaneTest(ScriptedServers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dane-it-")
        cls.cert = make_cert(cls.tmp, "self-signed.example")  # names no MX: DANE-EE ignores names
        good = "3 1 1 " + spki_sha256(cls.cert[0]).hex()
        bad = "3 1 1 " + hashlib.sha256(b"another key").hexdigest()
        # Smarthosts (RFC 7672 §2.2.2): TLSA records at the port we connect to, not at 25.
        cls.relays = {name: ScriptedSmtpServer(extensions=["PIPELINING"], tls=cls.cert)
                      for name in ("relay-good", "relay-bad")}
        relay_records = [f"{name} IN A 127.0.0.1\n"
                         f"_{srv.port}._tcp.{name} IN TLSA {good if name == 'relay-good' else bad}"
                         for name, srv in cls.relays.items()]
        signed = Zone(cls.tmp, "dane.test", "\n".join([
            destination("good", good), destination("bad", bad), destination("strip", good),
            destination("notlsa"),
            destination("bogus", good)] + relay_records), tamper=["_25._tcp.mx.bogus"])
        # Signatures that expired years ago: Unbound finds every answer of the zone bogus.
        expired = Zone(cls.tmp, "expired.test", destination("mail", good),
                             inception="20200101", expiration="20200201")
        # Served like the others, but unsigned: Unbound answers without AD.
        insecure = Zone(cls.tmp, "insecure.test", destination("mail", bad), sign=False)
        cls.nsd = Nsd(cls.tmp, [signed, expired, insecure])
        cls.unbound = Unbound(cls.tmp, cls.nsd)

    @classmethod
    def tearDownClass(cls):
        for srv in cls.relays.values():
            srv.stop()
        cls.unbound.stop()
        cls.nsd.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def send(self, tls, rcpt, trust_ad=True, relay=None, **delivery):
        srv = self.server(extensions=["PIPELINING"], tls=tls) if relay is None else self.relays[relay]
        if relay:
            delivery["smarthost"] = f"{relay}.dane.test:{srv.port}"
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        cfg = write_config(d, dns_servers=[self.unbound.server], remote_port=srv.port, connect_timeout_s=5,
                           reuse_idle_s=1, **delivery)
        with open(cfg, "a") as f:
            f.write(f"[dns]\ntrust_ad = {'true' if trust_ad else 'false'}\n")
        results, log = remote_send(cfg, write_message(self.tmp), [rcpt], "--log-level", "debug")
        return srv, by_address(results)[rcpt], log

    def assert_deferred(self, r, srv, *reply_parts, code="451 "):
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertTrue(r["reply"].startswith(code), r)
        for part in reply_parts:
            self.assertIn(part, r["reply"])
        self.assertEqual(srv.transactions, [], "no plaintext retry under DANE")

    def test_dane_ee_match_is_delivered_over_tls(self):
        srv, r, log = self.send(self.cert, "a@good.dane.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertTrue(srv.transactions[0]["tls"])
        self.assertIn('hosts=1 note="1 MX host(s) with TLSA records"', log)

    def test_tlsa_mismatch_is_deferred(self):
        srv, r, log = self.send(self.cert, "a@bad.dane.test")
        self.assert_deferred(r, srv, "DANE (TLSA records of mx.bad.dane.test)",
                             "TLS handshake with mx.bad.dane.test[127.0.0.1] failed")
        self.assertIn("no matching DANE TLSA records", log)

    def test_starttls_stripped_is_deferred(self):
        srv, r, log = self.send(None, "a@strip.dane.test")
        self.assert_deferred(r, srv, "DANE", "STARTTLS")

    def test_bogus_tlsa_signature_is_deferred(self):
        # The MX and address records validate, the TLSA RRset does not (Unbound: SERVFAIL):
        # RFC 7672 §2.2 cannot tell that from an attack, so no connection at all.
        srv, r, log = self.send(self.cert, "a@bogus.dane.test")
        self.assert_deferred(r, srv, "TLSA lookup of _25._tcp.mx.bogus.dane.test failed")
        self.assertIn("validation failure <_25._tcp.mx.bogus.dane.test. TLSA IN>", self.unbound.log_text())
        self.assertEqual(srv.connections, 0)

    def test_expired_zone_is_deferred(self):
        # Unbound answers SERVFAIL even for the MX records: no route at all, so no reply
        # code of ours either (the queue keeps the message as for any DNS failure).
        srv, r, log = self.send(self.cert, "a@mail.expired.test")
        self.assert_deferred(r, srv, "DNS lookup of the MX records of mail.expired.test failed", code="DNS ")
        self.assertIn("validation failure", self.unbound.log_text())
        self.assertEqual(srv.connections, 0)

    def test_signed_zone_without_tlsa_is_opportunistic(self):
        # Validated MX, no TLSA RRset (a validated NXDOMAIN): DANE does not apply, and a
        # server without STARTTLS gets the message in the clear as anywhere else.
        srv, r, log = self.send(None, "a@notlsa.dane.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertFalse(srv.transactions[0]["tls"])
        self.assertIn('note="0 MX host(s) with TLSA records"', log)

    def test_unvalidated_mx_records_leave_dane_off(self):
        srv, r, log = self.send(self.cert, "a@mail.insecure.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertIn('note="MX records not DNSSEC-validated"', log)

    def test_smarthost_with_matching_tlsa_is_delivered(self):
        # smarthost_tls = "required" with no CA that vouches for the self-signed certificate:
        # the validated TLSA record of the smarthost is what authenticates it.
        srv, r, log = self.send(None, "a@anywhere.example", relay="relay-good", smarthost_tls="required")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertTrue(srv.transactions[-1]["tls"])
        self.assertIn('note="relay with TLSA records"', log)

    def test_smarthost_tlsa_mismatch_is_deferred(self):
        srv, r, log = self.send(None, "a@anywhere.example", relay="relay-bad", smarthost_tls="opportunistic")
        self.assert_deferred(r, srv, "DANE (TLSA records of relay-bad.dane.test)")
        self.assertIn("no matching DANE TLSA records", log)

    def test_without_trust_ad_tlsa_records_are_not_enforced(self):
        srv, r, log = self.send(self.cert, "a@bad.dane.test", trust_ad=False)
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertNotIn("event=dane_policy", log)


if __name__ == "__main__":
    unittest.main()
