"""imapd push (issue 6): an IDLE session sees, within one second, a message delivered
through smtpd + deliverd (deliverd's wake-up datagram on run/imapd.sock), a STORE and an
APPEND by a second IMAP session of the same process (in-process wake-up), and a POP3
QUIT that deleted a message (pop3d's wake-up). The fallback poll is 30 s, so only a
wake-up can make these deadlines."""
import poplib
import smtplib
import subprocess
import time
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase

DEADLINE = 1.0


class ImapIdleTest(InstanceTestCase):
    def idler(self, mailbox):
        r = self.raw_session(mailbox)
        r.send("i IDLE\r\n")
        self.assertEqual(r.line(), "+ idling")
        return r

    def expect_within(self, r, since, wanted):
        """Reads lines until `wanted` (a prefix); it must come within DEADLINE of `since`."""
        r.sock.settimeout(DEADLINE + 2)
        while True:
            line = r.line()
            if line.startswith(wanted):
                elapsed = time.monotonic() - since
                self.assertLess(elapsed, DEADLINE, f"{wanted!r} after {elapsed:.2f}s")
                return line

    def done(self, r):
        r.send("DONE\r\n")
        _, tagged = r.until("i")
        self.assertEqual(tagged, "i OK IDLE terminated")

    def test_delivery_through_smtp_shows_up_in_idle(self):
        c = self.imaplib_session()
        c.select("INBOX")
        before = int(c.select("INBOX")[1][0])
        r = self.idler("INBOX")
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.example") as s:
            s.sendmail("sender@remote.example", [USER],
                       b"From: sender@remote.example\r\nTo: alice@example.test\r\nSubject: push\r\n\r\nhi\r\n")
            accepted = time.monotonic()  # 250 to DATA: durable in the queue
        self.expect_within(r, accepted, f"* {before + 1} EXISTS")
        self.assertEqual(r.line(), "* 1 RECENT")  # the idler selected first: it claims \Recent
        self.done(r)

    def test_store_and_append_by_another_session(self):
        c = self.imaplib_session()
        c.create("Push")
        c.append("Push", None, None, b"Subject: one\r\n\r\nx\r\n")
        r = self.idler("Push")
        c.select("Push")
        t0 = time.monotonic()
        c.store("1", "+FLAGS", "(\\Flagged)")
        self.expect_within(r, t0, "* 1 FETCH (FLAGS (\\Flagged \\Recent))")  # the idler selected first
        t0 = time.monotonic()
        c.append("Push", None, None, b"Subject: two\r\n\r\nx\r\n")
        self.expect_within(r, t0, "* 2 EXISTS")
        t0 = time.monotonic()
        c.store("2", "+FLAGS", "(\\Deleted)")
        c.expunge()
        self.expect_within(r, t0, "* 2 EXPUNGE")
        self.done(r)
        self.assertEqual(r.command("n", "NOOP"), ([], "n OK NOOP completed"))

    def test_pop3_quit_expunge_shows_up_in_idle(self):
        c = self.imaplib_session()
        c.append("INBOX", None, None, b"Subject: for pop\r\n\r\nx\r\n")
        count = int(c.select("INBOX")[1][0])
        r = self.idler("INBOX")
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        pop.user(USER)
        pop.pass_(PASSWORD)
        pop.dele(count)
        pop.quit()
        t0 = time.monotonic()
        self.expect_within(r, t0, f"* {count} EXPUNGE")
        self.done(r)


class ImapIdleKeepaliveTest(InstanceTestCase):
    """[imap] idle_keepalive_secs (1 here): an idling client gets "* OK Still here" so NAT
    gateways keep the connection; every IMAP socket has TCP keepalive on."""

    instance_options = {"options": [("idle_keepalive_secs", "120", "1")]}

    def test_still_here_during_idle_only(self):
        r = self.raw_session("INBOX")
        self.assertEqual(r.command("n", "NOOP")[1], "n OK NOOP completed")
        r.send("i IDLE\r\n")
        self.assertEqual(r.line(), "+ idling")
        r.sock.settimeout(5)
        t0 = time.monotonic()
        self.assertEqual(r.line(), "* OK Still here")
        self.assertEqual(r.line(), "* OK Still here")
        self.assertLess(time.monotonic() - t0, 4.0)
        r.send("DONE\r\n")
        _, tagged = r.until("i")
        self.assertEqual(tagged, "i OK IDLE terminated")
        time.sleep(1.5)  # no keepalive outside IDLE: the next line is NOOP's
        self.assertEqual(r.command("m", "NOOP"), ([], "m OK NOOP completed"))

    def test_tcp_keepalive_on_server_sockets(self):
        # ss shows the server side of our connection with a keepalive timer (SO_KEEPALIVE).
        r = self.raw_session()
        port = self.mr.port("imap")
        local = r.sock.getsockname()[1]
        # While sent data awaits its ACK the socket shows the retransmit timer instead.
        deadline = time.monotonic() + 5
        while True:
            res = subprocess.run(["ss", "-tnoH", "state", "established", f"( sport = :{port} )"],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(res.returncode, 0, res.stderr)
            lines = [line for line in res.stdout.splitlines() if f":{local}" in line]
            self.assertTrue(lines, res.stdout)
            if "timer:(keepalive" in lines[0] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIn("timer:(keepalive", lines[0])


if __name__ == "__main__":
    unittest.main()
