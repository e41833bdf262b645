"""imapd COMPRESS=DEFLATE (RFC 4978, issue 18) with Python's imaplib and zlib as the client
(raw deflate both ways, the client's window 32 KiB, Z_SYNC_FLUSH after each command), over
plain TCP and over implicit TLS (compression above TLS): commands and responses round trip,
a FETCH of large bodies matches its uncompressed twin, IDLE pushes an update without any
client input (so every response boundary was flushed), a second COMPRESS is NO
[COMPRESSIONACTIVE], and a corrupt compressed stream closes the connection with a log line."""
import imaplib
import socket
import time
import unittest
import zlib

from imap_util import PASSWORD, USER, InstanceTestCase, unverified_context

imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))


class Inflating:
    """The file imaplib reads responses from, decompressing what the socket gives."""

    def __init__(self, raw):
        self.raw = raw
        self.z = zlib.decompressobj(wbits=-15)
        self.buf = b""
        self.wire = 0  # compressed bytes received

    def _fill(self):
        data = self.raw.read1(65536)
        if not data:
            return False
        self.wire += len(data)
        self.buf += self.z.decompress(data)
        return True

    def readline(self, limit=-1):
        while b"\n" not in self.buf and self._fill():
            pass
        n = self.buf.find(b"\n") + 1 or len(self.buf)
        line, self.buf = self.buf[:n], self.buf[n:]
        return line

    def read(self, size):
        while len(self.buf) < size and self._fill():
            pass
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def close(self):
        self.raw.close()


class CompressingMixin:
    deflater = None

    def compress(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        if typ == "OK":
            self.file = Inflating(self.file)
            self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        return typ, data

    def send(self, data):
        if self.deflater:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)


class CompressedIMAP4(CompressingMixin, imaplib.IMAP4):
    pass


class CompressedIMAP4_SSL(CompressingMixin, imaplib.IMAP4_SSL):
    pass


def message(n, size):
    head = (f"From: a@example.test\r\nTo: {USER}\r\nSubject: body {n}\r\n"
            f"Message-ID: <c{n}@example.test>\r\n\r\n").encode()
    line = (f"line of message {n}, quoted > text repeats in mail threads\r\n").encode()
    return head + line * (size // len(line))


class ImapCompressTest(InstanceTestCase):
    def connect(self, tls):
        if tls:
            c = CompressedIMAP4_SSL("127.0.0.1", self.mr.port("imaps"), ssl_context=unverified_context(), timeout=20)
        else:
            c = CompressedIMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        self.assertIn("COMPRESS=DEFLATE", c.capabilities)
        c.login(USER, PASSWORD)
        self.addCleanup(self.close_quietly, c)
        return c

    @staticmethod
    def close_quietly(c):
        try:
            c.shutdown()
        except OSError:
            pass

    def compressed(self, tls):
        c = self.connect(tls)
        typ, data = c.compress()
        self.assertEqual(typ, "OK", data)
        return c

    def both(self, check):
        for tls in (False, True):
            with self.subTest(tls=tls):
                check(tls)

    def test_commands_round_trip_and_second_compress_is_refused(self):
        def check(tls):
            c = self.compressed(tls)
            typ, data = c.capability()
            self.assertEqual(typ, "OK")
            self.assertIn(b"COMPRESS=DEFLATE", data[0])
            self.assertEqual(c.select("INBOX")[0], "OK")
            self.assertEqual(c.noop()[0], "OK")
            typ, data = c.compress()
            self.assertEqual(typ, "NO")
            self.assertTrue(data[0].startswith(b"[COMPRESSIONACTIVE]"), data)
            self.assertEqual(c.list()[0], "OK")
            self.assertGreater(c.file.wire, 0)
            c.logout()
        self.both(check)

    def test_large_fetch_matches_the_uncompressed_one(self):
        setup = self.connect(False)
        setup.create("Big")
        bodies = [message(n, size) for n, size in enumerate((2_000_000, 300_000, 700, 64_000, 1_500_000))]
        for b in bodies:
            self.assertEqual(setup.append("Big", None, None, b)[0], "OK")

        def check(tls):
            c = self.compressed(tls)
            self.assertEqual(c.select("Big", readonly=True)[0], "OK")
            typ, data = c.fetch("1:*", "(BODY.PEEK[])")
            self.assertEqual(typ, "OK")
            got = [part[1] for part in data if isinstance(part, tuple)]
            self.assertEqual(got, bodies)
            # The text repeats, so the wire carries a fraction of it.
            self.assertLess(c.file.wire, sum(map(len, bodies)) // 5)
            c.logout()
        self.both(check)

    def test_idle_pushes_an_update_with_nothing_sent_by_the_client(self):
        def check(tls):
            c = self.compressed(tls)
            self.assertEqual(c.select("INBOX")[0], "OK")
            tag = c._new_tag().decode()
            c.send(f"{tag} IDLE\r\n".encode())
            self.assertEqual(c.readline(), b"+ idling\r\n")
            other = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
            other.login(USER, PASSWORD)
            since = time.monotonic()
            self.assertEqual(other.append("INBOX", None, None, message(99, 500))[0], "OK")
            other.logout()
            c.sock.settimeout(5)
            line = c.readline()
            self.assertRegex(line, rb"^\* \d+ EXISTS\r\n$")
            self.assertLess(time.monotonic() - since, 2.0)
            c.send(b"DONE\r\n")
            while True:
                line = c.readline()
                if line.startswith(tag.encode()):
                    break
            self.assertTrue(line.startswith(f"{tag} OK".encode()), line)
            c.logout()
        self.both(check)

    def test_corrupt_stream_closes_the_connection_with_a_log_line(self):
        def check(tls):
            before = self.mr.log_text().count("compressed_input_corrupt")
            c = self.compressed(tls)
            c.sock.sendall(b"\xff\xff\xff\xff this is not deflate\r\n")
            c.sock.settimeout(5)
            # The server hangs up: EOF (or a reset) on the next read.
            try:
                self.assertEqual(c.file.raw.read1(65536), b"")
            except (ConnectionResetError, socket.timeout) as e:
                self.assertNotIsInstance(e, socket.timeout)
            deadline = time.monotonic() + 5
            while self.mr.log_text().count("compressed_input_corrupt") == before and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(self.mr.log_text().count("compressed_input_corrupt"), before + 1)
        self.both(check)


if __name__ == "__main__":
    unittest.main()
