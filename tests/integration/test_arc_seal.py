"""ARC sealing of forwarded mail (issue 15, RFC 8617), end to end through two instances:

    client --port 25--> A (a.test): alias list@a.test -> user@b.test
           --port 25--> B (b.test): alias user@b.test -> final@sink.test, keep@b.test
           --> Postfix's smtp-sink

Both instances check mail from loopback ([mailauth] check_local_clients), find keys and SPF
records in one dnsmasq, and deliver off-site to the next hop's port.

- A checked the message on arrival and seals the copy it forwards: i=1 cv=none, d=a.test.
- B's own validator accepts A's seal: arc=pass (i=1) in B's Authentication-Results, on
  the copy B keeps for keep@b.test; dkimpy (the reference) passes that chain too.
- B forwards with a second set, i=2 cv=pass, d=b.test; dkimpy passes the sink's copy.
- A user's Sieve redirect off-site is sealed like an alias's forward: i=1 cv=none, d=b.test.
- Mail A did not check (a submitted message) is forwarded unsealed.
"""
import glob
import json
import os
import shutil
import smtplib
import tempfile
import unittest
import uuid

from deliver_util import wait_for_children, wait_until
from deliver_remote_util import point_at_remote, submit
from lib import Mailroom, run_client, stop_and_check, wait_for_port
from remote_util import Dnsmasq, SmtpSink, missing_tools

from test_arc_interop import DKIMPY_VERIFY, SYSTEM_PYTHON, have_dkimpy

PASSWORD = "correct horse"


def header_of(message):
    return message.split(b"\r\n\r\n", 1)[0].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ").decode()


def fields(message, name):
    return [line for line in header_of(message).split("\r\n") if line.lower().startswith(name.lower() + ":")]


