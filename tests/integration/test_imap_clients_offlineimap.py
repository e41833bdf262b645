"""imapd against offlineimap (offlineimap3, Debian) (issue 6, "Tests"): two-way sync of
INBOX, Sent and a nested folder with a local Maildir, then flag changes, deletions and new
messages on both sides, synced again (scenario in imap_sync_util.py)."""
import hashlib
import os
import ssl
import textwrap
import unittest

from imap_sync_util import FOLDERS, SyncTestBase, tool_available


@unittest.skipUnless(tool_available("offlineimap"),
                     "offlineimap missing: scripts/install-deps.sh --test installs offlineimap3")
class OfflineimapTest(SyncTestBase):
    user = "bob@example.test"
    password = "bob password"

    def local_folder(self, folder):
        return os.path.join(self.local, folder)  # sep = /

    def run_tool(self):
        conf = os.path.join(self.tmp, "offlineimaprc")
        if not os.path.exists(conf):
            with open(self.cert) as f:
                der = ssl.PEM_cert_to_DER_cert(f.read())
            with open(conf, "w") as f:
                f.write(textwrap.dedent(f"""\
                    [general]
                    accounts = test
                    metadata = {self.tmp}/metadata
                    ui = basic

                    [Account test]
                    localrepository = near
                    remoterepository = far

                    [Repository near]
                    type = Maildir
                    localfolders = {self.local}
                    sep = /

                    [Repository far]
                    type = IMAP
                    remotehost = 127.0.0.1
                    remoteport = {self.mr.port("imaps")}
                    ssl = yes
                    # The instance's self-signed certificate, pinned by fingerprint.
                    cert_fingerprint = {hashlib.sha256(der).hexdigest()}
                    remoteuser = {self.user}
                    remotepass = {self.password}
                    folderfilter = lambda name: name in {FOLDERS!r}
                    """))
        self.run_checked(["offlineimap", "-c", conf, "-o", "-u", "basic"], "offlineimap")

    def test_two_way_sync(self):
        self.check_two_way_sync()


if __name__ == "__main__":
    unittest.main()
