"""imapd enforces the user's quota (directory.db, `mailroom user add|set --quota-mb`) on
APPEND and COPY / UID COPY with a tagged NO [OVERQUOTA] that changes nothing (RFC 9208
§4.3.1, RFC 5530); MOVE is never refused for quota; a quota changed with the CLI applies
to a session that is already open. GETQUOTA and GETQUOTAROOT (RFC 9208, capability QUOTA
QUOTA=RES-STORAGE) report that quota and the usage the checks use, in KiB; SETQUOTA is
refused. Clients: Python imaplib, the CLI for users."""
import json
import re
import unittest

from imap_util import InstanceTestCase
import imaplib

KIB = 1024
PASSWORD = "quota pw"


def message(n, size=300 * KIB):
    head = (f"From: a@example.test\r\nTo: q@example.test\r\nSubject: big {n}\r\n"
            f"Message-ID: <big{n}@example.test>\r\n\r\n").encode()
    line = b"x" * 78 + b"\r\n"
    return head + line * ((size - len(head)) // len(line))


class ImapQuotaTest(InstanceTestCase):
    def quota_user(self, name, quota_mb=1):
        address = f"{name}@example.test"
        self.mr.run("user", "add", address, "--password-stdin", "--quota-mb", str(quota_mb),
                    stdin=PASSWORD + "\n")
        c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=20)
        c.login(address, PASSWORD)
        self.addCleanup(c.logout)
        return address, c

    def used_bytes(self, address):
        users = json.loads(self.mr.run("user", "list", "--json").stdout)
        return {u["address"]: u for u in users}[address]["used_bytes"]

    def messages(self, c, mailbox):
        typ, data = c.status(mailbox, "(MESSAGES UIDNEXT)")
        self.assertEqual(typ, "OK")
        m = re.search(rb"MESSAGES (\d+) UIDNEXT (\d+)", data[0])
        return int(m.group(1)), int(m.group(2))

    def test_append_until_over_quota_then_lifted_in_the_same_session(self):
        address, c = self.quota_user("qappend")
        appended = 0
        for n in range(10):
            typ, data = c.append("INBOX", None, None, message(n))
            if typ != "OK":
                break
            appended += 1
        # 3 x 300 KiB fit in 1 MiB, the 4th does not.
        self.assertEqual(appended, 3)
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[OVERQUOTA] "), data)
        self.assertEqual(self.messages(c, "INBOX"), (3, 4))  # unchanged, no UID used
        used = self.used_bytes(address)
        self.assertEqual(used, sum(len(message(n)) for n in range(3)))
        # Still refused: the session does not retry into success by itself.
        self.assertEqual(c.append("INBOX", None, None, message(9))[0], "NO")

        self.mr.run("user", "set", address, "--quota-mb", "0")  # unlimited, session still open
        typ, data = c.append("INBOX", None, None, message(3))
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.messages(c, "INBOX"), (4, 5))
        self.assertEqual(self.used_bytes(address), used + len(message(3)))

    def test_copy_over_quota_refused_move_allowed(self):
        address, c = self.quota_user("qcopy")
        for n in range(2):
            self.assertEqual(c.append("INBOX", None, None, message(n))[0], "OK")
        used = self.used_bytes(address)
        self.assertEqual(c.select("INBOX")[0], "OK")

        # Two more copies of 300 KiB would make 1.2 MiB > 1 MiB.
        typ, data = c.copy("1:2", "Archive")
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[OVERQUOTA] "), data)
        typ, data = c.uid("COPY", "1:*", "Archive")
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[OVERQUOTA] "), data)
        self.assertEqual(self.messages(c, "Archive"), (0, 1))
        self.assertEqual(self.used_bytes(address), used)
        # One copy still fits.
        typ, data = c.uid("COPY", "1", "Archive")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.messages(c, "Archive"), (1, 2))

        # Now at 900 KiB: MOVE adds nothing to the usage and is never refused.
        typ, data = c.uid("MOVE", "2", "Archive")
        self.assertEqual(typ, "OK", data)
        typ, data = c._simple_command("MOVE", "1", "Trash")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(self.messages(c, "INBOX")[0], 0)
        self.assertEqual(self.messages(c, "Archive")[0], 2)
        self.assertEqual(self.messages(c, "Trash")[0], 1)
        self.assertEqual(self.used_bytes(address), used + len(message(0)))

    def quota_of(self, c, mailbox="INBOX"):
        """GETQUOTAROOT's (roots, {root: (used KiB, limit KiB) or None})."""
        typ, data = c.getquotaroot(mailbox)
        self.assertEqual(typ, "OK", data)
        roots, quotas = data
        self.assertEqual(len(roots), 1, roots)
        result = {}
        for q in quotas:
            m = re.fullmatch(rb'"(.*)" \((?:STORAGE (\d+) (\d+))?\)', q)
            self.assertIsNotNone(m, q)
            result[m.group(1)] = (int(m.group(2)), int(m.group(3))) if m.group(2) else None
        return roots[0], result

    def test_getquota_reports_what_append_is_judged_by(self):
        address, c = self.quota_user("qreport", quota_mb=2)
        self.assertIn("QUOTA", c.capabilities)
        self.assertIn("QUOTA=RES-STORAGE", c.capabilities)
        self.assertNotIn("QUOTASET", c.capabilities)
        self.assertEqual(self.quota_of(c), (b'INBOX ""', {b"": (0, 2048)}))
        for n in range(2):
            self.assertEqual(c.append("INBOX", None, None, message(n))[0], "OK")
        used = self.used_bytes(address)
        self.assertEqual(self.quota_of(c, "Archive"), (b'Archive ""', {b"": (-(-used // KIB), 2048)}))
        typ, data = c.getquota('""')
        self.assertEqual(typ, "OK", data)
        self.assertEqual(data[0], b'"" (STORAGE %d 2048)' % -(-used // KIB))
        typ, data = c.getquota("other")
        self.assertEqual(typ, "NO")
        # The administrator's change shows at once; unlimited is an empty list.
        self.mr.run("user", "set", address, "--quota-mb", "0")
        self.assertEqual(self.quota_of(c), (b'INBOX ""', {b"": None}))
        # Quotas are the administrator's.
        typ, data = c.setquota('""', "(STORAGE 100000)")
        self.assertEqual(typ, "NO")
        self.assertTrue(data[0].startswith(b"[NOPERM]"), data)
        self.mr.run("user", "set", address, "--quota-mb", "1")
        typ, data = c.getquota('""')
        self.assertEqual(data[0], b'"" (STORAGE %d 1024)' % -(-used // KIB))


if __name__ == "__main__":
    unittest.main(verbosity=2)