@unittest.skipUnless(have_dkimpy(), "needs /usr/bin/python3 with python3-dkim and python3-authres")
@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class ArcSealTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="arc-seal-it-")
        os.chmod(cls.tmp, 0o755)
        cls.a = cls.b = cls.dns = cls.sink = None
        try:
            cls.a = Mailroom(domain="a.test", hostname="mx.a.test")
            cls.b = Mailroom(domain="b.test", hostname="mx.b.test")
            cls.sink = SmtpSink(cls.tmp)
            # The DKIM records `mailroom dns` prints, as dnsmasq and dkimpy's zone serve them.
            keys = []
            for mr, domain in ((cls.a, "a.test"), (cls.b, "b.test")):
                records = json.loads(mr.run("dns", domain, "--json").stdout)
                keys += [(r["name"].rstrip("."), r["value"]) for r in records if "._domainkey." in r["name"]]
            cls.zone = os.path.join(cls.tmp, "zone.txt")
            with open(cls.zone, "w") as f:
                f.writelines(f"{name}\t{value}\n" for name, value in keys)
            txt = keys + [("origin.test", "v=spf1 ip4:127.0.0.1 -all"), ("a.test", "v=spf1 ip4:127.0.0.1 -all"),
                          ("b.test", "v=spf1 ip4:127.0.0.1 -all")]
            cls.dns = Dnsmasq(cls.tmp, mx=[("b.test", "mx.b.test", 10), ("sink.test", "mx.sink.test", 10)],
                              hosts=[("mx.b.test", "127.0.0.1"), ("mx.sink.test", "127.0.0.1")], txt=txt)
            for mr, next_port in ((cls.a, cls.b.port("smtp")), (cls.b, cls.sink.port)):
                point_at_remote(mr, cls.dns, next_port, dns_key="dns.servers")
                mr.set_option("check_local_clients", "false", "true")
            cls.a.add_user("alice@a.test", PASSWORD)
            cls.a.run("alias", "add", "list@a.test", "user@b.test")
            cls.b.add_user("keep@b.test", PASSWORD)
            cls.b.run("alias", "add", "user@b.test", "final@sink.test")
            cls.b.run("alias", "add", "user@b.test", "keep@b.test")
            cls.b.add_user("filter@b.test", PASSWORD)
            script = os.path.join(cls.tmp, "away.sieve")
            with open(script, "w") as f:
                f.write('redirect "moved@sink.test";\n')
            cls.b.run("sieve", "put", "filter@b.test", script)
            cls.b.run("sieve", "activate", "filter@b.test", "away")
            for mr in (cls.a, cls.b):
                mr.up()
                wait_for_children(mr, ("deliverd", "smtpd"))
                if not wait_for_port(mr.port("smtp")) or not wait_for_port(mr.port("submission")):
                    raise AssertionError("listeners did not open: " + mr.log_text()[-3000:])
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for mr in (cls.a, cls.b):
                if mr is not None and mr.proc is not None:
                    stop_and_check(mr, "deliverd")
        finally:
            for mr in (cls.a, cls.b):
                if mr is not None:
                    mr.close()
            if cls.sink:
                cls.sink.stop()
            if cls.dns:
                cls.dns.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def at_sink(self, tag):
        """The sink's copies of the message tagged `tag`, as bytes without the sink's X- lines."""
        out = []
        for name in sorted(os.listdir(self.sink.dump_dir)):
            with open(os.path.join(self.sink.dump_dir, name), "rb") as f:
                data = f.read()
            if tag.encode() not in data:
                continue
            lines = data.split(b"\n")
            while lines and lines[0].startswith(b"X-"):
                lines.pop(0)
            out.append(b"\r\n".join(line.rstrip(b"\r") for line in lines))
        return out

    def kept(self, tag):
        for path in glob.glob(os.path.join(self.b.user_dir("keep@b.test"), "new", "*")):
            with open(path, "rb") as f:
                data = f.read()
            if tag.encode() in data:
                return data
        return None

    def dkimpy(self, message):
        path = os.path.join(self.tmp, uuid.uuid4().hex + ".eml")
        with open(path, "wb") as f:
            f.write(message)
        res = run_client("dkimpy", [SYSTEM_PYTHON, DKIMPY_VERIFY, self.zone, path], timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        return json.loads(res.stdout)

    def message(self, tag, sender="alice@origin.test"):
        return (f"From: Alice <{sender}>\r\nTo: <list@a.test>\r\nSubject: {tag}\r\n"
                f"Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{tag}@origin.test>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello via {tag}.\r\n").encode()

    def test_two_forwards_make_a_chain_dkimpy_passes(self):
        tag = "arc-" + uuid.uuid4().hex[:8]
        with smtplib.SMTP("127.0.0.1", self.a.port("smtp"), local_hostname="client.test", timeout=15) as s:
            self.assertEqual(s.sendmail("alice@origin.test", ["list@a.test"], self.message(tag)), {})

        # B's copy: A's set, which B's validator accepted.
        kept = wait_until(lambda: self.kept(tag), 30, what="B's local copy")
        seal = fields(kept, "ARC-Seal")
        self.assertEqual(len(seal), 1, header_of(kept))
        for tag_value in ("i=1;", "cv=none;", "a=rsa-sha256;", "d=a.test;"):
            self.assertIn(tag_value, seal[0])
        results = [f for f in fields(kept, "Authentication-Results") if "mx.b.test;" in f]
        self.assertEqual(len(results), 1, header_of(kept))
        self.assertIn("arc=pass (i=1)", results[0])
        self.assertIn("spf=pass", results[0])
        self.assertEqual(self.dkimpy(kept)["result"], "pass")
        aar = fields(kept, "ARC-Authentication-Results")
        self.assertEqual(len(aar), 1)
        self.assertTrue(aar[0].startswith("ARC-Authentication-Results: i=1; mx.a.test;"), aar[0])
        self.assertIn("spf=pass smtp.mailfrom=alice@origin.test", aar[0])

        # The sink's copy: two sets, the second sealed by b.test over a passing chain.
        sunk = wait_until(lambda: self.at_sink(tag), 30, what="the forwarded copy at the sink")
        self.assertEqual(len(sunk), 1)
        seals = fields(sunk[0], "ARC-Seal")
        self.assertEqual(len(seals), 2, header_of(sunk[0]))
        self.assertIn("i=2", seals[0])
        self.assertIn("cv=pass", seals[0])
        self.assertIn("d=b.test", seals[0])
        verdict = self.dkimpy(sunk[0])
        self.assertEqual(verdict["result"], "pass", verdict)
        self.assertRegex(self.a.log_text(), r"event=arc_sealed .*domain=a\.test i=1 cv=none")
        self.assertRegex(self.b.log_text(), r"event=arc_sealed .*domain=b\.test i=2 cv=pass")

    def test_sieve_redirect_is_sealed(self):
        tag = "redir-" + uuid.uuid4().hex[:8]
        with smtplib.SMTP("127.0.0.1", self.b.port("smtp"), local_hostname="client.test", timeout=15) as s:
            self.assertEqual(s.sendmail("alice@origin.test", ["filter@b.test"], self.message(tag)), {})
        sunk = wait_until(lambda: self.at_sink(tag), 30, what="the redirected copy at the sink")
        seals = fields(sunk[0], "ARC-Seal")
        self.assertEqual(len(seals), 1, header_of(sunk[0]))
        for tag_value in ("i=1;", "cv=none;", "d=b.test;"):
            self.assertIn(tag_value, seals[0])
        self.assertEqual(self.dkimpy(sunk[0])["result"], "pass")

    def test_mail_we_did_not_check_is_forwarded_unsealed(self):
        # Submitted by a user of A: signed with DKIM, not checked, so A has no results to seal.
        tag = "sub-" + uuid.uuid4().hex[:8]
        self.assertEqual(submit(self.a, "alice@a.test", PASSWORD, ["list@a.test"],
                                self.message(tag, sender="alice@a.test"), sender="alice@a.test"), {})
        kept = wait_until(lambda: self.kept(tag), 30, what="B's local copy")
        # B checked it (and seals what it forwards), A did not seal it.
        self.assertEqual([f for f in fields(kept, "ARC-Seal") if "d=a.test" in f], [])
        self.assertRegex(self.a.log_text(), r"event=arc_not_sealed .*domain=a\.test reason=\"not checked on arrival")


if __name__ == "__main__":
    unittest.main()
