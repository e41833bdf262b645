"""Our ARC validator (common/mailauth/arc_verify, run as mr-test-arc-verify) against dkimpy's
arc_verify, the reference: on the messages dkimpy sealed (tests/data/arc) and on copies broken
in one place each, both give the same verdict. Also checks that tests/data/arc/make_fixtures.py
still writes exactly the committed messages, so they are dkimpy's own output.
"""
import filecmp
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from lib import BIN_DIR, run_client

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data", "arc"))
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-dkim and python3-authres
DKIMPY_VERIFY = os.path.join(HERE, "arc_dkimpy_verify.py")
VERIFY = os.path.join(BIN_DIR, "mr-test-arc-verify")
NOW = "1700001000"  # after both fixtures' seals


def have_dkimpy():
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import dkim, authres"], capture_output=True).returncode == 0
    except OSError:
        return False


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def without_field(message, start):
    at = message.index(start)
    end = message.index(b"\n", at)
    while message[end + 1:end + 2] in (b" ", b"\t"):
        end = message.index(b"\n", end + 1)
    return message[:at] + message[end + 1:]


def variants():
    """name -> (message bytes, the verdict both must give)."""
    one, two, footer = read("arc1.eml"), read("arc2.eml"), read("arc2_footer.eml")
    first_set_gone = two
    for start in (b"ARC-Seal: i=1", b"ARC-Message-Signature: i=1", b"ARC-Authentication-Results: i=1"):
        first_set_gone = without_field(first_set_gone, start)
    return {
        "one_hop": (one, "pass"),
        "two_hops": (two, "pass"),
        "two_hops_list_changed_body": (footer, "pass"),
        "no_arc": (b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n", "none"),
        "body_changed": (two.replace(b"Hello through", b"Hello past"), "fail"),
        "newest_seal_broken": (two.replace(b"b=wlHHCKjl", b"b=wlHHCKjk"), "fail"),
        "only_seal_broken": (one.replace(b"b=CbWemDGo", b"b=CbWemDGp"), "fail"),
        "older_aar_changed": (two.replace(b"i=1; lists.example; spf=pass", b"i=1; lists.example; spf=fail"), "fail"),
        "seal_missing": (without_field(two, b"ARC-Seal: i=1"), "fail"),
        "instance_missing": (first_set_gone, "fail"),
        "newest_cv_fail": (two.replace(b"i=2; cv=pass", b"i=2; cv=fail"), "fail"),
        "first_cv_pass": (one.replace(b"i=1; cv=none", b"i=1; cv=pass"), "fail"),
        "duplicate_aar": (b"ARC-Authentication-Results: i=1; x.example; spf=pass\r\n" + two, "fail"),
    }


@unittest.skipUnless(have_dkimpy(), "needs /usr/bin/python3 with python3-dkim and python3-authres")
class ArcInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mr-arc-interop-")
        cls.cases = variants()
        for name, (message, _) in cls.cases.items():
            with open(os.path.join(cls.dir, name + ".eml"), "wb") as f:
                f.write(message)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def results(self, argv, tool):
        res = run_client(tool, argv, timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        out = {}
        for line in res.stdout.decode().splitlines():
            r = json.loads(line)
            out[os.path.basename(r["file"])[:-len(".eml")]] = r
        return out

    def test_verdicts_agree_with_dkimpy(self):
        files = [os.path.join(self.dir, name + ".eml") for name in self.cases]
        zone = os.path.join(DATA, "zone.txt")
        ours = self.results([VERIFY, zone, NOW] + files, "mr-test-arc-verify")
        theirs = self.results([SYSTEM_PYTHON, DKIMPY_VERIFY, zone] + files, "dkimpy")
        for name, (_, expected) in self.cases.items():
            with self.subTest(case=name):
                self.assertEqual(ours[name]["result"], expected, ours[name])
                self.assertEqual(theirs[name]["result"], expected, theirs[name])
        self.assertEqual(ours["two_hops"]["i"], 2)
        self.assertEqual(ours["two_hops"]["oldest_pass"], 0)
        self.assertEqual(ours["two_hops_list_changed_body"]["oldest_pass"], 2)

    def test_fixtures_are_what_dkimpy_writes(self):
        out = os.path.join(self.dir, "regenerated")
        os.mkdir(out)
        res = run_client("make_fixtures", [SYSTEM_PYTHON, os.path.join(DATA, "make_fixtures.py"), out], timeout=120)
        self.assertEqual(res.returncode, 0, res.stderr)
        for name in ("arc1.eml", "arc2.eml", "arc2_footer.eml", "zone.txt"):
            with self.subTest(file=name):
                self.assertTrue(filecmp.cmp(os.path.join(out, name), os.path.join(DATA, name), shallow=False))


if __name__ == "__main__":
    unittest.main()
