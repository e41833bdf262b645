"""pop3d against real clients (issue 5): poplib, raw sockets, curl.

Mail is placed the way any Maildir tool would (a file in the user's new/) followed by
`mailroom reindex`, since no delivery daemon exists yet.
"""
import os
import poplib
import shutil
import socket
import sqlite3
import tempfile
import time
import unittest

from lib import Mailroom, close_checked, run_client, unverified_context, wait_for_port

PASSWORD = "correct horse"
USER = "alice@example.test"


class Pop3Base(unittest.TestCase):
    MESSAGES = [
        b"From: a@example.test\r\nSubject: one\r\n\r\nfirst body\r\n",
        # Bare LF line ends, as procmail and friends write them: sent as CRLF.
        b"From: b@example.test\nSubject: two\n\nline\n.starts with a dot\n..two dots\n",
        # No final line end, a bare CR in the body, a lone "." line.
        b"From: c@example.test\r\nSubject: three\r\n\r\na\rb\r\n.\r\nend",
        b"From: d@example.test\r\nSubject: four\r\n\r\n" + b"x" * 998 + b"\r\n" * 3,
    ]

    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        cls.mr.add_user(USER, PASSWORD)
        cls.mr.add_user("bob@example.test", "bob password")
        cls.root = cls.mr.user_dir(USER)
        cls.mr.allow_plaintext_on_loopback()
        cls.mr.up()
        if not wait_for_port(cls.mr.port("pop3")) or not wait_for_port(cls.mr.port("pop3s")):
            cls.mr.close()
            raise RuntimeError("pop3d did not start")

    @classmethod
    def tearDownClass(cls):
        # pop3d stops cleanly on SIGTERM (and, in an ASan build, without a report).
        close_checked(cls.mr, "pop3d")

    # -- helpers -----------------------------------------------------------------------
    def deliver(self, messages, user=USER):
        self.mr.place_in_maildir(user, messages)

    def clear_mailbox(self):
        pop = self.login()
        count, _ = pop.stat()
        for n in range(1, count + 1):
            pop.dele(n)
        pop.quit()

    def login(self, user=USER, password=PASSWORD):
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        pop.user(user)
        pop.pass_(password)
        return pop

    @staticmethod
    def wire(message):
        """What RETR must send for a stored message (before dot-stuffing)."""
        out = message.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
        if not out.endswith(b"\r\n") and out:
            out += b"\r\n"
        return out


