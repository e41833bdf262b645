"""imapd against Node's imapflow (npm; issue 6, "Tests"): listing folders with their
special-use attributes, fetching envelopes and body structures of the tricky MIME corpus
(tests/data/imap/*.eml), downloading parts in partial-FETCH chunks, moving messages (MOVE
with COPYUID), creating, appending to, flagging, renaming and deleting a folder, and IDLE
notifications when another session appends, flags and expunges or when a message is
delivered over SMTP.

imapflow runs in tests/integration/node/imapflow_client.js over implicit TLS (STARTTLS for
one test) with the instance's self-signed certificate; it prints JSON lines that these
tests check. Its packages come from tests/integration/node/package-lock.json (`npm ci`,
done by scripts/install-deps.sh --test); nothing is downloaded here.
"""
import base64
import imaplib
import json
import os
import re
import shutil
import smtplib
import subprocess
import time
import unittest

from imap_util import PASSWORD, USER, InstanceTestCase
from lib import run_client

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")
CORPUS_DIR = os.path.join(HERE, "..", "data", "imap")
CORPUS = sorted(f for f in os.listdir(CORPUS_DIR) if f.endswith(".eml"))
NODE = shutil.which("node")

# What imapflow must make of each corpus message: (subject, first From address, the
# body structure as "part:type" in depth-first order). Derived from the .eml files.
EXPECTED = {
    "bad_boundary.eml": ("Boundary never used", "nobody@example.com", [":multipart/mixed", "1:text/plain"]),
    "bare_lf.eml": ("Bare LF", "lf@example.com", [":multipart/mixed", "1:text/plain"]),
    "eight_bit.eml": ("Zażółć gęślą jaźń", "lukasz@example.pl", [":text/plain"]),
    "empty_body.eml": ("Empty", "empty@example.com", [":text/plain"]),
    "encoded_words.eml": ("Grüße aus München", "joerg@example.de",
                          [":multipart/alternative", "1:text/plain", "2:text/plain"]),
    "groups.eml": ("Groups", "lead@example.com", [":text/plain"]),
    "header_only.eml": ("No body", "x@example.com", [":text/plain"]),
    "malformed.eml": ("Malformed but folded", "broken@example.com",
                      [":multipart/mixed", "1:text/plain", "2:text/plain"]),
    "missing_headers.eml": (None, None, [":text/plain"]),
    "mixed_attachment.eml": ("Invoice", "sender@example.com",
                             [":multipart/mixed", "1:text/plain", "2:application/pdf"]),
    "nested_alternative.eml": ("Photos", "carol@example.net",
                               [":multipart/mixed", "1:multipart/alternative", "1.1:text/plain", "1.2:text/html",
                                "2:image/png"]),
    "rfc2231.eml": ("Fichier joint été", "henri@example.fr",
                    [":multipart/mixed", "1:text/plain", "2:application/octet-stream"]),
    "rfc822_nested.eml": ("Fwd: Lunch", "eve@example.org",
                          [":multipart/mixed", "1:text/plain", "2:message/rfc822", "2:multipart/alternative",
                           "2.1:text/plain", "2.2:text/html"]),
    "rfc822_opaque.eml": ("Encoded forward", "a@example.com",
                          [":multipart/mixed", "1:message/rfc822", "1:text/plain"]),
    "single_part.eml": ("Quarterly report", "john.doe@example.com", [":text/plain"]),
    "source_route.eml": ("Route", "joe@example.com", [":text/plain"]),
}


def structure_outline(node):
    """imapflow's bodyStructure tree as ["part:type", ...], depth first."""
    out = [f"{node.get('part', '')}:{node['type']}"]
    for child in node.get("childNodes", []):
        out += structure_outline(child)
    return out


def parts_by_number(node, acc=None):
    acc = {} if acc is None else acc
    acc.setdefault(node.get("part", ""), node)
    for child in node.get("childNodes", []):
        parts_by_number(child, acc)
    return acc


def wire_bytes(name):
    """The message as imapd sends and counts it, its CRLF form (common/text/message_data.hpp):
    every bare LF or bare CR becomes CRLF and an open last line is closed."""
    with open(os.path.join(CORPUS_DIR, name), "rb") as f:
        data = f.read()
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    return data + b"\r\n" if data and not data.endswith(b"\r\n") else data


def stored(flags):
    """The stored flags: \\Recent is the session's (RFC 3501 §2.3.2), shown to whichever
    session selected the mailbox first."""
    return [f for f in flags if f != "\\Recent"]


