"""Remote delivery against real DNS (dnsmasq) and a real MTA (Postfix's smtp-sink).

MX lookup (preference, implicit MX, null MX, NXDOMAIN, dead DNS), the next MX after a dead
host, a dead destination, and the remote server's 4xx/5xx at each stage, all through
deliverd's RemoteDelivery as driven by mr-remote-send.
"""
import os
import shutil
import tempfile
import unittest

from remote_util import (Dnsmasq, SmtpSink, by_address, free_port, ipv6_loopback, missing_tools,
                         remote_send, write_config, write_message)


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class RemoteDeliveryDnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="remote-it-")
        os.chmod(cls.tmp, 0o755)
        cls.dns = Dnsmasq(cls.tmp, mx=[
            ("sink.test", "mx.sink.test", 10),
            ("null.test", ".", 0),
            # The preferred MX has an address nobody listens on: the second one must be used.
            ("backup.test", "dead.backup.test", 10),
            ("backup.test", "mx.backup.test", 20),
            ("v6.test", "mx.v6.test", 10),
            ("equal.test", "one.equal.test", 10),
            ("equal.test", "two.equal.test", 10),
            ("greet.test", "busy.greet.test", 10),
            ("greet.test", "mx.greet.test", 20),
        ], hosts=[
            ("one.equal.test", "127.0.0.1"),
            ("two.equal.test", "127.0.0.2"),
            ("busy.greet.test", "127.0.0.2"),
            ("mx.greet.test", "127.0.0.1"),
            ("mx.sink.test", "127.0.0.1"),
            ("dead.backup.test", "127.0.0.2"),
            ("mx.backup.test", "127.0.0.1"),
            ("plain.test", "127.0.0.1"),  # no MX: the implicit MX
            ("mx.v6.test", "::1"),
        ])

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.sinks = []

    def tearDown(self):
        for s in self.sinks:
            s.stop()

    def sink(self, *options):
        s = SmtpSink(self.tmp, *options)
        self.sinks.append(s)
        return s

    def config(self, port, **extra):
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        return write_config(d, dns_servers=[self.dns.server], remote_port=port, connect_timeout_s=5,
                            reuse_idle_s=1, **extra)

    def test_mx_delivery_several_recipients_in_one_transaction(self):
        sink = self.sink()
        body = "Line one.\r\n.A line that starts with a dot.\r\n..two dots\r\nEnd.\r\n"
        msg = write_message(self.tmp, body=body, name="dots.eml")
        results, _ = remote_send(self.config(sink.port), msg, ["bob@sink.test", "carol@sink.test"])
        self.assertEqual(len(results), 1)
        r = by_address(results)
        for a in ("bob@sink.test", "carol@sink.test"):
            self.assertEqual(r[a]["outcome"], "delivered", r[a])
            self.assertEqual(r[a]["remote_host"], "mx.sink.test[127.0.0.1]")
            self.assertTrue(r[a]["reply"].startswith("250"), r[a])
        msgs = sink.messages()
        self.assertEqual(len(msgs), 1, "both recipients in one transaction")
        env, text = msgs[0]
        self.assertEqual(env["X-Rcpt-Args"], ["<bob@sink.test>", "<carol@sink.test>"])
        self.assertEqual(env["X-Mail-Args"][0].split()[0], "<alice@here.test>")
        self.assertEqual(env["X-Helo-Args"], ["client.test"])
        # Dot-stuffing is undone by the server: the body arrives exactly as queued.
        self.assertIn(body.replace("\r\n", "\n"), text.replace("\r\n", "\n"))

    def test_implicit_mx_when_the_domain_has_no_mx(self):
        sink = self.sink()
        results, _ = remote_send(self.config(sink.port), write_message(self.tmp), ["x@plain.test"])
        r = by_address(results)["x@plain.test"]
        self.assertEqual(r["outcome"], "delivered", r)
        self.assertEqual(r["remote_host"], "plain.test[127.0.0.1]")
        self.assertEqual(len(sink.messages()), 1)

    def test_null_mx_and_nxdomain_fail_at_once(self):
        results, _ = remote_send(self.config(free_port()), write_message(self.tmp),
                                 ["a@null.test", "b@nosuchdomain.test"])
        r = by_address(results)
        self.assertEqual(r["a@null.test"]["outcome"], "permfail")
        self.assertIn("null MX", r["a@null.test"]["reply"])
        self.assertEqual(r["b@nosuchdomain.test"]["outcome"], "permfail")
        self.assertIn("does not exist", r["b@nosuchdomain.test"]["reply"])

    def test_next_mx_after_a_dead_host(self):
        sink = self.sink()
        results, _ = remote_send(self.config(sink.port), write_message(self.tmp), ["x@backup.test"])
        r = by_address(results)["x@backup.test"]
        self.assertEqual(r["outcome"], "delivered", r)
        self.assertEqual(r["remote_host"], "mx.backup.test[127.0.0.1]")

    def test_equal_preferences_are_shuffled(self):
        # Two MX hosts of equal preference on 127.0.0.1 and 127.0.0.2 (same port): twenty
        # independent attempts all picking one of them would happen once in 500,000 runs.
        one = self.sink()
        two = SmtpSink(self.tmp, port=one.port, host="127.0.0.2")
        self.sinks.append(two)
        results, _ = remote_send(self.config(one.port, max_connections_per_domain=20),
                                 write_message(self.tmp), ["x@equal.test"], "--count", "20")
        self.assertEqual(len(results), 20)
        self.assertTrue(all(d["results"][0]["outcome"] == "delivered" for d in results), results)
        hosts = {d["results"][0]["remote_host"] for d in results}
        self.assertEqual(hosts, {"one.equal.test[127.0.0.1]", "two.equal.test[127.0.0.2]"})
        self.assertEqual(len(one.messages()) + len(two.messages()), 20)

    def test_dead_destination_is_a_temporary_failure(self):
        results, _ = remote_send(self.config(free_port()), write_message(self.tmp), ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("cannot connect", r["reply"])

    def test_dead_dns_server_is_a_temporary_failure(self):
        d = tempfile.mkdtemp(prefix="cfg-", dir=self.tmp)
        cfg = write_config(d, dns_servers=[f"127.0.0.1:{free_port()}"], remote_port=25)
        results, _ = remote_send(cfg, write_message(self.tmp), ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("DNS", r["reply"])

    def test_ipv6_mx(self):
        if not ipv6_loopback():
            self.skipTest("no IPv6 loopback")
        sink = SmtpSink(self.tmp, host="::1")
        self.sinks.append(sink)
        results, _ = remote_send(self.config(sink.port), write_message(self.tmp), ["x@v6.test"])
        r = by_address(results)["x@v6.test"]
        self.assertEqual(r["outcome"], "delivered", r)
        self.assertEqual(r["remote_host"], "mx.v6.test[::1]")
        self.assertEqual(len(sink.messages()), 1)

    def test_server_refusals_at_each_stage(self):
        cases = [
            # smtp-sink option, expected outcome, reply prefix
            (("-r", "RCPT"), "tempfail", "4"),
            (("-f", "RCPT"), "permfail", "5"),
            (("-r", "MAIL"), "tempfail", "4"),
            (("-f", "MAIL"), "permfail", "5"),
            (("-f", "DATA"), "permfail", "5"),
            (("-f", "."), "permfail", "5"),
            (("-r", "."), "tempfail", "4"),
        ]
        for options, outcome, prefix in cases:
            with self.subTest(options=options):
                sink = self.sink(*options)
                results, _ = remote_send(self.config(sink.port), write_message(self.tmp),
                                         ["a@sink.test", "b@sink.test"])
                r = by_address(results)
                for a in ("a@sink.test", "b@sink.test"):
                    self.assertEqual(r[a]["outcome"], outcome, r[a])
                    self.assertTrue(r[a]["reply"].startswith(prefix), r[a])
                if options[1] != ".":  # (smtp-sink dumps what it refuses at the dot)
                    self.assertEqual(sink.messages(), [])

    def test_greeting_421_then_next_mx(self):
        # The preferred MX (127.0.0.2) answers 421 to the connection; the next one, on the
        # same port of 127.0.0.1, takes the mail.
        good = self.sink()
        busy = SmtpSink(self.tmp, "-Q", "CONNECT", port=good.port, host="127.0.0.2")
        self.sinks.append(busy)
        results, _ = remote_send(self.config(good.port), write_message(self.tmp), ["x@greet.test"])
        r = by_address(results)["x@greet.test"]
        self.assertEqual(r["outcome"], "delivered", r)
        self.assertEqual(r["remote_host"], "mx.greet.test[127.0.0.1]")
        self.assertEqual(len(good.messages()), 1)
        self.assertEqual(busy.messages(), [])

    def test_greeting_421_everywhere_is_temporary(self):
        bad = self.sink("-Q", "CONNECT")
        results, _ = remote_send(self.config(bad.port), write_message(self.tmp), ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("421", r["reply"])

    def test_greeting_5xx_everywhere_is_permanent(self):
        bad = self.sink("-f", "CONNECT")
        results, _ = remote_send(self.config(bad.port), write_message(self.tmp), ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "permfail", r)
        self.assertTrue(r["reply"].startswith("greeting: 5"), r)

    def test_ehlo_refused_falls_back_to_helo(self):
        sink = self.sink("-f", "EHLO")
        results, _ = remote_send(self.config(sink.port), write_message(self.tmp), ["x@sink.test"])
        self.assertEqual(by_address(results)["x@sink.test"]["outcome"], "delivered", results)
        env, _ = sink.messages()[0]
        self.assertEqual(env["X-Client-Proto"], ["SMTP"])

    def test_silent_server_times_out(self):
        sink = self.sink("-p", "-W", "MAIL:10")  # (-W answers out of order when pipelined)
        results, _ = remote_send(self.config(sink.port, command_timeout_s=1), write_message(self.tmp),
                                 ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "tempfail", r)
        self.assertIn("timeout", r["reply"])

    def test_large_message_is_streamed_whole(self):
        sink = self.sink()
        line = "0123456789" * 7 + "\r\n"
        body = line * (4 * 1024 * 1024 // len(line)) + ".last line starts with a dot\r\n"
        msg = write_message(self.tmp, body=body, name="large.eml")
        results, _ = remote_send(self.config(sink.port), msg, ["x@sink.test"])
        self.assertEqual(by_address(results)["x@sink.test"]["outcome"], "delivered", results)
        _, text = sink.messages()[0]
        self.assertEqual(text.count("0123456789" * 7), body.count("0123456789" * 7))
        self.assertIn("\n.last line starts with a dot", text)

    def test_disconnect_after_dot_is_never_delivered(self):
        sink = self.sink("-q", ".")
        results, _ = remote_send(self.config(sink.port), write_message(self.tmp), ["x@sink.test"])
        r = by_address(results)["x@sink.test"]
        self.assertEqual(r["outcome"], "tempfail", r)


if __name__ == "__main__":
    unittest.main()
