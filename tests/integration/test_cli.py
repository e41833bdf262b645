"""The operator contract of the `mailroom` command (DESIGN.md), run as a real process."""
import json
import re
import os
import shutil
import subprocess
import unittest

from lib import MAILROOM, Mailroom


class InitTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom(domain="example.test", hostname="mx.example.test")

    def tearDown(self):
        self.mr.close()

    def test_init_writes_config_certificate_and_store(self):
        s = self.mr.settings()
        base = self.mr.port_base
        self.assertEqual(s["server"]["hostname"], "mx.example.test")
        self.assertEqual(s["listen"]["smtp"], [f"127.0.0.1:{base + 25}"])
        self.assertEqual(s["listen"]["submission"], [f"127.0.0.1:{base + 587}"])
        self.assertEqual(s["listen"]["submissions"], [f"127.0.0.1:{base + 465}"])
        self.assertEqual(s["listen"]["imap"], [f"127.0.0.1:{base + 143}"])
        self.assertEqual(s["listen"]["imaps"], [f"127.0.0.1:{base + 993}"])
        self.assertEqual(s["listen"]["pop3"], [f"127.0.0.1:{base + 110}"])
        self.assertEqual(s["listen"]["pop3s"], [f"127.0.0.1:{base + 995}"])
        self.assertEqual(s["http"]["listen"], [f"127.0.0.1:{base + 80}"])
        self.assertEqual(s["http"]["tls_listen"], [f"127.0.0.1:{base + 443}"])
        cert = os.path.join(self.mr.dir, "tls", "cert.pem")
        key = os.path.join(self.mr.dir, "tls", "key.pem")
        text = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("DNS:mx.example.test", text)
        # Readable by the daemons' group (run as root, init gives it root:mailroom 0640), by
        # nobody else, and writable by root alone.
        self.assertEqual(os.stat(key).st_mode & 0o037, 0, "private key readable by others")
        self.assertEqual(self.mr.run("domain", "list").stdout.split(), ["example.test"])

    def test_init_refuses_to_overwrite(self):
        res = self.mr.run("init", "--dir", self.mr.dir, check=False, with_config=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("already exists", res.stderr)


class DirectoryCommandsTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()

    def tearDown(self):
        self.mr.close()

    def test_users(self):
        self.mr.add_user("alice@example.test", "correct horse")
        self.mr.add_user("Bob@Example.TEST", "battery staple")
        users = json.loads(self.mr.run("user", "list", "--json").stdout)
        addresses = sorted(u["address"] for u in users)  # stored lower-cased (storage/directory.hpp)
        self.assertEqual(addresses, ["alice@example.test", "bob@example.test"])
        # A new user has its store with the standard folders.
        inbox = os.path.join(self.mr.dir, "data", "mail", "example.test", "alice")
        self.assertTrue(os.path.isdir(inbox), inbox)

        for args, stdin, why in [
            (["user", "add", "alice@example.test", "--password-stdin"], "x\n", "duplicate"),
            (["user", "add", "carol@unknown.test", "--password-stdin"], "x\n", "unknown domain"),
            (["user", "add", "not-an-address", "--password-stdin"], "x\n", "malformed"),
            (["user", "add", "dave@example.test", "--password-stdin"], "", "no password"),
            (["user", "del", "nobody@example.test"], None, "unknown user"),
        ]:
            with self.subTest(why=why):
                res = self.mr.run(*args, stdin=stdin, check=False)
                self.assertNotEqual(res.returncode, 0)
                self.assertTrue(res.stderr.startswith("mailroom: "), res.stderr)
                self.assertEqual(len(res.stderr.strip().splitlines()), 1, res.stderr)

        self.mr.run("user", "passwd", "alice@example.test", "--password-stdin", stdin="new one\n")
        self.mr.run("user", "del", "alice@example.test")
        users = json.loads(self.mr.run("user", "list", "--json").stdout)
        self.assertEqual([u["address"] for u in users], ["bob@example.test"])
        self.assertTrue(os.path.isdir(inbox), "user del must keep the mail")

    def test_user_set_quota_and_list_usage(self):
        self.mr.add_user("alice@example.test", "pw")
        self.mr.run("user", "add", "bob@example.test", "--password-stdin", "--quota-mb", "1", stdin="pw\n")

        def listed():
            return {u["address"]: u for u in json.loads(self.mr.run("user", "list", "--json").stdout)}

        users = listed()
        self.assertEqual(users["alice@example.test"]["quota_bytes"], 0)
        self.assertEqual(users["bob@example.test"]["quota_bytes"], 1024 * 1024)
        self.assertEqual(users["alice@example.test"]["used_bytes"], 0)

        out = self.mr.run("user", "set", "alice@example.test", "--quota-mb", "5").stdout
        self.assertIn("5 MiB", out)
        self.mr.run("user", "set", "BOB@example.test", "--quota-mb", "0")  # same user, any case
        users = listed()
        self.assertEqual(users["alice@example.test"]["quota_bytes"], 5 * 1024 * 1024)
        self.assertEqual(users["bob@example.test"]["quota_bytes"], 0)

        # A delivery (by any Maildir tool, then indexed) counts as the daemons count it.
        messages = [b"From: a@example.test\r\nSubject: one\r\n\r\n" + b"x" * 1000 + b"\r\n",
                    b"From: a@example.test\r\nSubject: two\r\n\r\nshort\r\n"]
        self.mr.place_in_maildir("alice@example.test", messages)
        self.assertEqual(listed()["alice@example.test"]["used_bytes"], sum(len(m) for m in messages))
        human = self.mr.run("user", "list").stdout.splitlines()
        self.assertIn("alice@example.test  used=0.0MiB  quota=5MiB", human)
        self.assertIn("bob@example.test  used=0.0MiB  quota=unlimited", human)

        # A user whose store does not exist (yet, or any more) has used nothing.
        shutil.rmtree(self.mr.user_dir("bob@example.test"))
        self.assertEqual(listed()["bob@example.test"]["used_bytes"], 0)
        self.assertFalse(os.path.exists(self.mr.user_dir("bob@example.test")), "user list must not create a store")

        for args, why in [
            (["user", "set", "nobody@example.test", "--quota-mb", "1"], "unknown user"),
            (["user", "set", "alice@example.test", "--quota-mb", "-1"], "negative quota"),
            (["user", "set", "alice@example.test", "--quota-mb", "99999999999999999"], "quota overflows"),
            (["user", "set", "alice@example.test"], "nothing to set"),
        ]:
            with self.subTest(why=why):
                res = self.mr.run(*args, check=False)
                self.assertNotEqual(res.returncode, 0)
                self.assertTrue(res.stderr.startswith("mailroom: ") or "--quota-mb" in res.stderr, res.stderr)
        self.assertEqual(listed()["alice@example.test"]["quota_bytes"], 5 * 1024 * 1024)

    def test_password_is_never_an_argument(self):
        res = self.mr.run("user", "add", "eve@example.test", "--password", "x", check=False)
        self.assertNotEqual(res.returncode, 0)

    def test_domains_and_aliases(self):
        self.mr.run("domain", "add", "example.org")
        self.assertEqual(json.loads(self.mr.run("domain", "list", "--json").stdout),
                         [{"domain": "example.org"}, {"domain": "example.test"}])
        self.assertNotEqual(self.mr.run("domain", "add", "example.org", check=False).returncode, 0)
        self.mr.add_user("alice@example.test", "pw")
        self.mr.run("alias", "add", "team@example.test", "alice@example.test")
        self.mr.run("alias", "add", "team@example.test", "someone@elsewhere.test")
        self.mr.run("alias", "add", "@example.org", "alice@example.test")
        aliases = {a["source"]: sorted(a["targets"])
                   for a in json.loads(self.mr.run("alias", "list", "--json").stdout)}
        self.assertEqual(aliases, {"team@example.test": ["alice@example.test", "someone@elsewhere.test"],
                                   "@example.org": ["alice@example.test"]})
        self.mr.run("alias", "del", "team@example.test", "someone@elsewhere.test")
        aliases = {a["source"]: a["targets"]
                   for a in json.loads(self.mr.run("alias", "list", "--json").stdout)}
        self.assertEqual(aliases["team@example.test"], ["alice@example.test"])
        # A domain still in use cannot be removed.
        self.assertNotEqual(self.mr.run("domain", "del", "example.test", check=False).returncode, 0)

    def test_reindex_rebuilds_a_lost_index_from_the_maildir(self):
        self.mr.add_user("alice@example.test", "pw")
        root = os.path.join(self.mr.dir, "data", "mail", "example.test", "alice")
        # Mail placed by any Maildir tool: two in INBOX (one seen), one in Sent.
        msg = b"From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n"
        for sub, name in [("new", "1700000000.M1P1.host,S=43"), ("cur", "1700000001.M2P1.host,S=43:2,S"),
                          (".Sent/cur", "1700000002.M3P1.host,S=43:2,S")]:
            with open(os.path.join(root, sub, name), "wb") as f:
                f.write(msg)
        os.remove(os.path.join(root, "index.sqlite"))
        out = self.mr.run("reindex", "alice@example.test").stdout
        self.assertRegex(out, r"reindexed alice@example.test: 3 messages in 6 mailboxes")
        res = self.mr.run("reindex", "nobody@example.test", check=False)
        self.assertNotEqual(res.returncode, 0)

    def test_check_prints_dns_records(self):
        out = self.mr.run("check").stdout
        self.assertIn("example.test. IN MX 10 mx.example.test.", out)
        self.assertIn("v=spf1 mx -all", out)

    def test_dns_json_lists_every_record_with_the_dkim_keys(self):
        records = json.loads(self.mr.run("dns", "example.test", "--json").stdout)
        by_type = {}
        for r in records:
            self.assertFalse(r["name"].endswith("."), r)
            by_type.setdefault(r["type"], []).append(r)
        self.assertEqual(by_type["MX"], [{"name": "example.test", "type": "MX", "value": "10 mx.example.test."}])
        txt = {r["name"]: r["value"] for r in by_type["TXT"]}
        self.assertEqual(txt["example.test"], "v=spf1 mx -all")
        self.assertTrue(txt["_dmarc.example.test"].startswith("v=DMARC1; p=quarantine; rua=mailto:postmaster@"))
        dkim = {n: v for n, v in txt.items() if n.endswith("._domainkey.example.test")}
        kinds = sorted(re.search(r"k=(\w+)", v).group(1) for v in dkim.values())
        self.assertEqual(kinds, ["ed25519", "rsa"])
        srv = {r["name"]: r["value"] for r in by_type["SRV"]}
        self.assertEqual(srv["_submissions._tcp.example.test"],
                         f"0 1 {self.mr.port('submissions')} mx.example.test.")

    def test_dkim_rotate_keeps_old_keys_published_and_signs_with_new(self):
        before = {r["selector"] for r in json.loads(self.mr.run("dkim", "list", "example.test", "--json").stdout)}
        self.mr.run("dkim", "rotate", "example.test")
        rows = json.loads(self.mr.run("dkim", "list", "example.test", "--json").stdout)
        after = {r["selector"] for r in rows}
        self.assertTrue(before < after, (before, after))
        signing = {r["selector"] for r in rows if r["signing"]}
        self.assertEqual(len(signing), 2)
        self.assertFalse(signing & before)
        names = {r["name"] for r in json.loads(self.mr.run("dns", "example.test", "--json").stdout)}
        for sel in after:
            self.assertIn(f"{sel}._domainkey.example.test", names)
        # The keys that sign cannot be removed; an old one can.
        res = self.mr.run("dkim", "remove", "example.test", sorted(signing)[0], check=False)
        self.assertNotEqual(res.returncode, 0)
        old = sorted(before)[0]
        self.mr.run("dkim", "remove", "example.test", old)
        names = {r["name"] for r in json.loads(self.mr.run("dns", "example.test", "--json").stdout)}
        self.assertNotIn(f"{old}._domainkey.example.test", names)
        res = self.mr.run("dkim", "list", "../etc", check=False)
        self.assertNotEqual(res.returncode, 0)


class ConfigErrorsTest(unittest.TestCase):
    def test_missing_config(self):
        res = subprocess.run([MAILROOM, "--config", "/nonexistent/mailroom.toml", "domain", "list"],
                             capture_output=True, text=True)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("/nonexistent/mailroom.toml", res.stderr)

    def test_unknown_key_names_file_and_line(self):
        mr = Mailroom()
        try:
            with open(mr.config, "a") as f:
                f.write("\n[limits]\nmax_conections = 3\n")
            res = mr.run("domain", "list", check=False)
            self.assertNotEqual(res.returncode, 0)
            # appending a second [limits] table is itself an error; either way the line is named
            self.assertRegex(res.stderr, r"mailroom\.toml:\d+")
        finally:
            mr.close()

    def test_typo_in_key(self):
        mr = Mailroom()
        try:
            with open(mr.config) as f:
                text = f.read()
            with open(mr.config, "w") as f:
                f.write(text.replace("max_connections_per_ip", "max_connection_per_ip"))
            res = mr.run("domain", "list", check=False)
            self.assertNotEqual(res.returncode, 0)
            self.assertRegex(res.stderr, r"mailroom\.toml:\d+: unknown key 'max_connection_per_ip' in \[limits\]")
        finally:
            mr.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
