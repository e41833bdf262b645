"""THREADID (RFC 8474 §5.2) as a client sees it with imaplib: a thread of three messages
delivered by SMTP (in whatever order deliverd stores them) shares one THREADID, an
unrelated message has another; COPY keeps it, a reply APPENDed to another mailbox joins it,
SEARCH THREADID (RFC 8474 §6) finds the thread, and a malformed objectid is a BAD."""
import imaplib
import re
import smtplib
import time
import unittest

from imap_util import InstanceTestCase, USER

ROOT = (b"From: carol@remote.example\r\nTo: alice@example.test\r\nSubject: plans\r\n"
        b"Message-ID: <root.1@remote.example>\r\n\r\nshall we?\r\n")
REPLY = (b"From: dave@remote.example\r\nTo: alice@example.test\r\nSubject: Re: plans\r\n"
         b"Message-ID: <reply.2@remote.example>\r\nIn-Reply-To: <root.1@remote.example>\r\n"
         b"References: <root.1@remote.example>\r\n\r\nyes\r\n")
REPLY_TO_REPLY = (b"From: carol@remote.example\r\nTo: alice@example.test\r\nSubject: Re: plans\r\n"
                  b"Message-ID: <reply.3@remote.example>\r\nIn-Reply-To: <reply.2@remote.example>\r\n"
                  b"References: <root.1@remote.example>\r\n <reply.2@remote.example>\r\n\r\ngood\r\n")
UNRELATED = (b"From: erin@remote.example\r\nTo: alice@example.test\r\nSubject: plans\r\n"
             b"Message-ID: <other.4@remote.example>\r\n\r\nsame subject, other thread\r\n")
OWN_REPLY = (b"From: alice@example.test\r\nTo: carol@remote.example\r\nSubject: Re: plans\r\n"
             b"Message-ID: <mine.5@example.test>\r\nIn-Reply-To: <reply.3@remote.example>\r\n"
             b"References: <root.1@remote.example> <reply.2@remote.example>\r\n <reply.3@remote.example>\r\n\r\n"
             b"see you\r\n")
OBJECTID = r"[A-Za-z0-9_-]{1,255}"  # rfc8474.txt:523


def thread_ids(c, seqs):
    """{message-id header: THREADID} of the messages `seqs` of the selected mailbox."""
    typ, data = c.fetch(seqs, "(THREADID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    assert typ == "OK", data
    out = {}
    for part in data:
        if not isinstance(part, tuple):
            continue
        head, literal = part
        tid = re.search(rb"THREADID \((" + OBJECTID.encode() + rb")\)", head)
        assert tid, head
        mid = re.search(rb"<([^>]*)>", literal).group(1).decode()
        out[mid] = tid.group(1).decode()
    return out


class ThreadIdTest(InstanceTestCase):
    def deliver(self, messages):
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.example") as s:
            for m in messages:
                s.sendmail("carol@remote.example", [USER], m)

    def wait_for(self, c, mailbox, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            typ, data = c.status(mailbox, "(MESSAGES)")
            if int(re.search(rb"MESSAGES (\d+)", data[0]).group(1)) >= count:
                return
            time.sleep(0.1)
        self.fail(f"{mailbox} did not get {count} messages")

    def test_thread_by_smtp_copy_append_and_search(self):
        c = self.imaplib_session()
        self.deliver([ROOT, REPLY, REPLY_TO_REPLY, UNRELATED])
        self.wait_for(c, "INBOX", 4)
        c.select("INBOX")
        ids = thread_ids(c, "1:*")
        self.assertEqual(len(ids), 4, ids)
        thread = ids["root.1@remote.example"]
        self.assertEqual(ids["reply.2@remote.example"], thread)
        self.assertEqual(ids["reply.3@remote.example"], thread)
        self.assertNotEqual(ids["other.4@remote.example"], thread)  # a subject alone makes no thread
        # Never the value of an EMAILID (rfc8474.txt:348).
        typ, data = c.fetch("1:*", "(EMAILID)")
        self.assertNotIn(thread.encode(), b" ".join(data))

        # SEARCH THREADID: exactly the thread's three; ids are case-sensitive (rfc8474.txt:498).
        typ, data = c.search(None, "THREADID", thread)
        self.assertEqual(typ, "OK")
        found = sorted(int(n) for n in data[0].split())
        self.assertEqual(len(found), 3)
        self.assertEqual(set(thread_ids(c, ",".join(map(str, found))).values()), {thread})
        self.assertEqual(c.search(None, "THREADID", thread.swapcase())[1], [b""])
        self.assertEqual(c.search(None, "NOT", "THREADID", thread)[1][0].split(),
                         [n for n in c.search(None, "ALL")[1][0].split() if int(n) not in found])

        # COPY keeps it (rfc8474.txt:324: the same THREADID for the same EMAILID).
        c.create("Kept")
        self.assertEqual(c.copy("1:*", "Kept")[0], "OK")
        c.select("Kept")
        self.assertEqual(thread_ids(c, "1:*"), ids)
        c.close()

        # A reply saved in another mailbox (Sent: a default one) joins the thread (rfc8474.txt:327).
        self.assertEqual(c.append("Sent", "\\Seen", None, OWN_REPLY)[0], "OK")
        c.select("Sent")
        self.assertEqual(thread_ids(c, "1"), {"mine.5@example.test": thread})
        self.assertEqual(c.uid("SEARCH", "THREADID", thread)[0], "OK")
        self.assertEqual(len(c.search(None, "THREADID", thread)[1][0].split()), 1)

        # Stable: another session sees the same ids.
        d = self.imaplib_session()
        d.select("INBOX", readonly=True)
        self.assertEqual(thread_ids(d, "1:*"), ids)

    def test_malformed_threadid_is_bad(self):
        c = self.imaplib_session()
        c.select("INBOX")
        for bad in ('"T1"', "T1.2", "a" * 256):
            with self.assertRaises(imaplib.IMAP4.error):
                c.search(None, "THREADID", bad)
        self.assertEqual(c.noop()[0], "OK")  # the session goes on


if __name__ == "__main__":
    unittest.main()
