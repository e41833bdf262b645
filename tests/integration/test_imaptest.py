"""imapd against imaptest, Dovecot's IMAP compliance tester (issue 18): every script of its
test directory (one per command family, RFC 3501 and extensions) must pass.

imaptest is built by ../shared/tools/imaptest/build.sh beside the checkout (which prints the
path of a wrapper; a second call finds the first build), or taken from $MR_IMAPTEST (the
wrapper's path). Its scripts are in the `tests` directory beside the wrapper. A script whose
capabilities the server does not advertise is skipped by imaptest itself and counted apart.
The test is skipped only when neither $MR_IMAPTEST nor ../shared exists.
"""
import os
import re
import subprocess
import unittest

from imap_util import PASSWORD, USER, check_clean_stop, start_instance

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared")
BUILD_SCRIPT = os.path.join(SHARED, "tools", "imaptest", "build.sh")
RUN_TIMEOUT = 120

# "71 test groups: 0 failed, 0 skipped due to missing capabilities"
GROUPS = re.compile(r"^(\d+) test groups: (\d+) failed, (\d+) skipped due to missing capabilities$", re.M)
# "base protocol: 0/457 individual commands failed", "extensions: 0/26 individual commands failed"
COMMANDS = re.compile(r"^(base protocol|extensions): (\d+)/(\d+) individual commands failed$", re.M)


def imaptest_path():
    """The imaptest wrapper: $MR_IMAPTEST, else what build.sh prints (building it once)."""
    if os.environ.get("MR_IMAPTEST"):
        return os.environ["MR_IMAPTEST"]
    res = subprocess.run([BUILD_SCRIPT], capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise AssertionError(f"{BUILD_SCRIPT} failed ({res.returncode}): {res.stderr[-3000:]}")
    return res.stdout.strip().splitlines()[-1]


def parse_summary(output):
    """(groups, failed groups, skipped groups, {section: (failed, total)}) of imaptest's
    closing summary; None when there is none (imaptest did not get that far)."""
    groups = GROUPS.search(output)
    if not groups:
        return None
    commands = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in COMMANDS.finditer(output)}
    return int(groups.group(1)), int(groups.group(2)), int(groups.group(3)), commands


@unittest.skipUnless(os.environ.get("MR_IMAPTEST") or os.path.isdir(SHARED),
                     f"imaptest unavailable: no $MR_IMAPTEST and no {SHARED} with tools/imaptest/build.sh")
class ImaptestTest(unittest.TestCase):
    def test_parse_summary(self):
        out = ("Error: u[10]: Keyword used without being in FLAGS: $k: * 5 FETCH (FLAGS ($k))\n"
               "71 test groups: 4 failed, 2 skipped due to missing capabilities\n"
               "base protocol: 5/457 individual commands failed\n"
               "extensions: 0/26 individual commands failed\n")
        self.assertEqual(parse_summary(out), (71, 4, 2, {"base protocol": (5, 457), "extensions": (0, 26)}))
        self.assertIsNone(parse_summary("Error: connect() failed\n"))

    def test_every_script_passes(self):
        imaptest = imaptest_path()
        scripts = os.path.join(os.path.dirname(imaptest), "tests")
        self.assertTrue(os.path.isdir(scripts), f"no imaptest scripts in {scripts}")
        mr = start_instance()  # plaintext LOGIN on loopback, as imaptest logs in
        self.addCleanup(mr.close)
        res = subprocess.run([imaptest, "host=127.0.0.1", f"port={mr.port('imap')}", f"user={USER}",
                              f"pass={PASSWORD}", f"test={scripts}"],
                             capture_output=True, text=True, timeout=RUN_TIMEOUT)
        output = res.stdout + res.stderr
        summary = parse_summary(output)
        self.assertIsNotNone(summary, f"no imaptest summary (exit {res.returncode}):\n{output[-5000:]}")
        groups, failed, skipped, commands = summary
        print(f"\nimaptest: {groups - failed - skipped} of {groups} scripts passed, {skipped} skipped "
              f"(capabilities not advertised); " +
              ", ".join(f"{k}: {f}/{n} commands failed" for k, (f, n) in commands.items()))
        self.assertEqual(failed, 0, output[-8000:])
        self.assertTrue(commands, output[-8000:])
        for section, (bad, _) in commands.items():
            self.assertEqual(bad, 0, f"{section}: {bad} commands failed\n{output[-8000:]}")
        # Protocol errors imaptest noticed outside the scripts' own checks (an undeclared
        # keyword, a bad response) are printed as "Error:" lines.
        errors = [line for line in output.splitlines() if line.startswith("Error:")]
        self.assertEqual(errors, [], output[-8000:])
        self.assertEqual(res.returncode, 0, output[-8000:])
        check_clean_stop(mr)


if __name__ == "__main__":
    unittest.main()
