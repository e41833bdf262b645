"""Inbound SMTP behind a load balancer: [listen] smtp_proxy (issue 15's operator contract).

Each connection to smtp_proxy starts with a HAProxy PROXY header (v1 text or v2 binary)
naming the real client; it is accepted only from [listen] proxy_trusted peers. Received:
and the per-address connection limit use the address from the header. Other peers, and
connections with a missing, malformed or late header, are closed without a greeting and
logged (event=proxy_refused).

The instance runs under `mailroom up`, so the listener also travels through MR_LISTEN_FDS.
The balancer is this test on 127.0.0.1 (trusted); 127.0.0.2 is an untrusted peer.
"""
import ipaddress
import smtplib
import socket
import struct
import time
import unittest

from deliver_util import inbox_files, wait_for_children, wait_for_messages, wait_until
from lib import Mailroom, port_is_free, stop_and_check, unverified_context, wait_for_port
from smtp_util import RawSmtp

USER = "rcpt@example.test"
PER_IP = 3
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(src, dst="127.0.0.1", sport=5555, dport=25):
    family = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {family} {src} {dst} {sport} {dport}\r\n".encode()


def v2(src=None, dst=None, sport=5555, dport=25, tlvs=b""):
    """PROXY (src given) or LOCAL (src None), with optional TLV bytes after the addresses."""
    if src is None:
        return V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    fam = 0x11 if s.version == 4 else 0x21
    body = s.packed + d.packed + struct.pack("!HH", sport, dport) + tlvs
    return V2_SIGNATURE + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body


class ProxiedSmtp(RawSmtp):
    """RawSmtp that sends `header` (in pieces, if given a list) before reading the greeting."""

    def __init__(self, port, header, source="127.0.0.1", timeout=10):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        for i, piece in enumerate(header if isinstance(header, list) else [header]):
            if i:
                time.sleep(0.2)  # separate reads on the server's side
            self.send(piece)
        self.greeting = self.reply()


class ProxiedSMTP(smtplib.SMTP):
    """smtplib whose connection starts with a PROXY v1 header for `client`."""

    def __init__(self, client, *args, **kwargs):
        self.client = client
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        s = socket.create_connection((host, port), timeout)
        s.sendall(v1(self.client))
        return s


def silent_close(port, data=b"", source="127.0.0.1", timeout=10):
    """Connects, sends `data`, and returns what the server sent before closing (b"" if
    nothing): raises if the server keeps the connection open past `timeout`."""
    with socket.socket() as s:
        s.settimeout(timeout)
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        if data:
            s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                return got
            if not chunk:
                return got
            got += chunk


def message(subject):
    return (f"From: <sender@remote.test>\r\nTo: <{USER}>\r\nSubject: {subject}\r\n"
            f"\r\nproxied mail\r\n")


