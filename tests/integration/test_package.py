"""The Debian package: scripts/package.sh builds it from the release build; lintian finds no
error in it; its systemd unit's exposure (systemd-analyze security) is under 3.0; and
installed with dpkg into a throw-away root it creates the account and directories with the
hardening modes, runs `mailroom up` (with the unit's capability bounding set and
no_new_privs), takes a message over SMTP on port 25 and serves it over IMAPS on port 993;
removing keeps the mail, purging asks nothing and keeps only the mail.

The throw-away root is an overlay of this machine's root file system in a private mount and
network namespace (`unshare`): dpkg, adduser and the maintainer scripts run for real, their
changes land in a temporary directory, and the fresh loopback of the namespace has ports 25
and 993 free. systemd itself does not run there (no PID 1 of its own): the unit's sandbox
is checked by systemd-analyze, and its capability set and no_new_privs by `setpriv`.
"""
import imaplib
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import lib

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = os.path.join(REPO, "debian", "mailroom.service")
INSIDE = "MR_PACKAGE_TEST_INSIDE"


def release_build_dir():
    """The build whose binaries go into the package: the one MR_BIN_DIR names."""
    return os.path.dirname(os.path.abspath(lib.BIN_DIR))


def why_not_runnable():
    if os.path.basename(release_build_dir()) == "asan":
        return "the package is made of the release build; this test runs in build/release's ctest"
    for tool in ("dpkg-deb", "dpkg-shlibdeps", "dpkg", "unshare", "setpriv", "chroot"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if os.geteuid() != 0:
        return "installing a package into a throw-away root needs root"
    probe = subprocess.run(["unshare", "--mount", "--net", "--fork", "true"], capture_output=True)
    if probe.returncode != 0:
        return "no mount/network namespaces here: " + probe.stderr.decode(errors="replace").strip()
    return None


def unit_value(key):
    with open(UNIT) as f:
        for line in f:
            if line.startswith(key + "="):
                return line.split("=", 1)[1].strip()
    raise AssertionError(f"{key}= not in {UNIT}")


class InstalledRoot:
    """An overlay of / on `merged`, inside the namespace this process runs in."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.merged = os.path.join(tmp, "merged")
        for d in ("upper", "work", "merged"):
            os.makedirs(os.path.join(tmp, d))
        subprocess.run(["mount", "--make-rprivate", "/"], check=True)
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir=/,upperdir={tmp}/upper,workdir={tmp}/work", self.merged], check=True)
        for d in ("proc", "dev"):
            subprocess.run(["mount", "--rbind", "/" + d, os.path.join(self.merged, d)], check=True)
        # /run and /tmp of the root: empty (no systemd, so the maintainer scripts skip systemctl).
        for d in ("run", "tmp"):
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", os.path.join(self.merged, d)], check=True)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    def path(self, p):
        return os.path.join(self.merged, p.lstrip("/"))

    def run(self, *argv, stdin=None, check=True, timeout=60):
        res = subprocess.run(["chroot", self.merged, *argv], input=stdin, capture_output=True, text=True,
                             timeout=timeout, stdin=None if stdin is not None else subprocess.DEVNULL)
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res

    def popen(self, *argv, log):
        return subprocess.Popen(["chroot", self.merged, *argv], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def owner_mode(path):
    st = os.lstat(path)
    return st.st_uid, st.st_gid, st.st_mode & 0o7777


class PackageBuildTest(unittest.TestCase):
    """What needs no install: the package file, lintian, the unit's exposure."""

    @classmethod
    def setUpClass(cls):
        reason = why_not_runnable()
        if reason:
            print(f"test_package: SKIPPED, cannot run here: {reason}", file=sys.stderr)
            raise unittest.SkipTest(reason)
        cls.deb = build_package()

    def test_package_contents(self):
        listing = subprocess.run(["dpkg-deb", "--contents", self.deb], check=True, capture_output=True,
                                 text=True).stdout
        for path in ("./usr/lib/mailroom/mailroom", "./usr/lib/mailroom/smtpd", "./usr/lib/mailroom/deliverd",
                     "./usr/lib/mailroom/imapd", "./usr/lib/mailroom/webd", "./lib/systemd/system/mailroom.service",
                     "./usr/share/doc/mailroom/copyright"):
            self.assertIn(path, listing)
        self.assertRegex(listing, r"\./usr/bin/mailroom -> \.\./lib/mailroom/mailroom")
        control = subprocess.run(["dpkg-deb", "--field", self.deb, "Depends"], check=True, capture_output=True,
                                 text=True).stdout
        # dpkg-shlibdeps found the runtime libraries.
        for lib_package in ("libc6", "libuv1", "libsqlite3-0", "libsodium23", "libssl3"):
            self.assertIn(lib_package, control)
        self.assertRegex(os.path.basename(self.deb), r"^mailroom_\d+\.\d+\.\d+_amd64\.deb$")

    def test_lintian_finds_no_error(self):
        if shutil.which("lintian") is None:
            self.skipTest("lintian is not installed (scripts/install-deps.sh --test installs it)")
        res = subprocess.run(["lintian", "--fail-on", "error", self.deb], capture_output=True, text=True,
                             timeout=300)
        print(res.stdout, file=sys.stderr)
        self.assertEqual(res.returncode, 0, f"lintian:\n{res.stdout}\n{res.stderr}")
        self.assertNotRegex(res.stdout, r"(?m)^E: ")

    def test_unit_exposure_under_3(self):
        res = subprocess.run(["systemd-analyze", "security", "--offline=yes", UNIT], capture_output=True,
                             text=True, timeout=60)
        m = re.search(r"Overall exposure level for mailroom\.service: (\d+\.\d+)", res.stdout)
        self.assertIsNotNone(m, res.stdout + res.stderr)
        print(f"systemd-analyze security: exposure {m.group(1)}", file=sys.stderr)
        self.assertLess(float(m.group(1)), 3.0)
        self.assertEqual(unit_value("ExecStart"), "/usr/bin/mailroom --config /etc/mailroom/mailroom.toml up")
        self.assertEqual(unit_value("ExecReload"), "/bin/kill -HUP $MAINPID")

    def test_install_run_remove_purge(self):
        # The rest runs in namespaces of its own: this same file, re-executed by unshare.
        env = dict(os.environ, **{INSIDE: self.deb})
        res = subprocess.run(["unshare", "--mount", "--net", "--fork", sys.executable, os.path.abspath(__file__),
                              "InstalledPackageTest"], env=env, capture_output=True, text=True, timeout=240)
        sys.stderr.write(res.stdout + res.stderr)
        self.assertEqual(res.returncode, 0, "the installed package's test failed (output above)")


def build_package():
    res = subprocess.run([os.path.join(REPO, "scripts", "package.sh"), release_build_dir()], capture_output=True,
                         text=True, timeout=300, cwd=REPO)
    if res.returncode != 0:
        raise AssertionError(f"scripts/package.sh failed:\n{res.stdout}\n{res.stderr}")
    deb = res.stdout.strip().splitlines()[-1]
    return deb if os.path.isabs(deb) else os.path.join(REPO, deb)


@unittest.skipUnless(os.environ.get(INSIDE), "runs inside the namespaces test_install_run_remove_purge makes")
class InstalledPackageTest(unittest.TestCase):
    CONFIG = "/etc/mailroom/mailroom.toml"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mailroom-pkg-")
        self.root = InstalledRoot(self.tmp)
        self.up = None

    def tearDown(self):
        lib.stop_process(self.up)
        shutil.rmtree(self.tmp, ignore_errors=True)  # the mounts die with the namespace

    def cli(self, *args, stdin=None):
        return self.root.run("mailroom", "--config", self.CONFIG, *args, stdin=stdin)

    def test_install_run_remove_purge(self):
        root = self.root
        shutil.copy(os.environ[INSIDE], root.path("/tmp/mailroom.deb"))
        res = root.run("dpkg", "-i", "/tmp/mailroom.deb")
        self.assertIn("mailroom.toml domain add example.org", res.stdout)  # postinst says what to do next

        # The account, and the modes `mailroom init` sets: config and key root's, readable by
        # the daemons' group only; the store the daemons'.
        pw = root.run("getent", "passwd", "mailroom").stdout.split(":")
        uid, gid = int(pw[2]), int(pw[3])
        self.assertEqual(pw[6].strip(), "/usr/sbin/nologin")
        self.assertEqual(owner_mode(root.path("/etc/mailroom")), (0, gid, 0o750))
        self.assertEqual(owner_mode(root.path(self.CONFIG)), (0, gid, 0o640))
        self.assertEqual(owner_mode(root.path("/etc/mailroom/tls/key.pem")), (0, gid, 0o640))
        self.assertEqual(owner_mode(root.path("/var/lib/mailroom"))[:2], (uid, gid))
        with open(root.path(self.CONFIG)) as f:
            config = f.read()
        self.assertIn('data_dir = "/var/lib/mailroom"', config)
        self.assertIn('smtp = ["127.0.0.1:25"]', config)
        self.assertTrue(os.path.exists(root.path("/lib/systemd/system/mailroom.service")))

        self.cli("domain", "add", "example.test")
        self.cli("user", "add", "alice@example.test", "--password-stdin", stdin="alice-pw-123\n")

        # ExecStart, with the unit's capability bounding set and no_new_privs.
        caps = ",".join("+" + c.lower().removeprefix("cap_") for c in unit_value("CapabilityBoundingSet").split())
        with open(os.path.join(self.tmp, "up.log"), "w") as log:
            self.up = root.popen("setpriv", "--no-new-privs", f"--bounding-set=-all,{caps}",
                                 *unit_value("ExecStart").split(), log=log)
        for port in (25, 993):
            if not lib.wait_for_port(port, timeout=20):
                with open(os.path.join(self.tmp, "up.log")) as f:
                    self.fail(f"port {port} not listening; mailroom up said:\n{f.read()}")

        with smtplib.SMTP("127.0.0.1", 25, timeout=20) as smtp:
            smtp.sendmail("bob@elsewhere.test", ["alice@example.test"],
                          b"From: bob@elsewhere.test\r\nTo: alice@example.test\r\n"
                          b"Subject: installed by dpkg\r\n\r\nHello from the package test.\r\n")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        body = None
        deadline = time.monotonic() + 20
        while body is None and time.monotonic() < deadline:
            with imaplib.IMAP4_SSL("127.0.0.1", 993, ssl_context=ctx, timeout=20) as imap:
                imap.login("alice@example.test", "alice-pw-123")
                imap.select("INBOX")
                _, ids = imap.search(None, "ALL")
                if ids[0]:
                    _, data = imap.fetch(ids[0].split()[0], "(BODY.PEEK[])")
                    body = data[0][1]
            if body is None:
                time.sleep(0.2)
        self.assertIsNotNone(body, "the message never reached alice's INBOX")
        self.assertIn(b"Subject: installed by dpkg", body)
        self.assertIn(b"Hello from the package test.", body)
        # The daemons run as the account, not as root.
        status = self.cli("status", "--json").stdout
        self.assertIn("smtpd", status)

        # `systemctl reload` (ExecReload: SIGHUP to `mailroom up`): the daemons, which run as
        # the account, take a new certificate without a restart.
        root.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-subj", "/CN=reloaded.test", "-days", "2", "-keyout", "/tmp/new.key", "-out", "/tmp/new.pem")
        for new, old in (("/tmp/new.key", "/etc/mailroom/tls/key.pem"), ("/tmp/new.pem", "/etc/mailroom/tls/cert.pem")):
            with open(root.path(new), "rb") as src, open(root.path(old), "wb") as dst:  # keeps owner and mode
                dst.write(src.read())
        self.assertEqual(unit_value("ExecReload"), "/bin/kill -HUP $MAINPID")
        self.up.send_signal(signal.SIGHUP)
        subject = ""
        deadline = time.monotonic() + 15
        while "reloaded.test" not in subject and time.monotonic() < deadline:
            pem = ssl.get_server_certificate(("127.0.0.1", 993), timeout=10)
            subject = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem, capture_output=True,
                                     text=True).stdout
            time.sleep(0.2)
        self.assertIn("reloaded.test", subject, "IMAPS did not take the new certificate after SIGHUP")

        lib.stop_process(self.up)
        with open(os.path.join(self.tmp, "up.log")) as f:
            self.assertEqual(self.up.returncode, 0, f.read()[-3000:])

        # remove: the service's files go; the config, the account and the mail stay.
        root.run("dpkg", "-r", "mailroom")
        self.assertFalse(os.path.exists(root.path("/usr/lib/mailroom/mailroom")))
        self.assertTrue(os.path.exists(root.path(self.CONFIG)))
        self.assertEqual(root.run("getent", "passwd", "mailroom", check=False).returncode, 0)
        mail = [f for d, _, files in os.walk(root.path("/var/lib/mailroom")) for f in files
                if os.sep + "cur" in d or os.sep + "new" in d]
        self.assertTrue(mail, "removing the package lost the mail")

        # purge: asks nothing (no stdin), removes the generated config and certificate,
        # keeps the store.
        res = root.run("dpkg", "--purge", "mailroom")
        self.assertFalse(os.path.exists(root.path(self.CONFIG)))
        self.assertFalse(os.path.exists(root.path("/etc/mailroom/tls/key.pem")))
        left = sorted(os.path.relpath(os.path.join(d, f), root.path("/etc/mailroom"))
                      for d, _, files in os.walk(root.path("/etc/mailroom")) for f in files)
        # Only what the admin made: the DKIM keys of `domain add` (published in DNS).
        self.assertTrue(left and all(f.startswith("dkim/example.test/") for f in left), left)
        self.assertIn("kept /etc/mailroom", res.stderr)
        self.assertIn("kept the mail store /var/lib/mailroom", res.stderr)
        kept = [f for d, _, files in os.walk(root.path("/var/lib/mailroom")) for f in files
                if os.sep + "cur" in d or os.sep + "new" in d]
        self.assertEqual(sorted(kept), sorted(mail))


if __name__ == "__main__":
    unittest.main(verbosity=2)