class Pop3Test(Pop3Base):
    def setUp(self):
        self.clear_mailbox()

    def test_stat_list_retr_sizes_are_what_retr_sends(self):
        self.deliver(self.MESSAGES)
        pop = self.login()
        count, total = pop.stat()
        self.assertEqual(count, len(self.MESSAGES))
        _, listing, _ = pop.list()
        sizes = [int(line.split()[1]) for line in listing]
        self.assertEqual(sum(sizes), total)
        for n in range(1, count + 1):
            _, lines, octets = pop.retr(n)
            got = b"".join(line + b"\r\n" for line in lines)
            self.assertEqual(octets, sizes[n - 1], f"message {n}")
            self.assertEqual(len(got), sizes[n - 1])
            self.assertEqual(got, self.wire(self.MESSAGES[n - 1]))
            self.assertEqual(pop.list(n).split()[2], str(sizes[n - 1]).encode())
        pop.quit()

    def test_login_takes_sizes_from_the_index_not_the_files(self):
        # Sizes are stored in the index at delivery (issue 5): with a message file unreadable
        # for pop3d, LIST still shows its exact size, and only RETR of it fails.
        self.deliver(self.MESSAGES[:2])
        (name, _) = sorted(os.listdir(os.path.join(self.root, "new")))[:2]
        path = os.path.join(self.root, "new", name)
        if os.stat(path).st_uid == 0:
            self.skipTest("pop3d runs as root here: file permissions do not stop it")
        os.chmod(path, 0)
        try:
            pop = self.login()
            _, listing, _ = pop.list()
            sizes = sorted(int(line.split()[1]) for line in listing)
            self.assertEqual(sizes, sorted(len(self.wire(m)) for m in self.MESSAGES[:2]))
            failed = 0
            for n in (1, 2):
                try:
                    pop.retr(n)
                except poplib.error_proto as e:
                    self.assertTrue(e.args[0].startswith(b"-ERR"))
                    failed += 1
            self.assertEqual(failed, 1)
            self.assertTrue(pop.noop().startswith(b"+OK"))  # the session goes on
            pop.quit()
        finally:
            os.chmod(path, 0o600)

    def test_index_from_before_the_size_column_is_migrated(self):
        # Stores written before schema v2 have no rfc822_size: the first login measures
        # the files once, stores the sizes, and LIST/RETR agree as always.
        self.deliver(self.MESSAGES)
        index = os.path.join(self.root, "index.sqlite")
        owner = os.stat(index)
        db = sqlite3.connect(index)
        db.executescript("ALTER TABLE messages DROP COLUMN pop3_uidl;"
                         "ALTER TABLE messages DROP COLUMN email_id; ALTER TABLE messages DROP COLUMN save_date;"
                         "ALTER TABLE mailboxes DROP COLUMN object_id;"
                         "DROP TABLE thread_links; ALTER TABLE messages DROP COLUMN thread_id;"
                         "ALTER TABLE messages DROP COLUMN rfc822_size; PRAGMA user_version = 1;")
        db.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(index + suffix):
                os.chown(index + suffix, owner.st_uid, owner.st_gid)
        pop = self.login()
        _, listing, _ = pop.list()
        sizes = [int(line.split()[1]) for line in listing]
        for n in range(1, len(self.MESSAGES) + 1):
            _, lines, octets = pop.retr(n)
            got = b"".join(line + b"\r\n" for line in lines)
            self.assertEqual(got, self.wire(self.MESSAGES[n - 1]))
            self.assertEqual(len(got), sizes[n - 1], f"message {n}")
        pop.quit()
        db = sqlite3.connect(index)
        stored = [row[0] for row in db.execute("SELECT rfc822_size FROM messages m JOIN mailboxes b"
                                               " ON b.id = m.mailbox_id WHERE b.name = 'INBOX' ORDER BY uid")]
        db.close()
        for suffix in ("", "-wal", "-shm"):  # a root-owned -wal/-shm would lock pop3d out
            if os.path.exists(index + suffix):
                os.chown(index + suffix, owner.st_uid, owner.st_gid)
        self.assertEqual(stored, sizes)

    def test_retr_is_byte_exact_and_dot_stuffed_on_the_wire(self):
        msg = b"Subject: dots\r\n\r\n.hidden\r\n..\r\n.\r\nlast\r\n"
        self.deliver([msg])
        with socket.create_connection(("127.0.0.1", self.mr.port("pop3")), timeout=10) as s:
            f = s.makefile("rwb")
            self.assertTrue(f.readline().startswith(b"+OK"))
            for cmd in [b"USER " + USER.encode(), b"PASS " + PASSWORD.encode()]:
                f.write(cmd + b"\r\n")
                f.flush()
                self.assertTrue(f.readline().startswith(b"+OK"))
            f.write(b"RETR 1\r\n")
            f.flush()
            self.assertEqual(f.readline(), f"+OK {len(msg)} octets\r\n".encode())
            body = b""
            while not body.endswith(b"\r\n.\r\n"):
                chunk = f.readline()
                self.assertTrue(chunk, "connection closed during RETR")
                body += chunk
            self.assertEqual(body, b"Subject: dots\r\n\r\n..hidden\r\n...\r\n..\r\nlast\r\n.\r\n")
            f.write(b"QUIT\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"+OK"))

    def test_uidl_is_stable_across_sessions(self):
        self.deliver(self.MESSAGES[:2])
        pop = self.login()
        first = pop.uidl()[1]
        pop.quit()
        pop = self.login()
        second = pop.uidl()[1]
        one = pop.uidl(2)
        pop.quit()
        self.assertEqual(first, second)
        self.assertEqual(len(first), 2)
        self.assertEqual(one.split()[1:], first[1].split())
        ids = [line.split()[1] for line in first]
        self.assertEqual(len(set(ids)), 2)

    def test_dele_then_quit_removes(self):
        self.deliver(self.MESSAGES[:3])
        pop = self.login()
        pop.dele(2)
        with self.assertRaises(poplib.error_proto):
            pop.retr(2)  # deleted in this session
        with self.assertRaises(poplib.error_proto):
            pop.dele(2)
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()
        pop = self.login()
        self.assertEqual(pop.stat()[0], 2)
        _, lines, _ = pop.retr(2)
        self.assertIn(b"Subject: three", lines)
        pop.quit()

    def test_dele_then_disconnect_removes_nothing(self):
        self.deliver(self.MESSAGES[:2])
        pop = self.login()
        pop.dele(1)
        pop.dele(2)
        pop.file.close()  # hang up without QUIT: no UPDATE state
        pop.sock.close()
        time.sleep(0.3)
        pop = self.login()
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()

    def test_rset_unmarks(self):
        self.deliver(self.MESSAGES[:2])
        pop = self.login()
        pop.dele(1)
        pop.rset()
        pop.quit()
        pop = self.login()
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()

    def test_top(self):
        self.deliver([b"Subject: t\r\n\r\n1\r\n2\r\n3\r\n"])
        pop = self.login()
        _, lines, _ = pop.top(1, 2)
        self.assertEqual(lines, [b"Subject: t", b"", b"1", b"2"])
        _, lines, _ = pop.top(1, 0)
        self.assertEqual(lines, [b"Subject: t", b""])
        pop.quit()

    def test_snapshot_at_login(self):
        self.deliver(self.MESSAGES[:1])
        pop = self.login()
        self.deliver(self.MESSAGES[1:2])
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        pop = self.login()
        self.assertEqual(pop.stat()[0], 2)
        pop.quit()

    def test_errors_keep_the_session(self):
        self.deliver(self.MESSAGES[:1])
        pop = self.login()
        for cmd in ["RETR 9", "RETR 0", "RETR x", "DELE", "LIST 1 2", "TOP 1", "USER bob",
                    "BOGUS", "X" * 300]:
            with self.assertRaises(poplib.error_proto, msg=cmd):
                pop._shortcmd(cmd)
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()

    def test_in_use(self):
        pop = self.login()
        with self.assertRaises(poplib.error_proto) as cm:
            self.login()
        self.assertIn(b"[IN-USE]", cm.exception.args[0])
        pop.quit()
        self.login().quit()

    def test_bad_password_and_unknown_user_get_the_same_reply(self):
        replies = []
        for user, password in [(USER, "wrong"), ("nobody@example.test", "wrong")]:
            pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=20)
            pop.user(user)
            with self.assertRaises(poplib.error_proto) as cm:
                pop.pass_(password)
            replies.append(cm.exception.args[0])
            pop.quit()
        self.assertEqual(replies[0], replies[1])
        self.assertTrue(replies[0].startswith(b"-ERR [AUTH]"), replies[0])

    def test_capa(self):
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        caps = pop.capa()
        for cap in ["TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS"]:
            self.assertIn(cap, caps)
        self.assertEqual(caps["SASL"], ["PLAIN", "LOGIN"])
        pop.quit()

    def test_retr_marks_seen(self):
        self.deliver(self.MESSAGES[:1])
        pop = self.login()
        pop.retr(1)
        pop.quit()
        names = os.listdir(os.path.join(self.root, "cur"))
        self.assertEqual(len(names), 1)
        self.assertRegex(names[0], r":2,[A-Z]*S")

    def test_retr_then_hang_up_still_marks_seen(self):
        self.deliver(self.MESSAGES[:1])
        pop = self.login()
        pop.retr(1)
        pop.file.close()
        pop.sock.close()
        cur = os.path.join(self.root, "cur")
        for _ in range(50):
            names = os.listdir(cur)
            if names and ":2,S" in names[0]:
                break
            time.sleep(0.1)
        self.assertRegex(names[0], r":2,[A-Z]*S")

    def test_retr_finds_a_file_renamed_after_login(self):
        # An IMAP client flagging the message renames its file (new/ -> cur/...:2,F).
        self.deliver(self.MESSAGES[:1])
        pop = self.login()
        new = os.path.join(self.root, "new")
        (name,) = os.listdir(new)
        os.rename(os.path.join(new, name), os.path.join(self.root, "cur", name + ":2,F"))
        _, lines, octets = pop.retr(1)
        self.assertEqual(b"".join(line + b"\r\n" for line in lines), self.wire(self.MESSAGES[0]))
        pop.quit()

    def test_big_message_streams(self):
        big = b"Subject: big\r\n\r\n" + (b"y" * 76 + b"\r\n") * 100_000  # ~7.8 MB
        self.deliver([big])
        pop = self.login()
        _, lines, octets = pop.retr(1)
        self.assertEqual(octets, len(big))
        self.assertEqual(b"".join(line + b"\r\n" for line in lines), big)
        pop.quit()

    def test_pipelining(self):
        self.deliver(self.MESSAGES[:2])
        with socket.create_connection(("127.0.0.1", self.mr.port("pop3")), timeout=10) as s:
            f = s.makefile("rwb")
            f.readline()
            f.write(f"USER {USER}\r\nPASS {PASSWORD}\r\nSTAT\r\nNOOP\r\nQUIT\r\n".encode())
            f.flush()
            replies = [f.readline() for _ in range(5)]
            self.assertTrue(all(r.startswith(b"+OK") for r in replies), replies)
            self.assertEqual(replies[2], b"+OK 2 %d\r\n" % sum(len(self.wire(m)) for m in self.MESSAGES[:2]))


