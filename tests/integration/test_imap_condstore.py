"""CONDSTORE and QRESYNC (RFC 7162) with Python's imaplib, as a mobile client uses them
(issue 18): a client that knew a mailbox at some HIGHESTMODSEQ learns, in one SELECT
(QRESYNC ...), exactly which messages vanished and which changed flags meanwhile."""
import imaplib
import re
import unittest

from imap_util import InstanceTestCase

FETCH_RE = re.compile(rb"^(\d+) \(UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)\)$")


def uid_set(text):
    """The UIDs of a sequence-set such as b'51:55,57'."""
    out = set()
    for part in text.decode().split(","):
        lo, _, hi = part.partition(":")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


class ImapCondstoreTest(InstanceTestCase):
    def fill(self, c, box, count):
        c.create(box)
        for i in range(count):
            typ, _ = c.append(box, None, None, f"Subject: {i}\r\n\r\nbody {i}\r\n".encode())
            self.assertEqual(typ, "OK")

    def test_capability_and_enable(self):
        c = self.imaplib_session()
        self.assertIn("CONDSTORE", c.capabilities)
        self.assertIn("QRESYNC", c.capabilities)
        self.assertIn("ENABLE", c.capabilities)
        typ, _ = c.enable("QRESYNC")
        self.assertEqual(typ, "OK")
        self.assertEqual(c.response("ENABLED")[1], [b"CONDSTORE QRESYNC"])
        c.enable("CONDSTORE")  # already on: enables nothing
        self.assertEqual(c.response("ENABLED")[1], [b""])

    def test_qresync_in_one_round_trip(self):
        owner = self.imaplib_session()
        self.fill(owner, "Resync", 100)
        # The client's cache: UIDVALIDITY and HIGHESTMODSEQ of the mailbox as it knew it.
        typ, _ = owner.select("Resync", readonly=True)
        self.assertEqual(typ, "OK")
        validity = int(owner.response("UIDVALIDITY")[1][0])
        known_modseq = int(owner.response("HIGHESTMODSEQ")[1][0])
        owner.close()

        # Meanwhile, another connection flags 10 messages and expunges 10 others.
        other = self.imaplib_session()
        other.select("Resync")
        flagged = set(range(11, 21))
        gone = set(range(51, 61))
        typ, _ = other.uid("STORE", "11:20", "+FLAGS.SILENT", r"(\Flagged)")
        self.assertEqual(typ, "OK")
        typ, _ = other.uid("STORE", "51:60", "+FLAGS.SILENT", r"(\Deleted)")
        self.assertEqual(typ, "OK")
        typ, _ = other.expunge()
        self.assertEqual(typ, "OK")

        # The resync: ENABLE QRESYNC, then one SELECT.
        c = self.imaplib_session()
        self.assertEqual(c.enable("QRESYNC")[0], "OK")
        typ, data = c._simple_command("SELECT", "Resync", f"(QRESYNC ({validity} {known_modseq} 1:100))")
        self.assertEqual(typ, "OK", data)
        _, exists = c._untagged_response(typ, data, "EXISTS")
        self.assertEqual(exists, [b"90"])
        _, vanished = c._untagged_response(typ, data, "VANISHED")
        self.assertEqual(len(vanished), 1, vanished)
        self.assertTrue(vanished[0].startswith(b"(EARLIER) "), vanished)
        self.assertEqual(uid_set(vanished[0][len(b"(EARLIER) "):]), gone)
        _, fetches = c._untagged_response(typ, data, "FETCH")
        self.assertEqual(len(fetches), 10, fetches)
        seen_uids = set()
        for f in fetches:
            m = FETCH_RE.match(f)
            self.assertIsNotNone(m, f)
            seen_uids.add(int(m.group(2)))
            self.assertIn(rb"\Flagged", m.group(3))
            self.assertGreater(int(m.group(4)), known_modseq)
        self.assertEqual(seen_uids, flagged)
        _, highest = c._untagged_response(typ, data, "HIGHESTMODSEQ")
        self.assertGreater(int(highest[0]), known_modseq)

        # The same answer from UID FETCH (CHANGEDSINCE ... VANISHED) in that mailbox.
        c.state = "SELECTED"
        c.untagged_responses.clear()
        typ, data = c._simple_command("UID", "FETCH", "1:100", "(FLAGS)", f"(CHANGEDSINCE {known_modseq} VANISHED)")
        self.assertEqual(typ, "OK", data)
        _, vanished = c._untagged_response(typ, data, "VANISHED")
        self.assertEqual(uid_set(vanished[0][len(b"(EARLIER) "):]), gone)
        _, fetches = c._untagged_response(typ, data, "FETCH")
        self.assertEqual(len(fetches), 10, fetches)

        # Once QRESYNC is on, an expunge elsewhere is VANISHED, not EXPUNGE.
        other.uid("STORE", "100", "+FLAGS.SILENT", r"(\Deleted)")
        other.expunge()
        typ, data = c.noop()
        self.assertEqual(c.response("VANISHED")[1], [b"100"])
        self.assertEqual(c.response("EXPUNGE")[1], [None])

    def test_changedsince_unchangedsince_and_search_modseq(self):
        c = self.imaplib_session()
        self.fill(c, "Cond", 5)
        typ, _ = c._simple_command("SELECT", "Cond", "(CONDSTORE)")
        self.assertEqual(typ, "OK")
        c.state = "SELECTED"
        base = int(c.response("HIGHESTMODSEQ")[1][0])
        # iOS sends CHANGEDSINCE 0: every message, with its MODSEQ.
        typ, data = c._simple_command("FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE 0)")
        self.assertEqual(typ, "OK")
        self.assertEqual(len(c._untagged_response(typ, data, "FETCH")[1]), 5)
        # A conditional STORE: message 2 changed since `base`, so it is left alone.
        other = self.imaplib_session()
        other.select("Cond")
        other.store("2", "+FLAGS.SILENT", "(\\Answered)")
        typ, data = c._simple_command("STORE", "1:3", f"(UNCHANGEDSINCE {base})", "+FLAGS.SILENT", "(\\Seen)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"[MODIFIED 2]", data[-1])
        c.untagged_responses.clear()  # the STORE's and the update's FETCHes
        typ, data = c._simple_command("FETCH", "1:*", "(FLAGS)", f"(CHANGEDSINCE {base})")
        changed = sorted(int(f.split(b" ")[0]) for f in c._untagged_response(typ, data, "FETCH")[1])
        self.assertEqual(changed, [1, 2, 3])
        typ, data = c._simple_command("UID", "SEARCH", "MODSEQ", str(base + 1))
        self.assertEqual(typ, "OK")
        found = c._untagged_response(typ, data, "SEARCH")[1][-1]
        self.assertRegex(found, rb"^1 2 3 \(MODSEQ \d+\)$")


if __name__ == "__main__":
    unittest.main()
