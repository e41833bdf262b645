"""DANE (RFC 7672) in deliverd's remote delivery (issue 17), end to end.

`[dns] trust_ad = true` makes the AD bit of the configured resolver count as DNSSEC
validation. dnsmasq (which the other tests use) sets AD only on answers it validated from an
upstream server, never on its own records, and a signed zone on loopback would need a zone
signer and an authoritative server that serves RRSIGs (ldnsutils/bind9 and nsd/knot, not
installed). So the resolver is a small UDP responder in this file that answers from a table
and sets AD where the table says the answer is validated: what deliverd sees of a
validating resolver such as unbound. DNSSEC validation itself is not exercised here.
The MX is the scripted SMTP server of remote_util with a self-signed certificate (no CA
vouches for it: only the TLSA record does). Our side is mr-remote-send.
"""
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import unittest

from remote_util import ScriptedServers, by_address, make_cert, remote_send, write_config, write_message

A, MX, TXT, AAAA, TLSA = 1, 15, 16, 28, 52


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


class AdResolver:
    """UDP DNS on 127.0.0.1 answering from `records` {(name, type): [rdata bytes]}; names
    in `insecure` are answered without the AD bit, everything else with it."""

    def __init__(self, records, insecure=()):
        self.records = records
        self.insecure = set(insecure)
        self.names = {name for name, _ in records}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.server = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            reply = self._answer(data)
            if reply:
                self.sock.sendto(reply, peer)

    def _answer(self, q):
        if len(q) < 12:
            return None
        qid, flags = struct.unpack("!HH", q[:4])
        pos, labels = 12, []
        while pos < len(q) and q[pos] != 0:
            labels.append(q[pos + 1:pos + 1 + q[pos]].decode())
            pos += 1 + q[pos]
        qtype = struct.unpack("!H", q[pos + 1:pos + 3])[0]
        question = q[12:pos + 5]
        name = ".".join(labels).lower()
        rdatas = self.records.get((name, qtype), [])
        rcode = 0 if name in self.names else 3  # NXDOMAIN
        ad = 0 if name in self.insecure else 0x20
        head = struct.pack("!HBBHHHH", qid, 0x84 | (flags >> 8 & 0x01), 0x80 | ad | rcode, 1, len(rdatas), 0, 0)
        answers = b"".join(struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(r)) + r for r in rdatas)
        return head + question + answers

    def stop(self):
        self.stopped = True
        self.sock.close()


def spki_sha256(cert):
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, check=True,
                         capture_output=True).stdout
    return hashlib.sha256(der).digest()


def tlsa(usage, selector, mtype, data):
    return bytes([usage, selector, mtype]) + data


def mx(pref, host):
    return struct.pack("!H", pref) + encode_name(host)


class DaneTest(ScriptedServers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dane-it-")
        cls.cert = make_cert(cls.tmp, "self-signed.example")  # names no MX: DANE-EE ignores names
        good = tlsa(3, 1, 1, spki_sha256(cls.cert[0]))
        bad = tlsa(3, 1, 1, hashlib.sha256(b"another key").digest())
        records = {}
        for domain, record in (("good.test", good), ("bad.test", bad), ("strip.test", good),
                               ("insecure.test", bad)):
            host = f"mx.{domain}"
            records[(domain, MX)] = [mx(10, host)]
            records[(host, A)] = [socket.inet_aton("127.0.0.1")]
            records[(f"_25._tcp.{host}", TLSA)] = [record]
        cls.dns = AdResolver(records, insecure=["insecure.test"])

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def send(self, tls, rcpt, trust_ad=True):
        srv = self.server(extensions=["PIPELINING"], tls=tls)
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        cfg = write_config(d, dns_servers=[self.dns.server], remote_port=srv.port, connect_timeout_s=5,
                           reuse_idle_s=1)
        with open(cfg, "a") as f:
            f.write(f"[dns]\ntrust_ad = {'true' if trust_ad else 'false'}\n")
        results, log = remote_send(cfg, write_message(self.tmp), [rcpt], "--log-level", "debug")
        return srv, by_address(results)[rcpt], log

    def test_dane_ee_match_is_delivered_over_tls(self):
        srv, r, log = self.send(self.cert, "a@good.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertTrue(srv.transactions[0]["tls"])
        self.assertIn('hosts=1 note="1 MX host(s) with TLSA records"', log)

    def test_tlsa_mismatch_is_deferred(self):
        srv, r, log = self.send(self.cert, "a@bad.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("DANE (TLSA records of mx.bad.test)", r["reply"])
        self.assertIn("TLS handshake with mx.bad.test[127.0.0.1] failed", r["reply"])
        self.assertIn("no matching DANE TLSA records", log)
        self.assertEqual(srv.transactions, [], "no plaintext retry under DANE")

    def test_starttls_stripped_is_deferred(self):
        srv, r, log = self.send(None, "a@strip.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("DANE", r["reply"])
        self.assertIn("STARTTLS", r["reply"])
        self.assertEqual(srv.transactions, [])

    def test_unvalidated_mx_records_leave_dane_off(self):
        srv, r, log = self.send(self.cert, "a@insecure.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))

    def test_without_trust_ad_tlsa_records_are_not_enforced(self):
        srv, r, log = self.send(self.cert, "a@bad.test", trust_ad=False)
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertNotIn("event=dane_policy", log)


if __name__ == "__main__":
    unittest.main()
