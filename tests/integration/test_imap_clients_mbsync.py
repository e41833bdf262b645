"""imapd against mbsync (isync 1.4, Debian) (issue 6, "Tests"): two-way sync of INBOX, Sent
and a nested folder with a local Maildir, then flag changes, deletions and new messages
on both sides, synced again (scenario in imap_sync_util.py)."""
import os
import textwrap
import unittest

from imap_sync_util import FOLDERS, SyncTestBase, tool_available


@unittest.skipUnless(tool_available("mbsync"), "mbsync missing: scripts/install-deps.sh --test installs isync")
class MbsyncTest(SyncTestBase):
    user = "alice@example.test"
    password = "correct horse"

    def local_folder(self, folder):
        return os.path.join(self.local, folder)  # SubFolders Verbatim

    def run_tool(self):
        conf = os.path.join(self.tmp, "mbsyncrc")
        if not os.path.exists(conf):
            with open(conf, "w") as f:
                f.write(textwrap.dedent(f"""\
                    IMAPAccount far
                    Host 127.0.0.1
                    Port {self.mr.port("imaps")}
                    User {self.user}
                    Pass "{self.password}"
                    SSLType IMAPS
                    # The instance's self-signed certificate, trusted as a directly matched peer.
                    CertificateFile {self.cert}

                    IMAPStore far
                    Account far

                    MaildirStore near
                    Path {self.local}/
                    Inbox {self.local}/INBOX
                    SubFolders Verbatim

                    Channel both
                    Far :far:
                    Near :near:
                    Patterns {" ".join(f'"{f}"' for f in FOLDERS)}
                    Create Both
                    Expunge Both
                    SyncState *
                    Sync All
                    """))
        self.run_checked(["mbsync", "-c", conf, "-a"], "mbsync")

    def test_two_way_sync(self):
        self.check_two_way_sync()


if __name__ == "__main__":
    unittest.main()
