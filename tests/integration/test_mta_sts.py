"""MTA-STS (RFC 8461) in deliverd's remote delivery (issue 17), end to end.

dnsmasq serves the MX, A and `_mta-sts` TXT records; a private CA (openssl CLI) signs the
certificates of the policy host and of the MX; [delivery] ca_file trusts that CA. The policy
host is Python's http.server with ssl on 127.0.0.1 (a static file server), reached through
the test-only [delivery] mta_sts_port. The MX is the scripted SMTP server of remote_util,
with STARTTLS or without it (a downgrade by stripping STARTTLS). Our side is mr-remote-send,
which runs deliverd's RemoteDelivery once.
"""
import http.server
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest

from remote_util import (Dnsmasq, ScriptedServers, by_address, missing_tools, remote_send,
                         write_config, write_message)

POLICY = "version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: {max_age}\r\n"

# domain: (mode, mx pattern) served at https://mta-sts.<domain>/.well-known/mta-sts.txt
POLICIES = {
    "good.test": ("enforce", "*.good.test"),
    "badmx.test": ("enforce", "mail.badmx.test"),
    "strip.test": ("enforce", "mx.strip.test"),
    "wrongcert.test": ("enforce", "mx.wrongcert.test"),
    "testing.test": ("testing", "mail.testing.test"),
    # The policy of the smarthost relay.test (RFC 8461 §3.4), naming the smarthost itself.
    "relay.test": ("enforce", "relay.test"),
}
DOMAINS = list(POLICIES) + ["nopolicy.test", "redirect.test"]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(tmp):
    key, cert = os.path.join(tmp, "ca.key"), os.path.join(tmp, "ca.pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", cert, "-days", "2", "-subj", "/CN=mailroom test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    return cert, key


def make_leaf(tmp, ca, name, dns_names):
    """A certificate for dns_names signed by the CA; returns (cert, key)."""
    key, csr = os.path.join(tmp, f"{name}.key"), os.path.join(tmp, f"{name}.csr")
    cert, ext = os.path.join(tmp, f"{name}.pem"), os.path.join(tmp, f"{name}.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + n for n in dns_names) + "\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", csr, "-subj", f"/CN={dns_names[0]}")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial", "-days", "2",
            "-out", cert, "-extfile", ext)
    return cert, key


class PolicyServer:
    """HTTPS on 127.0.0.1: the policy of the domain named by Host in `policies` ({domain:
    (mode, mx pattern)}), 404 for others; records each request's Host."""

    def __init__(self, cert, key, policies=POLICIES, max_age=86400):
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = self.headers.get("Host", "").split(":")[0]
                outer.requests.append((host, self.path))
                domain = host.removeprefix("mta-sts.")
                if domain == "redirect.test":
                    self.send_response(301)
                    self.send_header("Location", "https://mta-sts.badmx.test/.well-known/mta-sts.txt")
                    self.end_headers()
                    return
                if self.path != "/.well-known/mta-sts.txt" or domain not in policies:
                    self.send_error(404)
                    return
                mode, mx = policies[domain]
                body = POLICY.format(mode=mode, mx=mx, max_age=max_age).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def hosts(self):
        return [h for h, _ in self.requests]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class MtaStsTest(ScriptedServers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mta-sts-it-")
        os.chmod(cls.tmp, 0o755)
        cls.ca = make_ca(cls.tmp)
        cls.mx_cert = make_leaf(cls.tmp, cls.ca, "mx", [f"mx.{d}" for d in DOMAINS if d != "wrongcert.test"])
        cls.other_cert = make_leaf(cls.tmp, cls.ca, "other", ["somewhere.else.test"])
        cls.relay_cert = make_leaf(cls.tmp, cls.ca, "relay", ["relay.test"])
        cls.policy_cert = make_leaf(cls.tmp, cls.ca, "policy", [f"mta-sts.{d}" for d in DOMAINS])
        cls.policy = PolicyServer(*cls.policy_cert)
        cls.dns = Dnsmasq(
            cls.tmp,
            mx=[(d, f"mx.{d}", 10) for d in DOMAINS],
            hosts=[(f"mx.{d}", "127.0.0.1") for d in DOMAINS] + [(f"mta-sts.{d}", "127.0.0.1") for d in DOMAINS]
            + [("relay.test", "127.0.0.1")],
            txt=[(f"_mta-sts.{d}", "v=STSv1; id=20261207T1") for d in list(POLICIES) + ["redirect.test"]])

    @classmethod
    def tearDownClass(cls):
        cls.policy.stop()
        cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def mx(self, tls):
        return self.server(extensions=["PIPELINING"], tls=tls)

    def send(self, server, rcpt, **delivery):
        """One attempt to `rcpt` with the MX at `server`; returns (result, log)."""
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        cfg = write_config(d, dns_servers=[self.dns.server], remote_port=server.port, connect_timeout_s=5,
                           reuse_idle_s=1, ca_file=self.ca[0], mta_sts_port=self.policy.port, **delivery)
        results, log = remote_send(cfg, write_message(self.tmp), [rcpt], "--log-level", "debug")
        return by_address(results)[rcpt], log

    def test_enforce_with_a_valid_certificate_is_delivered_over_tls(self):
        srv = self.mx(self.mx_cert)
        r, log = self.send(srv, "a@good.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertEqual(r["remote_host"], "mx.good.test[127.0.0.1]")
        self.assertTrue(srv.transactions[0]["tls"])
        self.assertIn("mta-sts.good.test", self.policy.hosts())
        self.assertIn("mode=enforce", log)

    def test_enforce_with_an_mx_the_policy_does_not_name_is_deferred(self):
        srv = self.mx(self.mx_cert)
        r, log = self.send(srv, "a@badmx.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("MTA-STS policy of badmx.test (enforce) allows none of its MX hosts (mx.badmx.test)",
                      r["reply"])
        self.assertEqual(srv.connections, 0)

    def test_enforce_with_starttls_stripped_is_deferred(self):
        srv = self.mx(None)  # the server (or an attacker in the path) offers no STARTTLS
        r, log = self.send(srv, "a@strip.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("MTA-STS policy of strip.test (enforce)", r["reply"])
        self.assertIn("STARTTLS", r["reply"])
        self.assertEqual(srv.transactions, [])

    def test_enforce_with_a_certificate_for_another_name_is_deferred(self):
        srv = self.mx(self.other_cert)
        r, log = self.send(srv, "a@wrongcert.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("MTA-STS policy of wrongcert.test (enforce)", r["reply"])
        self.assertIn("TLS handshake with mx.wrongcert.test[127.0.0.1] failed", r["reply"])
        self.assertIn("hostname mismatch", log)
        self.assertEqual(srv.transactions, [], "no plaintext retry under enforce")

    def test_testing_mode_delivers_and_logs(self):
        srv = self.mx(None)
        r, log = self.send(srv, "a@testing.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertIn("mta_sts_mx_mismatch", log)
        self.assertIn("mode=testing", log)

    def test_no_policy_is_delivered_as_before(self):
        srv = self.mx(None)
        r, log = self.send(srv, "a@nopolicy.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertNotIn("mta-sts.nopolicy.test", self.policy.hosts())

    def test_a_redirect_is_not_followed(self):
        srv = self.mx(None)
        r, log = self.send(srv, "a@redirect.test")
        # The redirect leads to badmx.test's enforce policy, which would defer this mail.
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertIn("HTTP status 301", log)
        self.assertIn("event=mta_sts_fetch_failed", log)  # RFC 8461 §3.3: the operator hears of it

    def test_an_unexpired_cached_policy_applies_without_a_fetch(self):
        srv = self.mx(self.mx_cert)
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        cfg = write_config(d, dns_servers=[self.dns.server], remote_port=srv.port, connect_timeout_s=5,
                           reuse_idle_s=1, ca_file=self.ca[0], mta_sts_port=self.policy.port)
        results, _ = remote_send(cfg, write_message(self.tmp), ["a@badmx.test"])
        self.assertEqual(by_address(results)["a@badmx.test"]["outcome"], "tempfail")
        fetches = self.policy.hosts().count("mta-sts.badmx.test")
        cache = os.path.join(d, "data", "mta-sts", "badmx.test.policy")
        self.assertEqual(os.stat(cache).st_mode & 0o077, 0, "cache readable by us only")
        results, log = remote_send(cfg, write_message(self.tmp), ["a@badmx.test"], "--log-level", "debug")
        self.assertEqual(by_address(results)["a@badmx.test"]["outcome"], "tempfail")
        self.assertEqual(self.policy.hosts().count("mta-sts.badmx.test"), fetches, "same TXT id: no fetch")
        self.assertIn("note=cached", log)

    # RFC 8461 §3.4: through a smarthost, the smarthost's domain is the Policy Domain; the
    # recipient's policy describes MX hosts we do not connect to.
    def via_smarthost(self, server, rcpt, host="relay.test"):
        return self.send(server, rcpt, smarthost=f"{host}:{server.port}", smarthost_tls="opportunistic")

    def test_smarthost_policy_requires_a_verified_certificate(self):
        srv = self.mx(self.other_cert)
        r, log = self.via_smarthost(srv, "a@nopolicy.test")
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("MTA-STS policy of relay.test (enforce)", r["reply"])
        self.assertIn("hostname mismatch", log)
        self.assertEqual(srv.transactions, [], "no plaintext retry under enforce")
        self.assertIn("mta-sts.relay.test", self.policy.hosts())

    def test_smarthost_with_a_valid_certificate_is_delivered_over_tls(self):
        srv = self.mx(self.relay_cert)
        r, log = self.via_smarthost(srv, "a@nopolicy.test")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertTrue(srv.transactions[0]["tls"])
        self.assertIn("domain=relay.test mode=enforce", log)

    def test_recipient_policy_does_not_apply_to_a_smarthost(self):
        # badmx.test's enforce policy names no MX we could reach; the smarthost (an address:
        # no policy domain at all) still takes the mail, in the clear as configured.
        srv = self.mx(None)
        fetches = len(self.policy.hosts())
        r, log = self.via_smarthost(srv, "a@badmx.test", host="127.0.0.1")
        self.assertEqual(r["outcome"], "delivered", (r, log))
        self.assertEqual(len(self.policy.hosts()), fetches, "no policy fetched")
        self.assertNotIn("event=mta_sts_policy", log)


if __name__ == "__main__":
    unittest.main()
