"""deliverd killed with SIGKILL in the middle of a 2,000-message local delivery and
restarted by `mailroom up` (issue 4): every message ends up in its mailbox exactly
once (Message-IDs counted across the Maildir files) and the queue empties.
"""
import os
import signal
import unittest

from lib import Mailroom, child_pids
from deliver_util import enqueue, inbox_files, message_ids_in, queue_list, wait_until

USERS = [f"user{i}@example.test" for i in range(20)]
TOTAL = 2000


class DeliverCrash(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        self.mr.set_option("poll_interval_s", "30", "1")
        self.mr.set_option("restart_delay_ms", "500", "100")
        for u in USERS:
            self.mr.add_user(u, "secret password")

    def tearDown(self):
        self.mr.stop()
        log = self.mr.log_text()
        self.mr.close()
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error", log)

    def delivered_files(self):
        return [p for u in USERS for p in inbox_files(self.mr, u)]

    def test_sigkill_during_delivery_loses_and_duplicates_nothing(self):
        # Queued before deliverd runs: 100 messages per user, distinct Message-IDs.
        per_user = TOTAL // len(USERS)
        for i, u in enumerate(USERS):
            body = (f"From: load@example.test\r\nTo: {u}\r\nSubject: load {{n}}\r\n"
                    f"Message-ID: <load-{i}-{{n}}@example.test>\r\n\r\n" + "z" * 1000 + "\r\n")
            enqueue(self.mr, "load@example.test", [u], body, count=per_user)
        self.assertEqual(len(queue_list(self.mr)), TOTAL)

        self.mr.up()
        try:
            # 30 s: `mailroom up` can be slow to start its children on a loaded CI machine.
            first = wait_until(lambda: [p for p, n in child_pids(self.mr.proc.pid).items() if n == "deliverd"],
                               30, what="deliverd")[0]
        except AssertionError:
            # Once seen in CI and not reproduced: say whether `up` itself had exited, and why.
            self.fail(f"no deliverd child (mailroom up exit status {self.mr.proc.poll()}):\n"
                      + self.mr.log_text()[-4000:])
        # Kill it once a part of the run is in the mailboxes, but well before the end.
        wait_until(lambda: len(self.delivered_files()) >= 150, 60, interval=0.01, what="first deliveries")
        os.kill(first, signal.SIGKILL)
        at_kill = len(self.delivered_files())
        self.assertLess(at_kill, TOTAL, "the run finished before the kill: nothing was tested")

        second = wait_until(lambda: [p for p, n in child_pids(self.mr.proc.pid).items()
                                     if n == "deliverd" and p != first], 15, what="deliverd restarted")[0]
        self.assertNotEqual(first, second)
        wait_until(lambda: len(self.delivered_files()) >= TOTAL, 120, interval=0.5, what="all deliveries")
        wait_until(lambda: queue_list(self.mr) == [], 30, interval=0.5, what="an empty queue")

        counts = message_ids_in(self.delivered_files())
        self.assertEqual(len(counts), TOTAL)
        dupes = {k: v for k, v in counts.items() if v != 1}
        self.assertEqual(dupes, {})
        self.assertEqual(len(self.delivered_files()), TOTAL)
        for u in USERS:
            self.assertEqual(len(inbox_files(self.mr, u)), per_user, u)
        log = self.mr.log_text()
        self.assertIn("event=leases_released", log)


if __name__ == "__main__":
    unittest.main()
