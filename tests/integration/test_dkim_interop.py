"""Our DKIM verifier (common/mailauth/dkim_verify) against dkimpy, the reference
implementation: every message dkimpy signs (rsa-sha256 and ed25519-sha256, RFC 8463's key and
fresh keys, all four c= combinations, with and without l= and i=) passes, and every copy
changed after signing fails. dkimpy runs under Debian's /usr/bin/python3 (dkim_sign.py); the
verifier is mr-test-dkim-verify, which reads the keys from a zone file instead of DNS.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from lib import BIN_DIR, run_client

SIGN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dkim_sign.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-dkim and python3-nacl
VERIFY = os.path.join(BIN_DIR, "mr-test-dkim-verify")


def have_dkimpy():
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import dkim, nacl"], capture_output=True).returncode == 0
    except OSError:
        return False


@unittest.skipUnless(have_dkimpy(), "needs /usr/bin/python3 with python3-dkim and python3-nacl")
class DkimInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mr-dkim-interop-")
        res = run_client("dkimpy", [SYSTEM_PYTHON, SIGN, cls.dir], timeout=120)
        if res.returncode != 0:
            shutil.rmtree(cls.dir)
            raise RuntimeError(res.stderr.decode(errors="replace"))
        cls.cases = json.loads(res.stdout)["cases"]
        cls.zone = os.path.join(cls.dir, "zone.txt")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def verify(self, files):
        res = run_client("mr-test-dkim-verify", [VERIFY, self.zone, str(int(time.time()))] + files, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        results = {}
        for line in res.stdout.decode().splitlines():
            r = json.loads(line)
            results.setdefault(r["file"], []).append(r)
        return results

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_every_dkimpy_signature_passes(self):
        self.assertGreaterEqual(len(self.cases), 72)
        files = [self.path(c["name"] + ".eml") for c in self.cases]
        results = self.verify(files)
        for case, f in zip(self.cases, files):
            with self.subTest(case=case["name"]):
                self.assertEqual(len(results.get(f, [])), 1, results.get(f))
                r = results[f][0]
                self.assertEqual(r["result"], "pass", r)
                self.assertEqual(r["a"], case["a"])
                self.assertEqual(r["d"], "example.test")
                self.assertFalse(r["body_truncated"], r)

    def test_changed_copies_fail(self):
        files = [self.path(c["name"] + ".tampered.eml") for c in self.cases]
        results = self.verify(files)
        for case, f in zip(self.cases, files):
            with self.subTest(case=case["name"]):
                self.assertEqual([r["result"] for r in results.get(f, [])], ["fail"], results.get(f))

    def test_text_after_l_is_unsigned_and_flagged(self):
        # RFC 6376 §8.2: what follows the l= octets is not covered; the signature stays
        # valid, and the result says that part of the body is unsigned.
        # Not for an empty body under c=.../simple: its canonical form is one CRLF (l=2),
        # which text added there replaces rather than follows.
        limited = [c for c in self.cases
                   if c["l"] and not (c["name"].startswith("empty_body") and c["c"].endswith("/simple"))]
        self.assertTrue(limited)
        files = []
        for c in limited:
            with open(self.path(c["name"] + ".eml"), "rb") as f:
                data = f.read()
            appended = self.path(c["name"] + ".appended.eml")
            with open(appended, "wb") as f:
                f.write(data + b"Unsigned: http://evil.example/\r\n")
            files.append(appended)
        results = self.verify(files)
        for case, f in zip(limited, files):
            with self.subTest(case=case["name"]):
                [r] = results[f]
                self.assertEqual(r["result"], "pass", r)
                self.assertTrue(r["body_truncated"], r)

    def test_missing_and_revoked_keys(self):
        case = self.cases[0]
        zone = self.path("other-zone.txt")
        with open(self.zone) as f:
            lines = f.read().splitlines()
        selector = case["name"].split("-")[1]
        with open(zone, "w") as f:
            for line in lines:
                name, _, value = line.partition("\t")
                if name.startswith(selector + "."):
                    f.write(f"{name}\tv=DKIM1; p=\n")
                else:
                    f.write(line + "\n")
        f = self.path(case["name"] + ".eml")
        res = run_client("mr-test-dkim-verify", [VERIFY, zone, str(int(time.time())), f], timeout=60)
        self.assertEqual(json.loads(res.stdout)["result"], "fail")
        self.assertEqual(json.loads(res.stdout)["reason"], "key revoked")
        empty = self.path("empty-zone.txt")
        open(empty, "w").close()
        res = run_client("mr-test-dkim-verify", [VERIFY, empty, str(int(time.time())), f], timeout=60)
        self.assertEqual(json.loads(res.stdout)["result"], "permerror")


if __name__ == "__main__":
    unittest.main()
