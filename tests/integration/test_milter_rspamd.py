"""smtpd asks milters about port-25 mail ([milter] servers): tested against the real rspamd
(Debian package rspamd, its proxy worker in milter mode, scanning itself), started by the
test in a temporary directory and stopped by PID. A GTUBE message is refused with rspamd's
5xx; a clean one is delivered with the headers rspamd adds; with quarantine_on_reject a
GTUBE message goes to Junk; a large (spooled) message gets its headers too. Without a
milter listening, default_action decides: "tempfail" answers 451, "accept" delivers.
Mail from 127.0.0.1 skips the SPF/DMARC checks but not the milters.
"""
import email.utils
import glob
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest

from lib import Mailroom, port_is_free, wait_for_port

ALICE = "alice@example.test"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
RSPAMD = shutil.which("rspamd") or ("/usr/bin/rspamd" if os.path.exists("/usr/bin/rspamd") else None)
# Hyperscan compiles rspamd's regexps at first start: allow for a slow machine.
RSPAMD_START_S = 120


def free_ports(n):
    """n consecutive free loopback ports outside the mailroom port grid and the ephemeral range."""
    import random
    for _ in range(200):
        base = random.randrange(12000, 19000)
        if all(port_is_free(base + i) for i in range(n)):
            return [base + i for i in range(n)]
    raise RuntimeError("no free ports")


def set_milter(mr, servers, default_action="tempfail", timeout_ms=10000):
    """Rewrites the [milter] section of the instance's config."""
    with open(mr.config) as f:
        text = f.read()
    quoted = ", ".join(f'"{s}"' for s in servers)
    section = (f"[milter]\nservers = [{quoted}]\ntimeout_ms = {timeout_ms}\n"
               f'default_action = "{default_action}"\n')
    new = re.sub(r"\[milter\]\n(?:(?:#.*|[a-z_]+ = .*)\n)*", lambda _: section, text, count=1)
    assert new != text, "no [milter] section in " + mr.config
    with open(mr.config, "w") as f:
        f.write(new)


def message(tag, body, extra=""):
    return (f"From: <sender@remote.example>\r\nTo: <{ALICE}>\r\nSubject: {tag}\r\n"
            f"Date: {email.utils.formatdate()}\r\nMessage-ID: <{tag}@remote.example>\r\n{extra}"
            f"\r\n{body}\r\n").encode()


class MailroomWithMilter:
    def __init__(self, servers, default_action="tempfail", timeout_ms=10000, spool_threshold=None, checked=False):
        """checked: the port-25 checks run too (on loopback clients; DNS to a closed port,
        so every answer is a fast temperror), and the milters after them on their worker."""
        self.mr = Mailroom()
        self.mr.add_user(ALICE, "correct horse")
        set_milter(self.mr, servers, default_action, timeout_ms)
        if spool_threshold:
            self.mr.set_option("spool_threshold_bytes", "262144", str(spool_threshold))
        if checked:
            self.mr.set_option("check_local_clients", "false", "true")
            self.mr.set_in_table("dns", "servers", "[]", '["127.0.0.1:1"]')
        self.mr.up()
        if not wait_for_port(self.mr.port("smtp")):
            self.mr.close()
            raise RuntimeError("smtpd did not start")

    def send(self, data):
        """Sends from 127.0.0.1 on the port-25 listener: (code, text) of the reply to the data."""
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), local_hostname="client.remote.example",
                          timeout=60) as s:
            s.ehlo()
            s.mail("sender@remote.example")
            s.rcpt(ALICE)
            code, text = s.data(data)
            return code, text.decode(errors="replace")

    def delivered(self, tag, timeout=30, folder=""):
        root = self.mr.user_dir(ALICE)
        base = os.path.join(root, folder) if folder else root
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in glob.glob(os.path.join(base, "new", "*")) + glob.glob(os.path.join(base, "cur", "*")):
                with open(path, "rb") as f:
                    data = f.read()
                if tag.encode() in data:
                    return data
            time.sleep(0.2)
        return None

    def close(self):
        self.mr.stop()
        log = self.mr.log_text()
        self.mr.close()
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]
        return log