class SmtpProxy(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.proxy_port = cls.mr.port_base + 26  # no other instance's port (lib.py's base step)
        if not port_is_free(cls.proxy_port):
            cls.mr.close()
            raise unittest.SkipTest(f"port {cls.proxy_port} is taken")
        try:
            cls.mr.set_option("smtp_proxy", "[]", f'["127.0.0.1:{cls.proxy_port}"]')
            cls.mr.set_option("proxy_trusted", "[]", '["127.0.0.1/32"]')
            cls.mr.set_option("max_connections_per_ip", "50", str(PER_IP))
            # Proxied clients are checked with SPF/DMARC; nothing answers there, so every
            # lookup fails at once (temperror) instead of asking the Internet.
            cls.mr.set_dns_servers(["127.0.0.1:1"])
            cls.mr.add_user(USER, "a password")
            cls.mr.up()
            wait_for_children(cls.mr, ("smtpd", "deliverd"))
            if not wait_for_port(cls.proxy_port):
                raise AssertionError("smtp_proxy did not open: " + cls.mr.log_text()[-3000:])
        except BaseException:
            cls.mr.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            stop_and_check(cls.mr, "smtpd")
        finally:
            cls.mr.close()

    def deliver(self, header, subject):
        """Sends one message to USER after `header`; returns the stored message's bytes."""
        before = len(inbox_files(self.mr, USER))
        c = ProxiedSmtp(self.proxy_port, header)
        try:
            self.assertTrue(c.greeting.startswith("220 "), c.greeting)
            self.assertTrue(c.cmd("EHLO balanced.test").startswith("250"))
            self.assertTrue(c.cmd("MAIL FROM:<sender@remote.test>").startswith("250"))
            self.assertTrue(c.cmd(f"RCPT TO:<{USER}>").startswith("250"))
            self.assertTrue(c.cmd("DATA").startswith("354"))
            reply = c.cmd(message(subject) + ".")
            self.assertTrue(reply.startswith("250"), reply)
            c.cmd("QUIT")
        finally:
            c.close()
        return self.stored(before, subject)

    def stored(self, before, subject):
        """The bytes of the message `subject`, once USER has more than `before` messages."""
        wait_for_messages(self.mr, USER, before + 1)
        for path in inbox_files(self.mr, USER):
            with open(path, "rb") as f:
                data = f.read()
            if f"Subject: {subject}\r\n".encode() in data:
                return data
        self.fail(f"no message {subject!r}")

    def received(self, data):
        start = data.index(b"Received: ")
        end = data.index(b"\r\n", start) + 2
        while data[end:end + 1] in (b" ", b"\t"):
            end = data.index(b"\r\n", end) + 2
        return data[start:end].decode()

    def test_v1_header_names_the_client_in_received(self):
        data = self.deliver(v1("203.0.113.9"), "v1 tcp4")
        self.assertIn("[203.0.113.9]", self.received(data))
        self.assertNotIn("127.0.0.1", self.received(data))
        log = self.mr.log_text()
        self.assertRegex(log, r"event=proxy_header .*proxy=127\.0\.0\.1:\d+ peer=203\.0\.113\.9:5555")
        self.assertRegex(log, r"event=connect .*peer=203\.0\.113\.9:5555 listener=smtp_proxy")

    def test_v2_header_with_ipv6_source_and_tlvs(self):
        header = v2("2001:db8::25", "2001:db8::1", 40000, 25, tlvs=b"\x04\x00\x02ab")
        data = self.deliver(header, "v2 tcp6")
        self.assertIn("[IPv6:2001:db8::25]", self.received(data))

    def test_smtplib_with_starttls_after_the_header(self):
        before = len(inbox_files(self.mr, USER))
        with ProxiedSMTP("198.51.100.77", "127.0.0.1", self.proxy_port, local_hostname="lb.test", timeout=10) as s:
            s.starttls(context=unverified_context())
            s.ehlo("lb.test")
            self.assertEqual(s.sendmail("sender@remote.test", [USER], message("over tls")), {})
        data = self.stored(before, "over tls")
        self.assertIn("[198.51.100.77]", self.received(data))
        self.assertIn("ESMTPS", self.received(data))

    def test_header_in_pieces_and_smtp_pipelined_behind_it(self):
        header = v1("198.51.100.20")
        c = ProxiedSmtp(self.proxy_port, [header[:9], header[9:] + b"EHLO early.test\r\n"])
        try:
            self.assertTrue(c.greeting.startswith("220 "), c.greeting)
            # The EHLO sent in the same segment as the end of the header is answered.
            self.assertTrue(c.reply().startswith("250"))
            self.assertTrue(c.cmd("QUIT").startswith("221"))
        finally:
            c.close()

    def test_local_and_unknown_keep_the_balancer_address(self):
        for header in (v2(), b"PROXY UNKNOWN\r\n"):
            c = ProxiedSmtp(self.proxy_port, header)
            try:
                self.assertTrue(c.greeting.startswith("220 "), c.greeting)
                self.assertTrue(c.cmd("QUIT").startswith("221"))
            finally:
                c.close()

    def test_untrusted_peer_gets_no_greeting(self):
        self.assertEqual(silent_close(self.proxy_port, v1("203.0.113.9"), source="127.0.0.2"), b"")
        wait_until(lambda: "reason=\"peer not in proxy_trusted\"" in self.mr.log_text(), 5,
                   what="the refusal's log line")
        self.assertRegex(self.mr.log_text(), r"event=proxy_refused .*peer=127\.0\.0\.2:\d+")

    def test_garbage_instead_of_a_header_is_closed(self):
        self.assertEqual(silent_close(self.proxy_port, b"EHLO direct.test\r\n"), b"")
        self.assertEqual(silent_close(self.proxy_port, b"PROXY TCP4 300.1.1.1 127.0.0.1 1 25\r\n"), b"")
        self.assertEqual(silent_close(self.proxy_port, b"PROXY " + b"x" * 200), b"")
        log = wait_until(lambda: self.mr.log_text().count("event=proxy_refused") >= 3 and self.mr.log_text(), 5,
                         what="three refusals logged")
        self.assertIn('reason="no PROXY protocol header"', log)
        self.assertIn('reason="v1 address is not IPv4"', log)
        self.assertIn('reason="v1 header longer than 107 bytes"', log)

    def test_no_header_in_time_is_closed(self):
        started = time.monotonic()
        self.assertEqual(silent_close(self.proxy_port, b"PROXY TCP4 ", timeout=15), b"")
        self.assertLess(time.monotonic() - started, 10)
        wait_until(lambda: "no complete PROXY header in time" in self.mr.log_text(), 5, what="the timeout's log line")

    def test_per_ip_limit_counts_the_address_from_the_header(self):
        held = []
        try:
            for _ in range(PER_IP):
                c = ProxiedSmtp(self.proxy_port, v1("192.0.2.50"))
                self.assertTrue(c.greeting.startswith("220 "), c.greeting)
                held.append(c)
            over = ProxiedSmtp(self.proxy_port, v1("192.0.2.50"))
            held.append(over)
            self.assertTrue(over.greeting.startswith("421 4.7.0"), over.greeting)
            # Another client behind the same balancer (same TCP peer) is not affected.
            other = ProxiedSmtp(self.proxy_port, v1("192.0.2.51"))
            held.append(other)
            self.assertTrue(other.greeting.startswith("220 "), other.greeting)
        finally:
            for c in held:
                c.close()


if __name__ == "__main__":
    unittest.main()