@unittest.skipIf(NODE is None, "node is not installed: scripts/install-deps.sh --test installs nodejs")
class ImapflowTest(InstanceTestCase):
    inspected = None

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "imapflow")):
            raise AssertionError("tests/integration/node/node_modules is missing: run scripts/install-deps.sh --test "
                                 "(npm ci in tests/integration/node)")
        super().setUpClass()
        # Alice's imaplib session, shared by the tests: each login costs an argon2id check.
        cls.c = c = imaplib.IMAP4("127.0.0.1", cls.mr.port("imap"), timeout=20)
        c.login(USER, PASSWORD)
        # The corpus has raw 8-bit header fields (eight_bit.eml): APPEND takes them once
        # UTF-8 is enabled (RFC 6855 §4). Sent by hand: imaplib's own UTF-8 mode would also
        # wrap the literal's content in UTF8 (...).
        assert c._simple_command("ENABLE", "UTF8=ACCEPT")[0] == "OK"
        for name in CORPUS:
            typ, data = c.append("INBOX", None, None, wire_bytes(name))
            assert typ == "OK", (name, data)
        assert c.create("Projects/2026")[0] == "OK"

    @classmethod
    def tearDownClass(cls):
        cls.c.logout()
        super().tearDownClass()

    def node_args(self, user=USER, password=PASSWORD, tls="implicit", **kw):
        port = self.mr.port("imaps" if tls == "implicit" else "imap")
        return json.dumps(dict(kw, port=port, tls=tls, user=user, **{"pass": password}))

    def run_node(self, scenario, **kw):
        res = run_client(f"imapflow {scenario}", [NODE, "imapflow_client.js", scenario, self.node_args(**kw)],
                         cwd=NODE_DIR, text=True, timeout=60)
        return self.last_result(res.stdout, res.stderr, res.returncode)

    def last_result(self, stdout, stderr, code):
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        if code != 0 or not lines or "result" not in lines[-1]:
            self.fail(f"imapflow failed ({code}): {json.dumps(lines[-1] if lines else None, indent=1)}\n"
                      f"stderr: {stderr[-2000:]}\nimapd log: {self.mr.log_text()[-1500:]}")
        return lines[-1]["result"]

    def inspect_inbox(self):
        """One imapflow run listing folders and fetching INBOX, shared by two tests."""
        if ImapflowTest.inspected is None:
            uid = {name: i + 1 for i, name in enumerate(CORPUS)}
            downloads = [{"uid": uid["mixed_attachment.eml"], "part": "2", "chunkSize": 7},
                         {"uid": uid["nested_alternative.eml"], "part": "1.1", "chunkSize": 5},
                         {"uid": uid["encoded_words.eml"], "part": "1", "chunkSize": 1000},
                         {"uid": uid["single_part.eml"], "chunkSize": 64}]
            ImapflowTest.inspected = self.run_node("inspect", mailbox="INBOX", downloads=downloads)
        return ImapflowTest.inspected

    def test_list_folders_with_special_use(self):
        r = self.inspect_inbox()
        folders = {f["path"]: f for f in r["folders"]}
        self.assertLessEqual({"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "Projects", "Projects/2026"},
                             set(folders))
        for path, use in [("INBOX", "\\Inbox"), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                          ("Junk", "\\Junk"), ("Archive", "\\Archive")]:
            self.assertEqual(folders[path]["specialUse"], use, path)
            self.assertEqual(folders[path]["delimiter"], "/")
        self.assertIn("\\HasChildren", folders["Projects"]["flags"])
        self.assertIn("\\HasNoChildren", folders["Projects/2026"]["flags"])
        self.assertIsNone(folders["Projects/2026"]["specialUse"])
        for cap in ("IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE"):
            self.assertIn(cap, r["capabilities"])

    def test_fetch_envelopes_and_structure_of_corpus(self):
        r = self.inspect_inbox()
        self.assertEqual(r["mailbox"]["exists"], len(CORPUS))
        self.assertEqual(r["mailbox"]["uidNext"], len(CORPUS) + 1)
        self.assertEqual([m["seq"] for m in r["messages"]], list(range(1, len(CORPUS) + 1)))
        by_name = dict(zip(CORPUS, r["messages"]))
        for name, m in by_name.items():
            with self.subTest(name):
                subject, sender, outline = EXPECTED[name]
                self.assertEqual(m["size"], len(wire_bytes(name)))
                self.assertEqual(stored(m["flags"]), [])
                self.assertEqual(m["envelope"].get("subject"), subject)
                senders = m["envelope"].get("from") or [{}]
                self.assertEqual(senders[0].get("address"), sender)
                self.assertEqual(structure_outline(m["bodyStructure"]), outline)

        single = by_name["single_part.eml"]["envelope"]
        self.assertEqual(single["from"][0]["name"], "Doe, John")
        self.assertEqual(single["messageId"], "<msg1@example.com>")
        self.assertEqual(single["inReplyTo"], "<prev@example.com>")
        self.assertEqual([a["address"] for a in single["cc"]], ["bob@example.net", "carol@example.net"])
        self.assertEqual(single["date"], "2026-11-23T09:15:00.000Z")

        groups = by_name["groups.eml"]["envelope"]
        self.assertEqual(groups["replyTo"][0]["address"], "replies@example.com")

        mixed = parts_by_number(by_name["mixed_attachment.eml"]["bodyStructure"])
        pdf = mixed["2"]
        self.assertEqual(pdf["disposition"], "attachment")
        self.assertEqual(pdf["dispositionParameters"]["filename"], "invoice.pdf")
        self.assertEqual(pdf["encoding"], "base64")
        self.assertEqual(pdf["id"], "<inv@example.com>")
        self.assertEqual(pdf["language"], ["en", "de"])
        self.assertEqual(mixed["1"]["lineCount"], 1)

        rfc2231 = parts_by_number(by_name["rfc2231.eml"]["bodyStructure"])
        self.assertEqual(rfc2231["2"]["dispositionParameters"]["filename"], "été.txt")
        self.assertEqual(rfc2231["2"]["parameters"]["name"], "€ rates.txt")
        self.assertEqual(rfc2231["1"]["parameters"]["title"], "Part two")

        nested = parts_by_number(by_name["rfc822_nested.eml"]["bodyStructure"])
        inner = nested["2"]
        self.assertEqual(inner["type"], "message/rfc822")
        self.assertEqual(inner["envelope"]["subject"], "Lunch")
        self.assertEqual(inner["envelope"]["messageId"], "<lunch@example.net>")

        alt = parts_by_number(by_name["nested_alternative.eml"]["bodyStructure"])
        self.assertEqual(alt["1.1"]["encoding"], "quoted-printable")
        self.assertEqual(alt["1.1"]["parameters"]["charset"], "iso-8859-1")
        self.assertEqual(alt["2"]["disposition"], "inline")

    def test_move_messages_to_another_folder(self):
        c = self.c
        self.assertEqual(c.create("MoveFrom")[0], "OK")
        self.assertEqual(c.create("MoveTo")[0], "OK")
        for i in range(1, 5):
            c.append("MoveFrom", None, None, f"Subject: move {i}\r\n\r\nbody {i}\r\n".encode())
        r = self.run_node("move", mailbox="MoveFrom", uids="2:3", destination="MoveTo")
        self.assertEqual(r["destination"], "MoveTo")
        self.assertEqual(r["uidMap"], [[2, 1], [3, 2]])
        self.assertEqual(r["left"], [1, 4])
        typ, data = c.select("MoveTo")
        self.assertEqual(data, [b"2"])
        typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = [item[1].strip() for item in data if isinstance(item, tuple)]
        self.assertEqual(subjects, [b"Subject: move 2", b"Subject: move 3"])
        c.unselect()
        typ, data = c.status("MoveTo", "(UIDVALIDITY)")
        self.assertIn(f"UIDVALIDITY {r['uidValidity']}".encode(), data[0])

    def test_download_parts_in_chunks(self):
        # imapflow fetches BODY.PEEK[part]<offset.chunk> until a chunk comes back short and
        # decodes the transfer encoding itself.
        r = self.inspect_inbox()
        pdf, cafe, gruss, whole = r["downloads"]
        self.assertEqual(base64.b64decode(pdf["content"]), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.assertEqual((pdf["contentType"], pdf["filename"]), ("application/pdf", "invoice.pdf"))
        self.assertEqual(base64.b64decode(cafe["content"]).decode(cafe["charset"] or "utf-8"), "Caf\u00e9 au lait")
        self.assertIn("Gr\u00fc\u00dfe", base64.b64decode(gruss["content"]).decode("utf-8"))
        self.assertEqual(base64.b64decode(whole["content"]), wire_bytes("single_part.eml"))

    def test_create_append_flag_rename_delete(self):
        message = ("From: Node <node@example.test>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                   "Date: Mon, 23 Nov 2026 12:00:00 +0100\r\n\r\nHallo aus Node.\r\n")
        # Over STARTTLS on the plain port, the other way imapflow secures a connection.
        r = self.run_node("manage", folder="Clients/Node", renamed="Clients/Nodejs", message=message,
                          date="2026-11-20T08:30:00.000Z", tls="starttls")
        self.assertEqual(r["created"]["path"], "Clients/Node")
        self.assertTrue(r["created"]["created"])
        self.assertEqual(r["appended"]["uid"], 1)
        self.assertEqual(r["status"], {"path": "Clients/Node", "messages": 1, "unseen": 1, "uidNext": 2})
        self.assertEqual(stored(r["fetched"]["flags"]), ["ProjectX", "\\Draft", "\\Seen"])
        self.assertEqual(r["fetched"]["source"], message)
        self.assertEqual(r["fetched"]["internalDate"], "2026-11-20T08:30:00.000Z")
        self.assertEqual(r["renamed"], {"path": "Clients/Node", "newPath": "Clients/Nodejs"})
        self.assertEqual(r["afterRename"], {"path": "Clients/Nodejs", "messages": 1, "unseen": 0})
        self.assertEqual(r["deleted"]["path"], "Clients/Nodejs")
        self.assertIn("Clients", r["listed"])
        self.assertNotIn("Clients/Node", r["listed"])
        self.assertNotIn("Clients/Nodejs", r["listed"])

    def start_idle(self, mailbox, events, **login):
        """imapflow in IDLE on `mailbox`, waiting for `events` mailbox events; returns the
        process and the mailbox's EXISTS once the server accepted IDLE."""
        proc = subprocess.Popen([NODE, "imapflow_client.js", "idle",
                                 self.node_args(mailbox=mailbox, events=events, timeout_ms=15000, **login)],
                                cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(proc.wait)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        first = proc.stdout.readline()
        if '"idling"' not in first:
            out, err = proc.communicate(timeout=20)
            self.last_result(first + out, err, proc.returncode)
            self.fail(f"imapflow did not reach IDLE: {first}")
        return proc, json.loads(first)["exists"]

    def next_event(self, proc, change, limit):
        """Runs change(), returns (imapflow's next event, seconds from change() to it)."""
        change()
        changed = time.monotonic()
        line = proc.stdout.readline()
        elapsed = time.monotonic() - changed
        if not line.startswith('{"event"'):
            out, err = proc.communicate(timeout=30)
            self.last_result(line + out, err, proc.returncode)
        event = json.loads(line)
        self.assertLess(elapsed, limit, f"{event} after {elapsed:.2f}s")
        return event, elapsed

    def finish_idle(self, proc):
        out, err = proc.communicate(timeout=30)
        return self.last_result(out, err, proc.returncode)

    def test_idle_sees_another_sessions_changes(self):
        # Two concurrent sessions: imapflow idles, imaplib appends, flags and expunges.
        c = self.c
        self.assertEqual(c.create("Watched")[0], "OK")
        c.append("Watched", None, None, b"Subject: before\r\n\r\nx\r\n")
        c.select("Watched")
        self.addCleanup(c.unselect)
        proc, _ = self.start_idle("Watched", events=10, until="expunge")
        ok = self.assertEqual

        event, elapsed = self.next_event(
            proc, lambda: ok(c.append("Watched", None, None, b"Subject: pushed\r\n\r\nx\r\n")[0], "OK"), 5.0)
        self.assertEqual((event["event"], event["prevCount"], event["count"]), ("exists", 1, 2))
        print(f"\nimapflow IDLE: EXISTS {elapsed * 1000:.0f} ms after APPEND completed")

        event, elapsed = self.next_event(proc, lambda: ok(c.store("1", "+FLAGS", "(\\Flagged)")[0], "OK"), 5.0)
        self.assertEqual((event["event"], event["seq"], stored(event["flags"])), ("flags", 1, ["\\Flagged"]))
        print(f"imapflow IDLE: FETCH FLAGS {elapsed * 1000:.0f} ms after STORE completed")

        def expunge():
            ok(c.store("1", "+FLAGS.SILENT", "(\\Deleted)")[0], "OK")
            ok(c.expunge()[0], "OK")
        event, elapsed = self.next_event(proc, expunge, 5.0)
        if event["event"] == "flags":  # the \Deleted flag may be reported before the expunge
            self.assertEqual((event["seq"], stored(event["flags"])), (1, ["\\Deleted", "\\Flagged"]))
            event, elapsed = self.next_event(proc, lambda: None, 5.0)
        self.assertEqual((event["event"], event["seq"]), ("expunge", 1))
        print(f"imapflow IDLE: EXPUNGE {elapsed * 1000:.0f} ms after EXPUNGE completed")
        self.assertEqual(self.finish_idle(proc)["exists"], 1)

    def test_idle_sees_smtp_delivery(self):
        # Bob's INBOX, so the corpus in Alice's stays as the other tests expect it.
        bob = ("bob@example.test", "bob password")

        def deliver():
            with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=20) as s:
                s.sendmail("sender@example.net", [bob[0]],
                           b"From: sender@example.net\r\nTo: bob@example.test\r\nSubject: delivered\r\n\r\nhi\r\n")
        proc, before = self.start_idle("INBOX", events=1, user=bob[0], password=bob[1])
        event, elapsed = self.next_event(proc, deliver, 10.0)
        self.assertEqual((event["event"], event["prevCount"], event["count"]), ("exists", before, before + 1))
        print(f"\nimapflow IDLE: EXISTS {elapsed * 1000:.0f} ms after SMTP DATA was accepted")
        self.assertEqual(self.finish_idle(proc), {"events": 1, "exists": before + 1})

if __name__ == "__main__":
    unittest.main()
