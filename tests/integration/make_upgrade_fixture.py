"""Writes tests/data/upgrade/<name>.tar.gz and .json: a data dir as this build leaves it
after ordinary use, and what a user's clients saw of it (mail_view.py). Run it with the
binaries of the release whose data dir later releases must upgrade (test_upgrade.py):

    MR_BIN_DIR=build/release/bin python3 tests/integration/make_upgrade_fixture.py NAME

Not a test (no test_ prefix): the fixture is made once per release that changes a schema.
"""
import imaplib
import json
import os
import smtplib
import subprocess
import sys
import tarfile
import time

from lib import Mailroom, wait_for_port
import mail_view

USER = "fixture@example.test"
PASSWORD = "upgrade fixture password"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "upgrade")


def message(i):
    return (f"From: sender{i}@client.test\r\nTo: {USER}\r\nSubject: fixture message {i}\r\n"
            f"Message-ID: <fixture.{i}@client.test>\r\nDate: Mon, 7 Dec 2026 10:0{i}:00 +0000\r\n\r\n"
            + f"line {i}\r\n" * (i + 1)).encode()


def wait_for_messages(port, count):
    deadline = time.time() + 30
    while time.time() < deadline:
        imap = imaplib.IMAP4("127.0.0.1", port)
        imap.login(USER, PASSWORD)
        n = int(imap.select("INBOX", readonly=True)[1][0])
        imap.logout()
        if n >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"{count} messages not delivered")


def use(mr):
    """What a few days of a user's mail leave behind: delivered mail, flags and a keyword,
    a folder of their own, an expunged message, a message read over POP3."""
    with smtplib.SMTP("127.0.0.1", mr.port("smtp"), timeout=20) as smtp:
        for i in range(4):
            smtp.sendmail(f"sender{i}@client.test", [USER], message(i))
    wait_for_messages(mr.port("imap"), 4)
    imap = imaplib.IMAP4("127.0.0.1", mr.port("imap"))
    imap.login(USER, PASSWORD)
    imap.create("Projects")
    imap.subscribe("Projects")
    imap.select("INBOX")
    imap.uid("STORE", "1", "+FLAGS", "(\\Seen $Important)")
    imap.uid("STORE", "2", "+FLAGS", "(\\Flagged \\Answered)")
    imap.uid("COPY", "2", "Projects")
    imap.uid("STORE", "3", "+FLAGS", "(\\Deleted)")
    imap.expunge()
    imap.append("Projects", "(\\Seen Work)", imaplib.Time2Internaldate(1796000000),
                b"From: " + USER.encode() + b"\r\nSubject: draft\r\n\r\nappended\r\n")
    imap.logout()


def main():
    name = sys.argv[1]
    mr = Mailroom()
    try:
        mr.allow_plaintext_on_loopback()
        mr.add_user(USER, PASSWORD)
        mr.up()
        wait_for_port(mr.port("imap"))
        wait_for_port(mr.port("smtp"))
        use(mr)
        view = mail_view.capture(mr.port("imap"), mr.port("pop3"), USER, PASSWORD)
        mr.stop()
        release = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"],
                                 capture_output=True, text=True).stdout.strip()
        os.makedirs(OUT, exist_ok=True)
        data = os.path.join(mr.dir, "data")
        with tarfile.open(os.path.join(OUT, name + ".tar.gz"), "w:gz") as tar:
            tar.add(data, arcname="data", filter=lambda t: None if t.name == "data/run" else t)
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"release": release, "domain": mr.domain, "user": USER, "password": PASSWORD,
                       "view": view}, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {name}.tar.gz and {name}.json from {release}")
    finally:
        mr.close()


if __name__ == "__main__":
    main()