class Rspamd:
    """rspamd with three milter proxies (self-scanning): `plain` rejects spam, `quarantine`
    asks for quarantine instead, `discard` for a discard. No Redis, and DNS goes to a closed port so nothing waits
    on the Internet."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-rspamd-")
        self.plain, self.quarantine, self.discard = free_ports(3)
        for d in ("db", "run", "local/local.d"):
            os.makedirs(os.path.join(self.tmp, d))
        with open(os.path.join(self.tmp, "local/local.d/milter_headers.conf"), "w") as f:
            # Loopback and unauthenticated mail too: the test sends from 127.0.0.1.
            f.write('use = ["x-spamd-result", "x-rspamd-queue-id", "x-rspamd-action"];\n'
                    "skip_local = false;\nskip_authenticated = false;\n")
        self.log_path = os.path.join(self.tmp, "rspamd.log")
        proxy = ('worker "rspamd_proxy" {{\n  bind_socket = "127.0.0.1:{port}";\n  milter = yes;\n'
                 '  timeout = 120s;\n  upstream "local" {{ default = yes; self_scan = yes; }}\n  count = 1;\n'
                 '  reject_message = "Spam message rejected";\n{extra}}}\n')
        config = (
            '.include "$CONFDIR/common.conf"\n'
            "options {\n"
            f'  pidfile = "{self.tmp}/run/rspamd.pid";\n'
            '  .include "$CONFDIR/options.inc"\n'
            '  dns { nameserver = ["127.0.0.1:1"]; timeout = 0.5s; retransmits = 1; }\n'
            "  enable_test_patterns = true;\n"
            "}\n"
            f'logging {{\n  type = "file";\n  filename = "{self.log_path}";\n  level = "info";\n}}\n'
            + proxy.format(port=self.plain, extra="")
            + proxy.format(port=self.quarantine, extra="  quarantine_on_reject = true;\n")
            + proxy.format(port=self.discard, extra="  discard_on_reject = true;\n"))
        self.config = os.path.join(self.tmp, "rspamd.conf")
        with open(self.config, "w") as f:
            f.write(config)
        self.out = open(os.path.join(self.tmp, "stdout.log"), "w")
        self.proc = subprocess.Popen(
            [RSPAMD, "-f", "-c", self.config, "-u", "root", "-g", "root", "--insecure",
             "--var", f"DBDIR={self.tmp}/db", "--var", f"RUNDIR={self.tmp}/run",
             "--var", f"LOGDIR={self.tmp}", "--var", f"LOCAL_CONFDIR={self.tmp}/local"],
            stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        if not (wait_for_port(self.plain, RSPAMD_START_S) and wait_for_port(self.quarantine, 30)
                and wait_for_port(self.discard, 30)):
            log = self.log_tail()
            self.stop()
            raise RuntimeError("rspamd did not start:\n" + log)

    def version(self):
        return subprocess.run([RSPAMD, "--version"], capture_output=True, text=True).stdout.strip()

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def stop(self):
        """The whole process group: the main process and its workers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers that outlived the main process
        except ProcessLookupError:
            pass
        self.out.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@unittest.skipIf(RSPAMD is None, "rspamd is not installed (apt-get install rspamd; scripts/install-deps.sh --test)")
class RspamdMilterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rspamd = Rspamd()
        print(f"\n{cls.rspamd.version()}", flush=True)
        try:
            cls.m = MailroomWithMilter([f"inet:127.0.0.1:{cls.rspamd.plain}"], spool_threshold=4096)
            cls.q = MailroomWithMilter([f"inet:127.0.0.1:{cls.rspamd.quarantine}"])
            cls.d = MailroomWithMilter([f"inet:127.0.0.1:{cls.rspamd.discard}"])
            cls.c = MailroomWithMilter([f"inet:127.0.0.1:{cls.rspamd.plain}"], spool_threshold=4096, checked=True)
        except Exception:
            cls.rspamd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d_log = cls.d.close()
        log = cls.m.close() + cls.q.close() + cls.d_log + cls.c.close()
        cls.rspamd.stop()
        assert 'event=stopped child=smtpd status="exit 0"' in log, log[-3000:]

    def test_gtube_is_refused_with_rspamds_reply(self):
        code, text = self.m.send(message("gtube-1", GTUBE))
        # rspamd's reply code, passed on as it gave it (its reason for GTUBE).
        self.assertEqual(code, 554, (text, self.rspamd.log_tail()))
        self.assertEqual(text, "5.7.1 Gtube pattern")
        self.assertIsNone(self.m.delivered("gtube-1", timeout=2))

    def test_clean_message_is_delivered_with_rspamds_headers(self):
        code, text = self.m.send(message("clean-1", "Hello Alice, lunch on Friday?"))
        self.assertEqual(code, 250, text)
        data = self.m.delivered("clean-1")
        self.assertIsNotNone(data, "not delivered")
        head = data.split(b"\r\n\r\n", 1)[0]
        self.assertRegex(head, rb"\r\nX-Rspamd-Queue-Id: \S+", head.decode(errors="replace"))
        self.assertIn(b"\r\nX-Spamd-Result: default: False", head)
        self.assertIn(b"\r\nX-Rspamd-Action: no action", head, head.decode(errors="replace"))
        self.assertIn(b"Hello Alice, lunch on Friday?", data.split(b"\r\n\r\n", 1)[1])

    def test_spooled_message_is_streamed_and_gets_the_headers(self):
        body = "\r\n".join(f"line {i:06d} of a long and harmless message" for i in range(20000))
        code, text = self.m.send(message("big-1", body))
        self.assertEqual(code, 250, text)
        data = self.m.delivered("big-1")
        self.assertIsNotNone(data, "not delivered")
        head, rest = data.split(b"\r\n\r\n", 1)
        self.assertIn(b"\r\nX-Rspamd-Queue-Id: ", head)
        self.assertTrue(rest.startswith(b"line 000000 of"), rest[:80])
        self.assertIn(b"line 019999 of a long", rest)

    def test_checked_messages_get_both_our_results_and_rspamds_headers(self):
        # After the checks, on their worker: a spooled message (its file read once, for
        # both) and one in memory; a GTUBE one is still refused by rspamd.
        body = "\r\n".join(f"line {i:06d} of a long and checked message" for i in range(20000))
        for tag, text in (("checked-big", body), ("checked-small", "Hello Alice, checked.")):
            code, reply = self.c.send(message(tag, text))
            self.assertEqual(code, 250, reply)
            data = self.c.delivered(tag)
            self.assertIsNotNone(data, tag + " not delivered")
            head, rest = data.split(b"\r\n\r\n", 1)
            self.assertIn(b"Authentication-Results: ", head, head.decode(errors="replace"))
            self.assertIn(b"spf=temperror", head)
            self.assertIn(b"\r\nX-Rspamd-Queue-Id: ", head)
            self.assertTrue(rest.startswith(text[:20].encode()), rest[:80])
            self.assertTrue(rest.rstrip(b"\r\n").endswith(text[-20:].encode()), rest[-80:])
        code, reply = self.c.send(message("checked-gtube", GTUBE))
        self.assertEqual(code, 554, reply)

    def test_quarantine_sends_spam_to_junk(self):
        code, text = self.q.send(message("gtube-2", GTUBE))
        self.assertEqual(code, 250, text)
        data = self.q.delivered("gtube-2", folder=".Junk")
        self.assertIsNotNone(data, "not in Junk")
        self.assertIsNone(self.q.delivered("gtube-2", timeout=1))

    def test_discard_answers_250_and_delivers_nothing(self):
        code, text = self.d.send(message("gtube-3", GTUBE))
        self.assertEqual(code, 250, text)
        code, text = self.d.send(message("clean-3", "a harmless note"))
        self.assertEqual(code, 250, text)
        self.assertIsNotNone(self.d.delivered("clean-3"), "clean message not delivered")
        self.assertIsNone(self.d.delivered("gtube-3", timeout=1))
        self.assertIsNone(self.d.delivered("gtube-3", timeout=1, folder=".Junk"))
        self.assertIn("event=milter", self.d.mr.log_text())
        self.assertIn("action=discard", self.d.mr.log_text())


class MilterDownTest(unittest.TestCase):
    """Nothing listens on the milter's port: default_action decides."""

    def test_tempfail_when_down(self):
        port = free_ports(1)[0]
        m = MailroomWithMilter([f"inet:127.0.0.1:{port}"], "tempfail", timeout_ms=1000)
        try:
            code, text = m.send(message("down-1", "hello"))
            self.assertEqual(code, 451, text)
            self.assertTrue(text.startswith("4.7.1"), text)
            self.assertIsNone(m.delivered("down-1", timeout=2))
        finally:
            log = m.close()
        self.assertIn("event=milter_failed", log)

    def test_accept_when_down(self):
        port = free_ports(1)[0]
        m = MailroomWithMilter([f"inet:127.0.0.1:{port}"], "accept", timeout_ms=1000)
        try:
            code, text = m.send(message("down-2", "hello"))
            self.assertEqual(code, 250, text)
            self.assertIsNotNone(m.delivered("down-2"), "not delivered")
        finally:
            m.close()

    def test_silent_milter_times_out(self):
        """A milter that accepts the connection but never answers: the timeout, then 451."""
        with socket.socket() as srv:
            srv.bind(("127.0.0.1", 0))
            srv.listen(4)
            port = srv.getsockname()[1]
            m = MailroomWithMilter([f"inet:127.0.0.1:{port}"], "tempfail", timeout_ms=500)
            try:
                start = time.monotonic()
                code, text = m.send(message("silent-1", "hello"))
                self.assertEqual(code, 451, text)
                self.assertLess(time.monotonic() - start, 10)
            finally:
                m.close()


if __name__ == "__main__":
    unittest.main()
