"""imapd streams big FETCH responses (issue 6, robustness): one session fetching the
BODY[] of a 50 MB message, read slowly through a small socket buffer, neither blocks a
second session (its NOOP and FETCH answer within about a second) nor makes imapd hold
the message in memory (its RSS grows by far less than the message size), and the bytes
that finally arrive are exactly the message."""
import hashlib
import socket
import time
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase, RawImap
from lib import child_pids, rss_kib

BIG_BYTES = 50 * 1000 * 1000


def big_message():
    """A 50 MB message: a text part and a base64 "attachment" of 76-octet lines."""
    head = (b"From: Sender <sender@example.org>\r\n"
            b"To: alice@example.test\r\n"
            b"Subject: a very big attachment\r\n"
            b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <big@example.org>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n"
            b"--BIG\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
            b"--BIG\r\nContent-Type: application/octet-stream; name=\"big.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n")
    tail = b"--BIG--\r\n"
    line = (b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk" * 2)[:76] + b"\r\n"
    body_len = BIG_BYTES - len(head) - len(tail)
    lines = body_len // len(line)
    filler = body_len - lines * len(line)
    return head + line * lines + b"A" * max(0, filler - 2) + (b"\r\n" if filler >= 2 else b"") + tail


def uses_asan(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


class ImapStreamingTest(InstanceTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        deadline = time.monotonic() + 10
        pids = []
        while not pids and time.monotonic() < deadline:  # `up` listens before it forks
            pids = [p for p, name in child_pids(cls.mr.proc.pid).items() if name == "imapd"]
            time.sleep(0.05)
        assert len(pids) == 1, pids
        cls.imapd = pids[0]

    def login(self, timeout=30):
        c = RawImap(self.mr.port("imap"), timeout=timeout)
        _, tagged = c.command("l", f'LOGIN {USER} "{PASSWORD}"')
        self.assertTrue(tagged.startswith("l OK"), tagged)
        return c

    def test_big_fetch_is_streamed(self):
        message = big_message()
        self.assertEqual(len(message), BIG_BYTES)
        digest = hashlib.sha256(message).hexdigest()

        a = self.login(timeout=60)
        a.send(f"ap APPEND INBOX {{{len(message)}}}\r\n")
        self.assertTrue(a.line().startswith("+"))
        a.send(message + b"\r\n")
        _, tagged = a.until("ap")
        self.assertTrue(tagged.startswith("ap OK"), tagged)
        small = b"From: x@example.org\r\nSubject: small\r\n\r\nhello\r\n"
        a.send(f"as APPEND INBOX {{{len(small)}}}\r\n")
        self.assertTrue(a.line().startswith("+"))
        a.send(small + b"\r\n")
        _, tagged = a.until("as")
        self.assertTrue(tagged.startswith("as OK"), tagged)
        _, tagged = a.command("s", "SELECT INBOX")
        self.assertTrue(tagged.startswith("s OK"), tagged)

        b = self.login()
        _, tagged = b.command("s", "EXAMINE INBOX")
        self.assertTrue(tagged.startswith("s OK"), tagged)

        time.sleep(0.5)  # the APPEND's buffers are freed
        rss_before = rss_kib(self.imapd)

        # Session A asks for the whole big message and then reads only a little at a
        # time through a small receive buffer: the server must wait for it, not buffer.
        a.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        a.send("f FETCH 1 BODY.PEEK[]\r\n")
        data = bytearray()
        slow_until = time.monotonic() + 3.0
        latencies = []
        next_probe = time.monotonic() + 0.3
        peak_rss = rss_before
        while time.monotonic() < slow_until:
            data += a.sock.recv(16 * 1024)
            time.sleep(0.02)
            peak_rss = max(peak_rss, rss_kib(self.imapd))
            if time.monotonic() >= next_probe:
                t = time.monotonic()
                _, tagged = b.command("n", "NOOP")
                self.assertTrue(tagged.startswith("n OK"), tagged)
                lines, tagged = b.command("g", "FETCH 2 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                self.assertTrue(tagged.startswith("g OK"), tagged)
                self.assertTrue(any("FETCH" in l for l in lines), lines)
                latencies.append(time.monotonic() - t)
                next_probe = time.monotonic() + 0.3
        self.assertGreater(len(latencies), 3)
        self.assertLess(max(latencies), 1.0, latencies)
        self.assertLess(len(data), BIG_BYTES // 2, "the slow reader was not slow")
        growth_mib = (peak_rss - rss_before) / 1024
        if not uses_asan(self.imapd):  # ASan's quarantine keeps freed chunks resident
            self.assertLess(growth_mib, 20, f"imapd RSS grew by {growth_mib:.1f} MiB")

        # Now read the rest at full speed and check the response byte for byte.
        a.sock.settimeout(60)
        header = f"* 1 FETCH (BODY[] {{{BIG_BYTES}}}\r\n".encode()
        trailer = b")\r\nf OK FETCH completed\r\n"
        want = len(header) + BIG_BYTES + len(trailer)
        while len(data) < want:
            chunk = a.sock.recv(1 << 20)
            self.assertTrue(chunk, "connection closed during the big FETCH")
            data += chunk
        self.assertEqual(len(data), want)
        self.assertEqual(bytes(data[:len(header)]), header)
        self.assertEqual(bytes(data[-len(trailer):]), trailer)
        self.assertEqual(hashlib.sha256(memoryview(data)[len(header):len(header) + BIG_BYTES]).hexdigest(), digest)
        del data

        # Partial fetches of the big body stream too, with the right octets.
        lines, tagged = a.command("p", "FETCH 1 BODY.PEEK[]<49999990.100>")
        self.assertTrue(tagged.startswith("p OK"), tagged)
        self.assertTrue(lines[0].endswith("BODY[]<49999990> {10}"), lines)
        a.close()
        b.close()


if __name__ == "__main__":
    unittest.main()
