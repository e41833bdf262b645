"""`mailroom up`: starts every daemon, restarts one that dies, stops them all on SIGTERM."""
import os
import signal
import time
import unittest

from lib import BIN_DIR, Mailroom, child_pids, port_is_free, wait_for_port

DAEMON_PORTS = {"smtpd": "smtp", "pop3d": "pop3", "imapd": "imap", "webd": "http", "sieved": "managesieve",
                "deliverd": None}


def built_daemons():
    return [d for d in DAEMON_PORTS if os.access(os.path.join(BIN_DIR, d), os.X_OK)]


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


class UpTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        self.mr.add_user("alice@example.test", "pw")
        self.daemons = built_daemons()
        self.assertTrue(self.daemons, f"no daemon binaries in {BIN_DIR}")

    def tearDown(self):
        self.mr.close()

    def children(self):
        return {name: pid for pid, name in child_pids(self.mr.proc.pid).items()}

    def test_supervises_daemons(self):
        proc = self.mr.up()
        kids = wait_until(lambda: (lambda c: c if set(self.daemons) <= set(c) else None)(self.children()))
        self.assertTrue(kids, f"daemons not all started: {self.children()}\n{self.mr.log_text()}")
        for name in self.daemons:
            if DAEMON_PORTS[name]:
                self.assertTrue(wait_for_port(self.mr.port(DAEMON_PORTS[name])),
                                f"{name} does not accept connections\n{self.mr.log_text()}")

        # Kill one daemon: the supervisor logs it and starts a new process.
        victim = self.daemons[0]
        old_pid = kids[victim]
        os.kill(old_pid, signal.SIGKILL)
        new_pid = wait_until(lambda: (lambda p: p if p and p != old_pid else None)(self.children().get(victim)))
        self.assertTrue(new_pid, f"{victim} was not restarted\n{self.mr.log_text()}")
        log = self.mr.log_text()
        self.assertIn("event=died", log)
        self.assertIn(f"child={victim}", log)
        port = DAEMON_PORTS[victim]
        if port:
            self.assertTrue(wait_for_port(self.mr.port(port)), "restarted daemon does not accept connections")

        # SIGTERM stops everything and frees the ports.
        all_pids = list(self.children().values())
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 0)
        for pid in all_pids:
            self.assertFalse(os.path.exists(f"/proc/{pid}") and
                             open(f"/proc/{pid}/stat").read().split()[2] != "Z",
                             f"pid {pid} still running")
        for name in self.daemons:
            if DAEMON_PORTS[name]:
                self.assertTrue(port_is_free(self.mr.port(DAEMON_PORTS[name])))
        self.assertIn("event=down", self.mr.log_text())

    def test_two_endpoints_of_one_listener(self):
        # [listen] imap with two addresses: `up` binds both and hands imapd two sockets of
        # the same name; imapd must serve both (and not bind its own).
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            second = s.getsockname()[1]
        first = self.mr.port("imap")
        self.mr.set_option("imap", f'["127.0.0.1:{first}"]', f'["127.0.0.1:{first}", "127.0.0.1:{second}"]')
        self.mr.up()
        for port in (first, second):
            self.assertTrue(wait_for_port(port), f"port {port} not served\n{self.mr.log_text()}")
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                self.assertTrue(c.makefile("rb").readline().startswith(b"* OK"),
                                f"no IMAP greeting on {port}\n{self.mr.log_text()}")
        self.assertNotIn("listen_fds_invalid", self.mr.log_text())

    def test_refuses_to_start_when_a_port_is_taken(self):
        import socket
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", self.mr.port("smtp")))
        blocker.listen()
        try:
            proc = self.mr.up()
            self.assertNotEqual(proc.wait(timeout=20), 0)
            self.assertIn(f"127.0.0.1:{self.mr.port('smtp')}", self.mr.log_text())
        finally:
            blocker.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
