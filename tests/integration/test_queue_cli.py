"""`mailroom queue list|show|flush|retry|delete` (issue 4) against a real queue and a
running deliverd: changes are picked up without a restart. Entries stay in the
queue because their recipient is over quota (a temporary failure) and the retry
schedule is the default five minutes.
"""
import time
import unittest

from lib import Mailroom
from deliver_util import enqueue, inbox, queue_list, report_parts, wait_for_children, wait_until

SENDER = "alice@example.test"
BIG = ("From: alice@example.test\r\nSubject: too big\r\nMessage-ID: <big@example.test>\r\n\r\n"
       + ("y" * 1000 + "\r\n") * 1100)


class QueueCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.set_option("poll_interval_s", "30", "1")
        cls.mr.add_user(SENDER, "secret password")
        cls.mr.run("user", "add", "dave@example.test", "--password-stdin", "--quota-mb", "1", stdin="pw\n")

    @classmethod
    def tearDownClass(cls):
        started = cls.mr.proc is not None
        cls.mr.stop()
        log = cls.mr.log_text() if started else ""
        cls.mr.close()
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]

    def entry(self, qid):
        for e in queue_list(self.mr):
            if e["id"] == qid:
                return e
        return None

    def start_deliverd(self):
        if self.mr.proc is None:
            self.mr.up()
            wait_for_children(self.mr)

    def test_1_list_and_show_without_daemons(self):
        qid = enqueue(self.mr, SENDER, ["dave@example.test", "Dave+x@example.test"], BIG, envid="E1")[0]
        rows = queue_list(self.mr)
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["id"], qid)
        self.assertEqual(row["sender"], SENDER)
        self.assertGreater(row["size"], 1_000_000)
        self.assertGreaterEqual(row["age_s"], 0)
        self.assertEqual({r["address"] for r in row["recipients"]}, {"dave@example.test", "Dave+x@example.test"})
        self.assertEqual({r["state"] for r in row["recipients"]}, {"pending"})
        text = self.mr.run("queue", "list").stdout
        self.assertIn(qid, text)
        self.assertIn("1 message in the queue", text)
        shown = self.mr.run("queue", "show", qid).stdout
        self.assertIn("sender: <alice@example.test>", shown)
        self.assertIn("envid: E1", shown)
        self.assertIn("Subject: too big", shown)
        self.assertNotIn("yyyy", shown)  # headers only
        bad = self.mr.run("queue", "show", "not-an-id", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("bad queue id", bad.stderr)
        missing = self.mr.run("queue", "retry", "0" * 22, check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no such queue entry", missing.stderr)
        self.mr.run("queue", "delete", qid)
        self.assertEqual(queue_list(self.mr), [])

    def test_2_retry_flush_delete_with_deliverd(self):
        self.start_deliverd()
        qid = enqueue(self.mr, SENDER, ["dave@example.test"], BIG)[0]
        e = wait_until(lambda: (x := self.entry(qid)) and x["recipients"][0]["state"] == "deferred" and x,
                       15, what="deferred")
        r = e["recipients"][0]
        self.assertEqual(r["attempts"], 1)
        self.assertIn("4.2.2", r["last_error"])
        self.assertIn("4.2.2", e["last_error"])
        self.assertGreater(e["next_attempt"], time.time() + 200)  # retry_initial_s = 300
        self.assertIn("next in ", self.mr.run("queue", "list").stdout)

        self.mr.run("queue", "retry", qid)
        wait_until(lambda: self.entry(qid)["recipients"][0]["attempts"] == 2, 15, what="a second attempt")
        out = self.mr.run("queue", "flush").stdout
        self.assertIn("flushed 1 recipient", out)
        wait_until(lambda: self.entry(qid)["recipients"][0]["attempts"] == 3, 15, what="a third attempt")

        self.mr.run("queue", "delete", qid)
        self.assertIsNone(self.entry(qid))
        time.sleep(1.5)
        self.assertFalse([m for m in inbox(self.mr, SENDER) if m.get_content_type() == "multipart/report"])

    def test_3_delete_with_bounce(self):
        self.start_deliverd()
        qid = enqueue(self.mr, SENDER, ["dave@example.test"], BIG)[0]
        wait_until(lambda: (x := self.entry(qid)) and x["recipients"][0]["state"] == "deferred", 15,
                   what="deferred")
        out = self.mr.run("queue", "delete", qid, "--bounce").stdout
        self.assertIn("bouncing", out)
        wait_until(lambda: self.entry(qid) is None, 15, what="the entry to go")

        def report():
            for m in inbox(self.mr, SENDER):
                if m.get_content_type() == "multipart/report":
                    return m
            return None
        msg = wait_until(report, 15, what="the bounce")
        text, blocks, original = report_parts(msg)
        self.assertIn("deleted from the queue by the postmaster", text)
        self.assertEqual(blocks[1]["action"], "failed")
        self.assertEqual(blocks[1]["status"], "5.0.0")
        self.assertIn("Subject: too big", original.get_content())


if __name__ == "__main__":
    unittest.main()
