"""Files on disk: nothing under data/ is open to other local accounts, the store belongs to
the daemons' account, and the config and TLS key belong to root so a compromised daemon
cannot change how the next `mailroom up` starts it.

Run as root (as the other integration tests are): `init` then gives the store to run_user.
"""
import glob
import grp
import os
import pwd
import smtplib
import stat
import time
import unittest

from lib import Mailroom, wait_for_port

USER = "alice@example.test"


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def walk(top):
    """Every path under `top`, `top` included, without following links."""
    yield top
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            yield os.path.join(root, name)


@unittest.skipUnless(os.geteuid() == 0, "needs root: init and up hand files to run_user")
class FileModesTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        self.mr.add_user(USER, "pw")
        run_user = self.mr.settings()["server"].get("run_user", "mailroom")
        self.daemon = pwd.getpwnam(run_user)
        self.data = os.path.join(self.mr.dir, "data")
        self.key = os.path.join(self.mr.dir, "tls", "key.pem")

    def tearDown(self):
        self.mr.close()

    def deliver_over_smtp(self):
        self.mr.up()
        self.assertTrue(wait_for_port(self.mr.port("smtp"), 30), self.mr.log_text()[-3000:])
        with smtplib.SMTP("127.0.0.1", self.mr.port("smtp"), timeout=30) as s:
            s.sendmail("bob@remote.test", [USER],
                       b"From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: modes\r\n\r\nhello\r\n")
        inbox = self.mr.user_dir(USER)
        found = wait_until(lambda: glob.glob(os.path.join(inbox, "new", "*")) +
                           glob.glob(os.path.join(inbox, "cur", "*")))
        self.assertTrue(found, f"not delivered\n{self.mr.log_text()[-3000:]}")

    def assert_store_private(self):
        seen = 0
        for path in walk(self.data):
            st = os.lstat(path)
            seen += 1
            self.assertEqual(st.st_mode & 0o007, 0, f"{path} is {stat.filemode(st.st_mode)}: open to others")
            self.assertEqual(st.st_mode & stat.S_IWGRP, 0, f"{path} is {stat.filemode(st.st_mode)}: group-writable")
            self.assertEqual((st.st_uid, st.st_gid), (self.daemon.pw_uid, self.daemon.pw_gid),
                             f"{path} belongs to {st.st_uid}:{st.st_gid}")
        return seen

    def test_store_is_private_and_secrets_are_roots(self):
        self.deliver_over_smtp()
        # While the daemons run (SQLite's -wal and -shm files exist) and after they stop.
        paths = set(walk(self.data))
        for suffix in ("directory.db-wal", "directory.db-shm", "queue/queue.db-wal", "index.sqlite-wal"):
            self.assertTrue(any(p.endswith(suffix) for p in paths), f"no *{suffix} in {sorted(paths)}")
        self.assertGreater(self.assert_store_private(), 20)
        self.mr.stop()
        self.assert_store_private()

        group = grp.getgrgid(self.daemon.pw_gid).gr_name
        for path in (self.mr.config, self.key, os.path.dirname(self.key), self.mr.dir):
            st = os.stat(path)
            self.assertEqual(st.st_uid, 0, f"{path} not root's")
            self.assertEqual(st.st_mode & 0o022, 0, f"{path} is {stat.filemode(st.st_mode)}: writable by others")
            self.assertEqual(grp.getgrgid(st.st_gid).gr_name, group, path)
        for path in (self.mr.config, self.key):
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o640, path)

        res = self.mr.run("check", check=False)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertNotIn("problem:", res.stdout)

        # Widen one database and one Maildir folder, as a careless `chmod` or an old
        # version would: check names both, --repair narrows them again.
        db = os.path.join(self.data, "directory.db")
        folder = os.path.join(self.mr.user_dir(USER), "cur")
        os.chmod(db, 0o644)
        os.chmod(folder, 0o755)
        res = self.mr.run("check", check=False)
        self.assertNotEqual(res.returncode, 0, res.stdout)
        problems = [line for line in res.stdout.splitlines() if line.startswith("problem:")]
        self.assertEqual(len(problems), 2, res.stdout)
        self.assertIn(f"problem: {db}: mode 0644, want 0640", problems)
        self.assertIn(f"problem: {folder}: mode 0755, want 0750", problems)
        self.assertEqual(os.stat(db).st_mode & 0o777, 0o644, "check without --repair changed a mode")

        res = self.mr.run("check", "--repair", check=False)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn(f"repaired: {db}: mode 0644, want 0640", res.stdout)
        self.assertEqual(os.stat(db).st_mode & 0o777, 0o640)
        self.assertEqual(os.stat(folder).st_mode & 0o777, 0o750)
        self.assertEqual(self.mr.run("check", check=False).returncode, 0)

    def test_up_repairs_an_old_data_dir(self):
        # A store as an older mailroom left it: world-readable, one file root's.
        db = os.path.join(self.data, "directory.db")
        folder = os.path.join(self.mr.user_dir(USER), "new")
        os.chmod(db, 0o644)
        os.chmod(folder, 0o755)
        os.chown(os.path.join(self.data, "mail"), 0, 0)
        self.deliver_over_smtp()
        self.assertIn("event=repaired", self.mr.log_text())
        self.assert_store_private()

    def test_up_refuses_a_config_the_daemons_could_change(self):
        os.chown(self.mr.config, self.daemon.pw_uid, self.daemon.pw_gid)
        proc = self.mr.up()
        self.assertNotEqual(proc.wait(timeout=30), 0)
        log = self.mr.log_text()
        self.assertIn(f"config file {self.mr.config} is owned by {self.daemon.pw_name}", log)
        self.assertIn("refusing to start as root", log)
        self.assertFalse(wait_for_port(self.mr.port("smtp"), timeout=0.5), "a daemon started anyway")

    def test_up_refuses_a_group_writable_key(self):
        os.chmod(self.key, 0o660)
        proc = self.mr.up()
        self.assertNotEqual(proc.wait(timeout=30), 0)
        log = self.mr.log_text()
        self.assertIn(f"TLS key {self.key} is writable by group", log)
        # check names it too.
        res = self.mr.run("check", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(f"problem: TLS key {self.key} is writable by group", res.stdout)


if __name__ == "__main__":
    unittest.main()
