"""Remote delivery: the SMTP client against servers that answer what a test chooses.

Per-recipient results in one transaction, SIZE, SMTPUTF8, 8BITMIME, DSN parameters,
opportunistic STARTTLS, a smarthost with AUTH PLAIN / LOGIN and required TLS, connection
reuse and the concurrency limits. The server is tests/integration/remote_util.py's
ScriptedSmtpServer (standard library, no mocks of our code); DNS is dnsmasq.
"""
import os
import shutil
import tempfile
import unittest

from remote_util import (Dnsmasq, ScriptedServers, by_address, make_cert, missing_tools,
                         remote_send, write_config, write_message)


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class RemoteSmtpClientTest(ScriptedServers, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="remote-smtp-it-")
        os.chmod(cls.tmp, 0o755)
        cls.dns = Dnsmasq(cls.tmp, mx=[("there.test", "mx.there.test", 10),
                                       ("other.test", "mx.other.test", 10)],
                          hosts=[("mx.there.test", "127.0.0.1"), ("mx.other.test", "127.0.0.1")])
        cls.cert, cls.key = make_cert(cls.tmp, "mx.there.test")

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def config(self, port, **extra):
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        keys = dict(dns_servers=[self.dns.server], remote_port=port, connect_timeout_s=5, reuse_idle_s=1)
        keys.update(extra)
        return write_config(d, **keys)

    def smarthost_config(self, server, password="s3cret", **extra):
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        pw = os.path.join(d, "smarthost.pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        keys = dict(smarthost=f"127.0.0.1:{server.port}", smarthost_user="relay",
                    smarthost_password_file=pw, smarthost_tls="opportunistic", connect_timeout_s=5)
        keys.update(extra)
        return write_config(d, **keys)

    def test_mixed_recipient_results_in_one_transaction(self):
        for ext in (["PIPELINING"], []):
            with self.subTest(extensions=ext):
                srv = self.server(extensions=ext, rcpt_replies={"temp": "451 4.2.0 mailbox busy",
                                                                "perm": "550 5.1.1 no such user"})
                results, _ = remote_send(self.config(srv.port), write_message(self.tmp),
                                         ["ok@there.test", "temp@there.test", "perm@there.test",
                                          "ok2@there.test"])
                r = by_address(results)
                self.assertEqual(r["ok@there.test"]["outcome"], "delivered")
                self.assertEqual(r["ok2@there.test"]["outcome"], "delivered")
                self.assertEqual(r["temp@there.test"]["outcome"], "tempfail")
                self.assertEqual(r["temp@there.test"]["reply"], "451 4.2.0 mailbox busy")
                self.assertEqual(r["perm@there.test"]["outcome"], "permfail")
                self.assertEqual(r["perm@there.test"]["reply"], "550 5.1.1 no such user")
                self.assertEqual(len(srv.transactions), 1)
                self.assertEqual(len(srv.transactions[0]["rcpts"]), 2)
                self.assertIn(b"Subject: remote test", srv.transactions[0]["data"])

    def test_size_limit_refused_locally(self):
        srv = self.server(extensions=["SIZE 100"])
        msg = write_message(self.tmp, body="x" * 500 + "\r\n", name="big.eml")
        results, _ = remote_send(self.config(srv.port), msg, ["a@there.test"])
        r = by_address(results)["a@there.test"]
        self.assertEqual(r["outcome"], "permfail")
        self.assertIn("SIZE", r["reply"])
        self.assertFalse([c for c in srv.commands if c.startswith("MAIL")])
        # Under the limit, SIZE= is declared.
        srv2 = self.server(extensions=["SIZE 100000"])
        remote_send(self.config(srv2.port), msg, ["a@there.test"])
        self.assertRegex(srv2.transactions[0]["mail"], r" SIZE=\d+")

    def test_smtputf8_and_8bitmime(self):
        plain = self.server(extensions=["8BITMIME"])
        results, _ = remote_send(self.config(plain.port), write_message(self.tmp), ["a@there.test"],
                                 "--smtputf8", "--8bit")
        r = by_address(results)["a@there.test"]
        self.assertEqual(r["outcome"], "permfail")
        self.assertIn("SMTPUTF8", r["reply"])

        srv = self.server(extensions=["8BITMIME", "SMTPUTF8"])
        results, _ = remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"],
                                 "--smtputf8", "--8bit")
        self.assertEqual(by_address(results)["a@there.test"]["outcome"], "delivered")
        self.assertIn("BODY=8BITMIME", srv.transactions[0]["mail"])
        self.assertIn("SMTPUTF8", srv.transactions[0]["mail"])

    def test_dsn_parameters_only_when_offered(self):
        srv = self.server(extensions=["DSN"])
        results, _ = remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"],
                                 "--notify", "SUCCESS,FAILURE", "--ret", "HDRS", "--envid", "Q123")
        r = by_address(results)["a@there.test"]
        self.assertEqual(r["outcome"], "delivered")
        self.assertTrue(r["remote_dsn"])
        t = srv.transactions[0]
        self.assertIn("RET=HDRS", t["mail"])
        self.assertIn("ENVID=Q123", t["mail"])
        self.assertIn("NOTIFY=SUCCESS,FAILURE", t["rcpts"][0])
        self.assertIn("ORCPT=rfc822;a@there.test", t["rcpts"][0])

        bare = self.server(extensions=[])
        results, _ = remote_send(self.config(bare.port), write_message(self.tmp), ["a@there.test"],
                                 "--notify", "SUCCESS", "--ret", "HDRS")
        self.assertFalse(by_address(results)["a@there.test"]["remote_dsn"])
        self.assertEqual(bare.transactions[0]["mail"], "MAIL FROM:<alice@here.test>")
        self.assertEqual(bare.transactions[0]["rcpts"][0], "RCPT TO:<a@there.test>")

    def test_malformed_reply_is_a_clear_temporary_failure(self):
        for greeting in ("HTTP/1.1 400 Bad Request", "220" + "x" * 5000):
            with self.subTest(greeting=greeting[:20]):
                srv = self.server(greeting=greeting)
                results, err = remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"])
                r = by_address(results)["a@there.test"]
                self.assertEqual(r["outcome"], "tempfail", r)
                self.assertIn("protocol error", r["reply"])
                self.assertIn("remote_server_failed", err)

    def test_null_sender(self):
        srv = self.server()
        remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"], sender="")
        self.assertEqual(srv.transactions[0]["mail"], "MAIL FROM:<>")

    def test_opportunistic_starttls_to_mx(self):
        srv = self.server(extensions=["PIPELINING"], tls=(self.cert, self.key))
        results, _ = remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"])
        self.assertEqual(by_address(results)["a@there.test"]["outcome"], "delivered")
        self.assertTrue(srv.transactions[0]["tls"])
        ehlos = [c for c in srv.commands if c.startswith("EHLO")]
        self.assertEqual(len(ehlos), 2, "EHLO again after STARTTLS")

    def test_broken_starttls_falls_back_to_plaintext(self):
        srv = self.server(tls="broken")
        results, _ = remote_send(self.config(srv.port), write_message(self.tmp), ["a@there.test"])
        self.assertEqual(by_address(results)["a@there.test"]["outcome"], "delivered", results)
        self.assertEqual(srv.connections, 2)
        self.assertFalse(srv.transactions[0]["tls"])
        self.assertEqual([c for c in srv.commands if c == "STARTTLS"], ["STARTTLS"])

    def test_smarthost_auth_plain_and_login(self):
        for mech in ("PLAIN", "LOGIN"):
            with self.subTest(mech=mech):
                srv = self.server(extensions=[f"AUTH {mech}"], auth=("relay", "s3cret"))
                # No DNS: every domain goes to the smarthost, in one connection.
                results, _ = remote_send(self.smarthost_config(srv, max_connections_per_domain=1),
                                         write_message(self.tmp), ["a@there.test", "b@elsewhere.example"])
                r = by_address(results)
                self.assertEqual(r["a@there.test"]["outcome"], "delivered", r)
                self.assertEqual(r["b@elsewhere.example"]["outcome"], "delivered", r)
                self.assertEqual(srv.auth_seen[0], (mech, "relay"))
                self.assertEqual({t["auth"] for t in srv.transactions}, {(mech, "relay")})
                self.assertEqual(srv.connections, 1, "one connection reused for both domains")

    def test_smarthost_bad_credentials_is_temporary(self):
        srv = self.server(extensions=["AUTH PLAIN"], auth=("relay", "right"))
        results, _ = remote_send(self.smarthost_config(srv, password="wrong"), write_message(self.tmp),
                                 ["a@there.test"])
        r = by_address(results)["a@there.test"]
        self.assertEqual(r["outcome"], "tempfail")
        self.assertIn("535", r["reply"])
        self.assertEqual(srv.transactions, [])

    def test_smarthost_required_tls(self):
        srv = self.server(extensions=["AUTH PLAIN"], auth=("relay", "s3cret"), tls=(self.cert, self.key))
        cfg = self.smarthost_config(srv, smarthost_tls="required", smarthost_ca_file=self.cert,
                                    smarthost=f"mx.there.test:{srv.port}", dns_servers=[self.dns.server])
        results, _ = remote_send(cfg, write_message(self.tmp), ["a@there.test"])
        self.assertEqual(by_address(results)["a@there.test"]["outcome"], "delivered", results)
        self.assertTrue(srv.transactions[0]["tls"])

        # A smarthost without STARTTLS gets nothing, not even the password.
        plain = self.server(extensions=["AUTH PLAIN"], auth=("relay", "s3cret"))
        cfg = self.smarthost_config(plain, smarthost_tls="required", smarthost_ca_file=self.cert)
        results, _ = remote_send(cfg, write_message(self.tmp), ["a@there.test"])
        r = by_address(results)["a@there.test"]
        self.assertEqual(r["outcome"], "tempfail")
        self.assertIn("STARTTLS", r["reply"])
        self.assertEqual(plain.auth_seen, [])

        # A certificate that does not verify (no trust anchor for it) is refused too.
        srv2 = self.server(extensions=["AUTH PLAIN"], auth=("relay", "s3cret"), tls=(self.cert, self.key))
        cfg = self.smarthost_config(srv2, smarthost_tls="required")
        results, _ = remote_send(cfg, write_message(self.tmp), ["a@there.test"])
        self.assertEqual(by_address(results)["a@there.test"]["outcome"], "tempfail")
        self.assertEqual(srv2.auth_seen, [])

    def test_connection_reuse_and_per_domain_limit(self):
        srv = self.server(extensions=["PIPELINING"], delay=0.2)
        results, _ = remote_send(self.config(srv.port, max_connections_per_domain=2),
                                 write_message(self.tmp), ["a@there.test"], "--count", "6")
        self.assertEqual(len(results), 6)
        self.assertTrue(all(d["results"][0]["outcome"] == "delivered" for d in results), results)
        self.assertEqual(len(srv.transactions), 6)
        self.assertLessEqual(srv.max_active, 2)
        self.assertLessEqual(srv.connections, 2, "messages to one host share connections")
        self.assertIn("RSET", srv.commands, "RSET between messages on a reused connection")

    def test_total_limit_across_domains(self):
        srv = self.server(delay=0.2)
        results, _ = remote_send(self.config(srv.port, max_connections=1, max_connections_per_domain=5),
                                 write_message(self.tmp), ["a@there.test", "b@other.test"], "--count", "2")
        self.assertEqual(len(results), 4)
        self.assertTrue(all(d["results"][0]["outcome"] == "delivered" for d in results), results)
        self.assertEqual(srv.max_active, 1)


if __name__ == "__main__":
    unittest.main()
