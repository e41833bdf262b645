"""Upgrading a data dir written by an earlier release (issue 20): the fixtures in
tests/data/upgrade/ are data dirs that earlier releases left after ordinary use
(make_upgrade_fixture.py), each with what a user's clients saw of it then. Started on
each, this release shows every folder, UID, UIDVALIDITY, flag, message byte and POP3 UIDL
unchanged; when a schema changed, it migrated after a snapshot that keeps the old files.
A data dir from a later release is refused, with the file named, and left as it was.
"""
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
import unittest

from lib import MAILROOM, Mailroom, port_is_free, wait_for_port
import mail_view

FIXTURES = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "..", "data", "upgrade", "*.tar.gz")))

DATABASES_ADDED_AT_START = {"tlsrpt.db"}


def schema_versions(data):
    versions = {}
    for path in glob.glob(os.path.join(data, "**", "*.db"), recursive=True) + \
            glob.glob(os.path.join(data, "mail", "*", "*", "index.sqlite")):
        if os.path.relpath(path, data).startswith("snapshots" + os.sep):
            continue
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        versions[os.path.relpath(path, data)] = con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
    return versions


class Upgrade(unittest.TestCase):
    def instance_with(self, fixture):
        """A fresh instance whose data dir is replaced by the fixture's (owners kept)."""
        mr = Mailroom()
        self.addCleanup(mr.close)
        mr.allow_plaintext_on_loopback()
        data = os.path.join(mr.dir, "data")
        owner = os.stat(data)
        shutil.rmtree(data)
        with tarfile.open(fixture) as tar:
            tar.extractall(mr.dir, filter="fully_trusted")
        for root, dirs, files in os.walk(data):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), owner.st_uid, owner.st_gid)
        os.chown(data, owner.st_uid, owner.st_gid)
        with open(fixture[:-len(".tar.gz")] + ".json") as f:
            return mr, data, json.load(f)

    def test_every_fixture_upgrades_and_clients_see_the_same_mail(self):
        self.assertTrue(FIXTURES, "no fixture in tests/data/upgrade")
        for fixture in FIXTURES:
            with self.subTest(fixture=os.path.basename(fixture)):
                mr, data, saw = self.instance_with(fixture)
                before = schema_versions(data)
                mr.up()
                wait_for_port(mr.port("imap"))
                wait_for_port(mr.port("pop3"))
                view = mail_view.capture(mr.port("imap"), mr.port("pop3"), saw["user"], saw["password"])
                self.assertEqual(view, saw["view"])
                mr.stop()
                after = schema_versions(data)
                # Every database is still there; the only new one is what a newer deliverd
                # opens at its first start (TLS-RPT counts, no older form to migrate).
                self.assertLessEqual(set(before), set(after))
                self.assertLessEqual(set(after) - set(before), DATABASES_ADDED_AT_START)
                older = {f for f in before if before[f] < after[f]}
                self.assertFalse({f for f in before if before[f] > after[f]})
                snapshots = glob.glob(os.path.join(data, "snapshots", "before-*"))
                if older:
                    # Migrated after a snapshot of the files as the older release left them.
                    self.assertIn("event=upgraded", mr.log_text())
                    self.assertEqual(len(snapshots), 1, snapshots)
                    kept = schema_versions(os.path.join(snapshots[0], "data"))
                    self.assertEqual(kept, before)
                    self.assertEqual(os.stat(snapshots[0]).st_mode & 0o077, 0)
                else:
                    self.assertNotIn("event=upgraded", mr.log_text())
                    self.assertEqual(snapshots, [])

    def test_a_later_release_data_dir_is_refused_and_left_unchanged(self):
        mr, data, saw = self.instance_with(FIXTURES[-1])
        index = glob.glob(os.path.join(data, "mail", "*", "*", "index.sqlite"))[0]
        st = os.stat(index)
        con = sqlite3.connect(index)
        con.execute("PRAGMA user_version = 999")
        con.close()
        os.chown(index, st.st_uid, st.st_gid)
        before = schema_versions(data)

        for args in (["upgrade"], ["up"]):
            started = time.monotonic()
            res = subprocess.run([MAILROOM, "--config", mr.config] + args, capture_output=True,
                                 text=True, timeout=60)
            self.assertNotEqual(res.returncode, 0, res.stdout + res.stderr)
            self.assertLess(time.monotonic() - started, 30)
            self.assertIn("index.sqlite", res.stderr)
            self.assertIn("newer than this mailroom", res.stderr)
            self.assertIn("downgrading is not supported", res.stderr)
            # Nothing started, nothing written.
            self.assertTrue(port_is_free(mr.port("imap")))
            self.assertEqual(schema_versions(data), before)
            self.assertFalse(os.path.exists(os.path.join(data, "snapshots")))


if __name__ == "__main__":
    unittest.main()
