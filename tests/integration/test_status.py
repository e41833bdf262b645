"""`mailroom status` (issue 20): the daemons of a running `mailroom up` with their pids
and restarts, the queue, the certificate's expiry and the disk, as text and --json; after
a daemon is killed it shows the restart; after `up` stops, "not running".
"""
import json
import os
import signal
import time
import unittest

from lib import Mailroom, wait_for_port


class Status(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()

    def tearDown(self):
        self.mr.close()

    def status(self):
        return json.loads(self.mr.run("status", "--json").stdout)

    def test_status_follows_up(self):
        res = self.mr.run("status")
        self.assertIn("mailroom up: not running", res.stdout)
        self.assertIn("queue: 0 messages", res.stdout)
        self.assertRegex(res.stdout, r"certificate: .*cert.pem expires \d{4}-\d\d-\d\d")
        self.assertRegex(res.stdout, r"disk: .*GiB free of")

        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("imap")))
        deadline = time.time() + 20
        while time.time() < deadline:
            s = self.status()
            if s["running"] and all(d["running"] for d in s["daemons"]):
                break
            time.sleep(0.2)
        self.assertTrue(s["running"])
        names = {d["name"] for d in s["daemons"]}
        self.assertTrue({"smtpd", "deliverd", "imapd", "pop3d"} <= names, names)
        self.assertGreater(s["certificate"]["days_left"], 300)
        self.assertGreater(s["disk"]["free_bytes"], 0)
        text = self.mr.run("status").stdout
        self.assertRegex(text, r"mailroom up: running \(pid \d+")
        self.assertRegex(text, r"  imapd\s+running\s+pid \d+")

        pop3d = next(d for d in s["daemons"] if d["name"] == "pop3d")
        os.kill(pop3d["pid"], signal.SIGKILL)
        deadline = time.time() + 20
        while time.time() < deadline:
            d = next(d for d in self.status()["daemons"] if d["name"] == "pop3d")
            if d["restarts"] == 1 and d["running"]:
                break
            time.sleep(0.2)
        self.assertEqual(d["restarts"], 1)
        self.assertNotEqual(d["pid"], pop3d["pid"])

        self.mr.stop()
        self.assertFalse(self.status()["running"])


if __name__ == "__main__":
    unittest.main()
