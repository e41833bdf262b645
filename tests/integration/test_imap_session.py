"""imapd against real clients (issue 6, priorities 1-2): Python imaplib and raw sockets
against `mailroom up`. Login (plaintext on loopback, STARTTLS, imaps, AUTHENTICATE with
SASL-IR), failures, mailbox management, APPEND/STATUS/SELECT, bad input."""
import base64
import imaplib
import socket
import time
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase, RawImap, unverified_context


def quiet_shutdown(client):
    try:
        client.shutdown()
    except OSError:
        pass  # already logged out


class ImapLoopbackTest(InstanceTestCase):
    """Plaintext allowed on loopback ([auth] allow_plaintext_on_loopback = true)."""

    instance_options = {"plaintext_on_loopback": True}

    def imap(self):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=10)
        self.addCleanup(quiet_shutdown, c)
        return c

    def test_greeting_and_capability(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        self.assertTrue(r.greeting.startswith("* OK [CAPABILITY IMAP4rev1 "), r.greeting)
        untagged, done = r.command("a1", "CAPABILITY")
        caps = untagged[0].split()
        for cap in ["IMAP4rev1", "LITERAL+", "SASL-IR", "IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE",
                    "NAMESPACE", "ID", "ENABLE", "CHILDREN", "UNSELECT", "STARTTLS",
                    "AUTH=PLAIN", "AUTH=LOGIN"]:
            self.assertIn(cap, caps)
        self.assertNotIn("LOGINDISABLED", caps)
        self.assertEqual(done, "a1 OK CAPABILITY completed")
        self.assertEqual(r.command("a2", "NOOP")[1], "a2 OK NOOP completed")
        untagged, done = r.command("a3", "LOGOUT")
        self.assertEqual(untagged, ["* BYE mx.example.test logging out"])
        self.assertEqual(done, "a3 OK LOGOUT completed")
        self.assertTrue(r.closed())

    def test_login_with_imaplib_and_mailbox_management(self):
        c = self.imap()
        typ, data = c.login(USER, PASSWORD)
        self.assertEqual(typ, "OK")
        typ, data = c.list()
        names = [d.decode() for d in data]
        self.assertIn('(\\HasNoChildren) "/" "INBOX"', names)
        self.assertIn('(\\HasNoChildren \\Sent) "/" "Sent"', names)
        self.assertEqual(c.create("Projects/2026/Q1")[0], "OK")
        self.assertEqual(c.create('"Entw&APw-rfe"')[0], "OK")
        typ, data = c.list('""', "Projects/%")
        self.assertEqual([d.decode() for d in data], ['(\\HasChildren) "/" "Projects/2026"'])
        self.assertEqual(c.rename("Projects", "Archive2")[0], "OK")
        typ, data = c.list('""', "*")
        names = b"\n".join(data).decode()
        self.assertIn('"Archive2/2026/Q1"', names)
        self.assertNotIn('"Projects', names)
        self.assertIn('"Entw&APw-rfe"', names)
        self.assertEqual(c.subscribe("Archive2")[0], "OK")
        typ, data = c.lsub('""', "*")
        self.assertIn(b'"Archive2"', b"\n".join(data))
        self.assertEqual(c.unsubscribe("Archive2")[0], "OK")
        self.assertEqual(c.delete("Archive2/2026/Q1")[0], "OK")
        typ, data = c.delete("Archive2/2026/Q1")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])
        typ, data = c.create("Archive2")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[ALREADYEXISTS]", data[0])
        c.logout()

    def test_names_outside_the_store_are_refused(self):
        c = self.imap()
        c.login(USER, PASSWORD)
        for bad in ['"../../etc"', '"a/../b"', '"/abs"', '"~root"', '"a//b"', '"' + "n" * 300 + '"',
                    '"' + "d/" * 20 + 'x"']:
            typ, data = c.create(bad)
            self.assertEqual(typ, "NO", bad)
            typ, data = c.select(bad)
            self.assertEqual(typ, "NO", bad)
        typ, data = c.list('""', "*")
        self.assertNotIn(b"..", b"\n".join(data))

    def test_append_status_select(self):
        c = self.imap()
        c.login(USER, PASSWORD)
        c.create("Box")
        msg = b"From: a@example.test\r\nSubject: hello\r\n\r\nbody\r\n"
        typ, data = c.append("Box", "(\\Seen)", None, msg)
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0].decode(), r"^\[APPENDUID \d+ 1\] APPEND completed$")
        typ, data = c.append("Box", None, imaplib.Time2Internaldate(time.time()), msg)
        self.assertRegex(data[0].decode(), r"^\[APPENDUID \d+ 2\]")
        typ, data = c.append("Nowhere", None, None, msg)
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        typ, data = c.status("Box", "(MESSAGES UNSEEN UIDNEXT)")
        self.assertEqual(data[0], b'"Box" (MESSAGES 2 UNSEEN 1 UIDNEXT 3)')
        typ, data = c.select("Box")
        self.assertEqual((typ, data), ("OK", [b"2"]))
        self.assertEqual(c.untagged_responses.get("UNSEEN"), [b"2"])
        typ, data = c.select("Box", readonly=True)
        self.assertEqual(typ, "OK")
        self.assertIn("READ-ONLY", c.untagged_responses)
        self.assertEqual(c.unselect()[0], "OK") if hasattr(c, "unselect") else None
        c.logout()

    def test_authenticate_plain_with_sasl_ir_and_login_mechanism(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        ir = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()
        untagged, done = r.command("a", "AUTHENTICATE PLAIN " + ir)
        self.assertTrue(done.startswith("a OK "), done)
        r2 = RawImap(self.mr.port("imap"))
        self.addCleanup(r2.close)
        r2.send("b AUTHENTICATE LOGIN\r\n")
        self.assertTrue(r2.line().startswith("+ "))
        r2.send(base64.b64encode(USER.encode()).decode() + "\r\n")
        self.assertTrue(r2.line().startswith("+ "))
        r2.send(base64.b64encode(PASSWORD.encode()).decode() + "\r\n")
        self.assertTrue(r2.until("b")[1].startswith("b OK "))

    def test_failed_logins_same_answer_delay_and_disconnect(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        t0 = time.monotonic()
        _, a = r.command("a", "LOGIN nobody@example.test whatever")
        _, b = r.command("b", f"LOGIN {USER} wrong")
        self.assertEqual(a, "a NO [AUTHENTICATIONFAILED] Authentication failed")
        self.assertEqual(b, "b NO [AUTHENTICATIONFAILED] Authentication failed")
        self.assertGreaterEqual(time.monotonic() - t0, 1.0)  # 500 ms, then more
        r.send("c LOGIN bob@example.test nope\r\n")
        lines = [r.line(), r.line()]
        self.assertEqual(lines[0], "c NO [AUTHENTICATIONFAILED] Authentication failed")
        self.assertTrue(lines[1].startswith("* BYE"), lines)
        self.assertTrue(r.closed())
        # Bob's own password still works (on a new connection).
        c = self.imap()
        self.assertEqual(c.login("bob@example.test", "bob password")[0], "OK")

    def test_bad_input_answered_and_session_goes_on(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        r.command("a", f'LOGIN {USER} "{PASSWORD}"')
        _, done = r.command("b", "NOOP " + "x" * 70000)
        self.assertTrue(done.startswith("b BAD"), done)
        r.send("\x01\x02\xff garbage\r\n")
        self.assertIn("BAD", r.line())
        _, done = r.command("c", "FROBNICATE")
        self.assertTrue(done.startswith("c BAD"), done)
        # A synchronising literal over max_message_size (50 MiB) is refused before "+".
        r.send("d APPEND INBOX {999999999}\r\n")
        line = r.line()
        self.assertTrue(line.startswith("d NO"), line)
        # A non-synchronising one is drained and refused.
        body = b"y" * 100
        r.send(b"e LOGIN {100+}\r\n" + body + b" x\r\n")
        self.assertTrue(r.until("e")[1].startswith("e BAD"))
        _, done = r.command("f", "NOOP")
        self.assertEqual(done, "f OK NOOP completed")
        _, done = r.command("g", "SELECT")
        self.assertTrue(done.startswith("g BAD"), done)
        self.assertEqual(r.command("h", "NOOP")[1], "h OK NOOP completed")

    def test_pipelined_commands_answered_in_order(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        r.send(f"p1 LOGIN {USER} \"{PASSWORD}\"\r\np2 SELECT INBOX\r\np3 LIST \"\" INBOX\r\np4 NOOP\r\n")
        tags = []
        while len(tags) < 4:
            line = r.line()
            if line.startswith("p"):
                tags.append(line.split()[0:2])
        self.assertEqual(tags, [["p1", "OK"], ["p2", "OK"], ["p3", "OK"], ["p4", "OK"]])

    def test_starttls_then_login(self):
        c = self.imap()
        c.starttls(ssl_context=unverified_context())
        self.assertEqual(c.login(USER, PASSWORD)[0], "OK")
        self.assertEqual(c.noop()[0], "OK")

    def test_imaps_implicit_tls(self):
        c = imaplib.IMAP4_SSL("127.0.0.1", self.mr.port("imaps"), ssl_context=unverified_context(),
                              timeout=10)
        self.addCleanup(quiet_shutdown, c)
        self.assertNotIn("STARTTLS", c.capabilities)
        self.assertEqual(c.login(USER, PASSWORD)[0], "OK")
        self.assertEqual(c.namespace()[0], "OK")

    def test_starttls_discards_pipelined_plaintext(self):
        sock = socket.create_connection(("127.0.0.1", self.mr.port("imap")), timeout=10)
        self.addCleanup(sock.close)
        f = sock.makefile("rb")
        f.readline()
        sock.sendall(f"s STARTTLS\r\nx LOGIN {USER} \"{PASSWORD}\"\r\n".encode())
        self.assertEqual(f.readline(), b"s OK Begin TLS negotiation now\r\n")
        tls = unverified_context().wrap_socket(sock)
        tls.sendall(b"y CAPABILITY\r\n")
        data = b""
        while b"y OK" not in data:
            data += tls.recv(4096)
        self.assertNotIn(b"x OK", data)  # the injected LOGIN was never acted on
        self.assertIn(b"AUTH=PLAIN", data)
        tls.close()


class ImapStrictTest(InstanceTestCase):
    """Default policy: no plaintext logins; short login timeout."""

    instance_options = {"plaintext_on_loopback": False, "options": [("login_timeout_s", "60", "2")]}

    def test_logindisabled_without_tls(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        self.assertIn("LOGINDISABLED", r.greeting)
        self.assertNotIn("AUTH=PLAIN", r.greeting)
        _, done = r.command("a", f'LOGIN {USER} "{PASSWORD}"')
        self.assertTrue(done.startswith("a NO [PRIVACYREQUIRED]"), done)

    def test_starttls_enables_login(self):
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=10)
        self.addCleanup(quiet_shutdown, c)
        c.starttls(ssl_context=unverified_context())
        self.assertNotIn("LOGINDISABLED", c.capabilities)
        self.assertEqual(c.login(USER, PASSWORD)[0], "OK")

    def test_login_timeout(self):
        r = RawImap(self.mr.port("imap"))
        self.addCleanup(r.close)
        t0 = time.monotonic()
        line = r.line()
        self.assertTrue(line.startswith("* BYE"), line)
        self.assertTrue(r.closed())
        self.assertLess(time.monotonic() - t0, 6)


if __name__ == "__main__":
    unittest.main()