class Pop3AuthTest(Pop3Base):
    def test_sasl_plain_with_initial_response(self):
        import base64
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        self.assertTrue(pop._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK"))
        pop.stat()
        pop.quit()

    def test_sasl_login(self):
        import base64
        with socket.create_connection(("127.0.0.1", self.mr.port("pop3")), timeout=10) as s:
            f = s.makefile("rwb")
            f.readline()
            f.write(b"AUTH LOGIN\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"+ "))
            f.write(base64.b64encode(USER.encode()) + b"\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"+ "))
            f.write(base64.b64encode(PASSWORD.encode()) + b"\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"+OK"))
            f.write(b"QUIT\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"+OK"))

    def test_implicit_tls(self):
        pop = poplib.POP3_SSL("127.0.0.1", self.mr.port("pop3s"), context=unverified_context(), timeout=10)
        self.assertNotIn("STLS", pop.capa())
        pop.user(USER)
        pop.pass_(PASSWORD)
        pop.stat()
        pop.quit()

    def test_stls(self):
        pop = poplib.POP3("127.0.0.1", self.mr.port("pop3"), timeout=10)
        pop.stls(context=unverified_context())
        self.assertNotIn("STLS", pop.capa())
        pop.user(USER)
        pop.pass_(PASSWORD)
        pop.stat()
        pop.quit()

    def test_repeated_failures_disconnect(self):
        with socket.create_connection(("127.0.0.1", self.mr.port("pop3")), timeout=60) as s:
            f = s.makefile("rwb")
            f.readline()
            for _ in range(3):
                f.write(b"USER bob@example.test\r\nPASS nope\r\n")
                f.flush()
                f.readline()
                self.assertTrue(f.readline().startswith(b"-ERR [AUTH]"))
            self.assertEqual(f.readline(), b"")  # closed by the server

    def test_http_verb_hangs_up(self):
        with socket.create_connection(("127.0.0.1", self.mr.port("pop3")), timeout=10) as s:
            f = s.makefile("rwb")
            f.readline()
            f.write(b"GET / HTTP/1.1\r\n")
            f.flush()
            self.assertTrue(f.readline().startswith(b"-ERR"))
            self.assertEqual(f.readline(), b"")

    @unittest.skipUnless(shutil.which("curl"), "curl not installed")
    def test_curl(self):
        body = b"From: curl@example.test\r\nSubject: curl\r\n\r\nvia curl\r\n"
        self.deliver([body], "bob@example.test")
        for url in [f"pop3://127.0.0.1:{self.mr.port('pop3')}/1",
                    f"pop3s://127.0.0.1:{self.mr.port('pop3s')}/1"]:
            res = run_client("curl", ["curl", "-sS", "-k", "--max-time", "20",
                                      "--user", "bob@example.test:bob password", url], timeout=30)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertEqual(res.stdout, body)


def two_hundred_messages():
    msgs = []
    for i in range(200):
        body = "".join(f"line {j} of message {i}\r\n" for j in range(i % 17))
        if i % 5 == 0:
            body += ".dot line\r\n..two\r\n"
        msgs.append(f"From: sender{i}@example.test\r\nTo: bob@example.test\r\n"
                     f"Subject: message {i}\r\nMessage-ID: <m{i}@example.test>\r\n\r\n{body}".encode())
    return msgs


def lf(data):
    return data.replace(b"\r\n", b"\n")


def without_leading_trace(data):
    """Drops the trace fields a retriever adds on top (Return-Path:, Received:, folded)."""
    lines = lf(data).split(b"\n")
    while lines and (lines[0].startswith((b"Received:", b"Return-Path:")) or
                     (lines[0][:1] in (b" ", b"\t") and lines[0].strip())):
        lines.pop(0)
    return b"\n".join(lines)


class Pop3ClientsTest(Pop3Base):
    """Real retrievers empty a 200-message mailbox; what they store matches what was delivered."""

    def bob_root(self):
        return self.mr.user_dir("bob@example.test")

    def bob_count(self):
        pop = self.login("bob@example.test", "bob password")
        count = pop.stat()[0]
        pop.quit()
        return count

    def run_getmail(self, work, dest):
        """One getmail run into the Maildir `dest`; returns its CompletedProcess.

        getmail 6.18 forks a child for every Maildir delivery and installs its SIGCHLD
        handler only after the fork, so on a busy machine a child that exits first goes
        unnoticed: getmail then waits out its socket timeout, says "waiting child pid N
        timed out" and drops the connection without QUIT (so pop3d deletes nothing). The
        short timeout bounds that wait, and sessions of at most 50 messages mean a lost
        child costs one session, which the next run repeats."""
        user = {}
        if os.geteuid() == 0:
            # getmail refuses to deliver as root; it runs as the owner of the store instead
            # (not as root with `user =`, which adds a setuid step to every child).
            st = os.stat(self.bob_root())
            user = {"user": st.st_uid, "group": st.st_gid, "extra_groups": []}
            for path in (work, dest, *(os.path.join(dest, s) for s in ("cur", "new", "tmp"))):
                os.chown(path, st.st_uid, st.st_gid)
        rc = os.path.join(work, "getmailrc")
        with open(rc, "w") as f:
            f.write(f"""[retriever]
type = SimplePOP3Retriever
server = 127.0.0.1
port = {self.mr.port('pop3')}
username = bob@example.test
password = bob password
timeout = 15

[destination]
type = Maildir
path = {dest}/

[options]
delete = true
read_all = true
max_messages_per_session = 50
received = false
delivered_to = false
verbose = 0
""")
        os.chmod(rc, 0o644)
        return run_client("getmail", ["getmail", "--rcfile", rc, "--getmaildir", work], timeout=120,
                          env=dict(os.environ, HOME=work), **user)

    @unittest.skipUnless(shutil.which("getmail"), "getmail6 not installed")
    def test_getmail_retrieves_and_deletes_200_messages(self):
        msgs = two_hundred_messages()
        self.deliver(msgs, "bob@example.test")
        dest = os.path.join(self.mr.tmp, "getmail", "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(dest, sub))
        left, lost_children = 200, 0
        for _ in range(12):
            work = tempfile.mkdtemp(dir=os.path.dirname(dest))
            res = self.run_getmail(work, dest)
            before, left = left, self.bob_count()
            if res.returncode == 0:
                self.assertEqual(left, max(0, before - 50), "a session left messages behind")
            else:
                # Only getmail's own lost-child failure is tolerated, and it must cost nothing.
                self.assertIn(b"timed out", res.stderr, res.stderr)
                self.assertEqual(left, before, "a session that ended without QUIT removed messages")
                lost_children += 1
            if left == 0:
                break
        self.assertEqual(left, 0, f"getmail runs did not empty the mailbox ({lost_children} lost children)")
        got = []
        for name in os.listdir(os.path.join(dest, "new")):
            with open(os.path.join(dest, "new", name), "rb") as f:
                got.append(without_leading_trace(f.read()))
        # A failed session delivered some messages that the next session fetches again.
        self.assertEqual(sorted(set(got)), sorted(set(lf(m) for m in msgs)))
        self.assertLessEqual(len(got) - 200, 50 * lost_children)

    @unittest.skipUnless(shutil.which("fetchmail"), "fetchmail not installed")
    def test_fetchmail_retrieves_and_deletes_200_messages(self):
        msgs = two_hundred_messages()
        self.deliver(msgs, "bob@example.test")
        work = os.path.join(self.mr.tmp, "fetchmail")
        out = os.path.join(work, "out")
        os.makedirs(out)
        rc = os.path.join(work, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"""set no syslog
poll 127.0.0.1 port {self.mr.port('pop3s')} protocol pop3 auth password
  user "bob@example.test" password "bob password" is root here
  ssl no sslcertck nokeep fetchall
  mda "/bin/sh -c 'cat > {out}/msg.$$'"
""")
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=work, FETCHMAILHOME=work)
        res = run_client("fetchmail", ["fetchmail", "-f", rc, "--nodetach", "--silent", "--timeout", "30"],
                         timeout=120, env=env)
        self.assertEqual(res.returncode, 0, res.stderr)
        got = []
        for name in os.listdir(out):
            with open(os.path.join(out, name), "rb") as f:
                got.append(without_leading_trace(f.read()))
        self.assertEqual(len(got), 200)
        self.assertEqual(sorted(got), sorted(lf(m) for m in msgs))
        self.assertEqual(self.bob_count(), 0)


class Pop3PlaintextPolicyTest(unittest.TestCase):
    """Without [auth] allow_plaintext_on_loopback, passwords need TLS even from 127.0.0.1."""

    def test_plaintext_login_needs_tls_by_default(self):
        mr = Mailroom()
        try:
            mr.add_user(USER, PASSWORD)
            mr.up()
            self.assertTrue(wait_for_port(mr.port("pop3")))
            pop = poplib.POP3("127.0.0.1", mr.port("pop3"), timeout=10)
            capa = pop.capa()
            self.assertIn("STLS", capa)
            self.assertNotIn("USER", capa)
            with self.assertRaises(poplib.error_proto) as err:
                pop.user(USER)
            self.assertIn(b"[AUTH]", err.exception.args[0])
            pop.stls(context=unverified_context())
            self.assertIn("USER", pop.capa())
            pop.user(USER)
            pop.pass_(PASSWORD)
            self.assertEqual(pop.stat(), (0, 0))
            pop.quit()
        finally:
            mr.close()


class Pop3StopTest(unittest.TestCase):
    def test_sigterm_stops_cleanly_and_removes_nothing(self):
        mr = Mailroom()
        try:
            mr.add_user(USER, PASSWORD)
            mr.allow_plaintext_on_loopback()
            mr.up()
            self.assertTrue(wait_for_port(mr.port("pop3")))
            pop = poplib.POP3("127.0.0.1", mr.port("pop3"), timeout=10)
            pop.user(USER)
            pop.pass_(PASSWORD)
            mr.stop()
            self.assertIn('event=stopped child=pop3d status="exit 0"', mr.log_text())
        finally:
            mr.close()


if __name__ == "__main__":
    unittest.main()
