"""ManageSieve (RFC 5804, issue 19): sieved under `mailroom up` on [listen] managesieve.
The real client sieve-connect uploads a script over STARTTLS and activates it; a message sent
by SMTP is then filed by that script (imaplib). Python speaks the protocol for the details:
capabilities, literals, response codes, compile errors, clear-text refusal."""
import base64
import imaplib
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import unittest

from lib import Mailroom, run_client, wait_for_port
from deliver_util import configure_fast_queue, wait_for_children, wait_until

USER = "carol@example.test"
PASSWORD = "carol password"
SCRIPT = ('require ["fileinto", "mailbox"];\n'
          'if header :contains "subject" "[lists]" { fileinto :create "Lists"; stop; }\n')


class Client:
    """A minimal ManageSieve client: lines, literals, replies up to OK/NO/BYE."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        self.f = self.sock.makefile("rb")

    def starttls(self):
        self.send("STARTTLS\r\n")
        self.assertok(self.reply())
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)
        self.f = self.sock.makefile("rb")
        return self.reply()

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def reply(self):
        """(lines before the status, status line); literals are read whole into a line."""
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise AssertionError(f"connection closed after {lines}")
            line = line.decode().rstrip("\r\n")
            if line.startswith("{") and line.endswith("}"):
                n = int(line[1:-1])
                lines.append(self.f.read(n).decode())
                continue
            if line.startswith(("OK", "NO", "BYE")):
                if line.endswith("}"):  # NO {n}: the text as a literal
                    n = int(line[line.rindex("{") + 1:-1])
                    line = line[:line.rindex("{")] + self.f.read(n).decode()
                    self.f.readline()
                return lines, line
            lines.append(line)

    def assertok(self, r):
        if not r[1].startswith("OK"):
            raise AssertionError(r)

    def login(self, user, password):
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        self.send(f'AUTHENTICATE "PLAIN" "{token}"\r\n')
        return self.reply()

    def close(self):
        self.sock.close()


class ManageSieve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mr = Mailroom()
        configure_fast_queue(cls.mr)
        cls.mr.add_user(USER, PASSWORD)
        cls.mr.up()
        wait_for_children(cls.mr, names=("smtpd", "deliverd", "imapd", "sieved"))
        if not wait_for_port(cls.mr.port("managesieve")):
            raise AssertionError(cls.mr.log_text()[-3000:])

    @classmethod
    def tearDownClass(cls):
        cls.mr.stop()
        log = cls.mr.log_text()
        cls.mr.close()
        assert 'event=stopped child=sieved status="exit 0"' in log, log[-3000:]
        assert "AddressSanitizer" not in log and "runtime error" not in log, log[-3000:]
        # The wrong password is in the shared failed-login table, in fail2ban's format.
        assert re.search(r"daemon=sieved event=auth_failed conn=\d+ service=managesieve ip=127\.0\.0\.1 user=", log), \
            log[-3000:]

    def client(self):
        c = Client(self.mr.port("managesieve"))
        self.addCleanup(c.close)
        return c

    def test_greeting_and_clear_text_refusal(self):
        c = self.client()
        caps, status = c.reply()
        self.assertTrue(status.startswith("OK"), status)
        self.assertIn('"IMPLEMENTATION" "mailroom"', caps)
        self.assertIn('"VERSION" "1.0"', caps)
        self.assertIn('"STARTTLS"', caps)
        self.assertIn('"SASL" ""', caps)  # no clear-text password offered without TLS
        sieve = next(l for l in caps if l.startswith('"SIEVE"'))
        self.assertIn("fileinto", sieve)
        self.assertIn("vacation", sieve)
        for ext in ("reject", "ereject", "date", "index", "editheader", "include"):  # issue 19
            self.assertIn(ext, sieve.split('"')[3].split())
        self.assertTrue(c.login(USER, PASSWORD)[1].startswith("NO (ENCRYPT-NEEDED)"))

    def test_script_commands_over_starttls(self):
        c = self.client()
        c.reply()
        caps, status = c.starttls()
        self.assertIn('"SASL" "PLAIN"', caps)
        self.assertNotIn('"STARTTLS"', caps)
        self.assertTrue(c.login(USER, "wrong")[1].startswith("NO"))
        c.assertok(c.login(USER, PASSWORD))
        c.send('HAVESPACE "t" 100\r\n')
        c.assertok(c.reply())
        c.send('HAVESPACE "t" 99999999\r\n')
        self.assertTrue(c.reply()[1].startswith("NO (QUOTA/MAXSIZE)"))
        bad = 'require "fileinto";\r\nfileinto 3;\r\n'
        c.send(f"CHECKSCRIPT {{{len(bad)}+}}\r\n{bad}\r\n")
        lines, status = c.reply()
        self.assertTrue(status.startswith('NO "line 2, column'), status)
        c.send(f'PUTSCRIPT "t" {{{len(bad)}}}\r\n{bad}\r\n')  # synchronizing form
        self.assertTrue(c.reply()[1].startswith('NO "line 2'))
        c.send('PUTSCRIPT "t" {5+}\r\nkeep;\r\nGETSCRIPT "t"\r\n')  # pipelined
        c.assertok(c.reply())
        lines, status = c.reply()
        self.assertEqual(lines, ["keep;", ""])
        c.send('RENAMESCRIPT "t" "u"\r\n')
        c.assertok(c.reply())
        c.send('GETSCRIPT "t"\r\n')
        self.assertTrue(c.reply()[1].startswith("NO (NONEXISTENT)"))
        c.send('SETACTIVE "u"\r\n')
        c.assertok(c.reply())
        c.send('DELETESCRIPT "u"\r\n')
        self.assertTrue(c.reply()[1].startswith("NO (ACTIVE)"))
        c.send('SETACTIVE ""\r\nDELETESCRIPT "u"\r\nLISTSCRIPTS\r\n')
        c.assertok(c.reply())
        c.assertok(c.reply())
        lines, status = c.reply()
        self.assertNotIn('"u"', lines)
        # RFC 6609: an upload that closes an include loop is refused, saying which.
        a = 'require "include";\r\ninclude "b";\r\n'
        b = 'require "include";\r\ninclude "a";\r\n'
        c.send(f'PUTSCRIPT "a" {{{len(a)}+}}\r\n{a}\r\nPUTSCRIPT "b" {{{len(b)}+}}\r\n{b}\r\n')
        c.assertok(c.reply())
        status = c.reply()[1]
        self.assertTrue(status.startswith('NO "include loop: b -> a -> b"'), status)
        c.send('DELETESCRIPT "a"\r\n')
        c.assertok(c.reply())
        # Bad input: 10,000 nested tests and a 1 MiB string are refused, the session goes on.
        nested = "if " + "anyof(" * 10000 + "true" + ")" * 10000 + " { keep; }\r\n"
        c.send(f"CHECKSCRIPT {{{len(nested)}+}}\r\n{nested}\r\n")
        status = c.reply()[1]
        self.assertTrue(status.startswith("NO") and "nesting deeper than 32" in status, status)
        long = 'reject "' + "a" * (200 << 10) + '";\r\n'
        c.send(f'CHECKSCRIPT {{{len(long)}+}}\r\n{long}\r\n')
        status = c.reply()[1]
        self.assertTrue(status.startswith("NO") and "string longer than 65536" in status, status)
        c.send('NOOP "x"\r\nFOO\r\nLOGOUT\r\n')
        self.assertEqual(c.reply()[1], 'OK (TAG "x") "Done"')
        self.assertTrue(c.reply()[1].startswith("NO"))
        c.assertok(c.reply())

    def test_a_one_mebibyte_script_is_refused(self):
        c = self.client()
        c.reply()
        c.starttls()
        c.assertok(c.login(USER, PASSWORD))
        # The literal's size alone is enough: the server says so before reading any of it.
        c.send(f'PUTSCRIPT "big" {{{(1 << 20) + 12}+}}\r\n')
        self.assertEqual(c.reply()[1], 'BYE "literal too large"')

    def test_sieve_connect_uploads_and_activates_then_delivery_files(self):
        if shutil.which("sieve-connect") is None:
            self.skipTest("sieve-connect is not installed (scripts/install-deps.sh --test)")
        path = os.path.join(self.mr.tmp, "lists.sieve")
        with open(path, "w") as f:
            f.write(SCRIPT)
        base = ["sieve-connect", "-s", "127.0.0.1", "-p", str(self.mr.port("managesieve")), "-u", USER,
                "--passwordfd", "0", "--notlsverify", "--authmech", "PLAIN"]

        def connect(*args):
            res = run_client("sieve-connect", base + list(args), timeout=60, input=PASSWORD + "\n",
                             text=True)
            self.assertEqual(res.returncode, 0, f"{args}: {res.stdout}\n{res.stderr}")
            return res.stdout + res.stderr
        connect("--localsieve", path, "--remotesieve", "lists", "--upload")
        connect("--remotesieve", "lists", "--activate")
        listing = connect("--list")
        self.assertIn("lists", listing)
        self.assertIn("ACTIVE", listing.upper())
        self.assertEqual(os.readlink(os.path.join(self.mr.user_dir(USER), "sieve", "active")), "lists.sieve")

        msg = ("From: alice@example.test\r\nTo: carol@example.test\r\nSubject: [lists] hello\r\n"
               "Message-ID: <ms-1@example.test>\r\n\r\nhi\r\n")
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=15) as s:
            s.sendmail("alice@example.test", [USER], msg)

        def count(mailbox):
            c = imaplib.IMAP4("127.0.0.1", self.mr.port("imap"), timeout=15)
            try:
                c.starttls(ssl_context=ssl._create_unverified_context())
                c.login(USER, PASSWORD)
                typ, data = c.select(mailbox, readonly=True)
                return int(data[0]) if typ == "OK" else 0
            finally:
                c.logout()
        wait_until(lambda: count("Lists") == 1, 20, what="the message filed into Lists")
        self.assertEqual(count("INBOX"), 0)
        connect("--deactivate")


class WithoutListener(unittest.TestCase):
    def test_a_config_without_managesieve_leaves_sieved_idle(self):
        """A config from before sieved: it idles instead of failing and being restarted."""
        mr = Mailroom()
        self.addCleanup(mr.close)
        with open(mr.config) as f:
            text = f.read()
        with open(mr.config, "w") as f:
            f.write("\n".join(l for l in text.split("\n") if not l.startswith("managesieve =")))
        mr.up()
        wait_for_children(mr, names=("sieved", "imapd"))
        wait_until(lambda: "event=disabled" in mr.log_text(), 20, what="sieved's disabled line")
        mr.stop()
        log = mr.log_text()
        self.assertIn('event=stopped child=sieved status="exit 0"', log)
        self.assertNotIn("event=listen_error", log)


if __name__ == "__main__":
    unittest.main()
