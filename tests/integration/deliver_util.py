"""Helpers for the deliverd and `mailroom queue` integration tests.

Messages are queued with the test tool `mr-test-enqueue` (the real storage::Queue
API, as smtpd uses it) and read back straight from the users' Maildirs, the way any
Maildir tool would see them.
"""
import email
import email.policy
import glob
import json
import os
import subprocess
import time

from lib import BIN_DIR, child_pids

ENQUEUE = os.path.join(BIN_DIR, "mr-test-enqueue")

# Short schedules so retries, delay notices and expiry happen within a test.
FAST_QUEUE = [
    ("retry_initial_s", "300", "1"),
    ("retry_max_s", "3600", "2"),
    ("poll_interval_s", "30", "1"),
]


def configure_fast_queue(mr, lifetime=None, delay_warning=None):
    for key, old, new in FAST_QUEUE:
        mr.set_option(key, old, new)
    if lifetime is not None:
        mr.set_option("lifetime_s", "432000", str(lifetime))
    if delay_warning is not None:
        mr.set_option("delay_warning_s", "14400", str(delay_warning))


def data_dir(mr):
    # Relative paths in the config are relative to the config file's directory.
    return os.path.join(os.path.dirname(mr.config), mr.settings()["server"]["data_dir"])


def enqueue(mr, sender, recipients, message, count=1, notify=None, orcpt=None, ret=None, envid=None):
    """Queues `message` (bytes or str); returns the queue ids."""
    if isinstance(message, str):
        message = message.encode()
    cmd = [ENQUEUE, "--config", mr.config, "--from", sender]
    for r in recipients:
        cmd += ["--to", r]
    if count != 1:
        cmd += ["--count", str(count)]
    for flag, value in (("--notify", notify), ("--orcpt", orcpt), ("--ret", ret), ("--envid", envid)):
        if value is not None:
            cmd += [flag, value]
    res = subprocess.run(cmd, input=message, capture_output=True, timeout=120)
    if res.returncode != 0:
        raise AssertionError(f"mr-test-enqueue failed: {res.stderr.decode(errors='replace')}")
    return res.stdout.decode().split()


def user_dir(mr, address):
    local, domain = address.lower().rsplit("@", 1)
    return os.path.join(data_dir(mr), "mail", domain, local)


def inbox_files(mr, address):
    root = user_dir(mr, address)
    return sorted(glob.glob(os.path.join(root, "new", "*")) + glob.glob(os.path.join(root, "cur", "*")))


def inbox(mr, address):
    """The messages in the user's INBOX as email.message.EmailMessage, oldest first."""
    out = []
    for path in inbox_files(mr, address):
        with open(path, "rb") as f:
            out.append(email.message_from_binary_file(f, policy=email.policy.default))
    return out


def wait_until(predicate, timeout=20.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_children(mr, names=("deliverd",), timeout=30.0):
    """Waits until `mailroom up` runs every daemon in `names`; on a timeout the error carries
    up's exit status and the end of its log (a sanitizer build on a loaded machine can take
    more than 10 s to start them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = set(child_pids(mr.proc.pid).values())
        if all(n in running for n in names):
            return
        time.sleep(0.1)
    raise AssertionError(f"after {timeout}s, not all of {list(names)} run (mailroom up exit status "
                         f"{mr.proc.poll()}):\n{mr.log_text()[-3000:]}")


def wait_for_messages(mr, address, count, timeout=20.0):
    return wait_until(lambda: len(inbox_files(mr, address)) >= count and inbox(mr, address),
                      timeout, what=f"{count} message(s) for {address}")


def queue_list(mr):
    return json.loads(mr.run("queue", "list", "--json").stdout)


def wait_queue_empty(mr, timeout=30.0):
    wait_until(lambda: queue_list(mr) == [], timeout, interval=0.3, what="an empty queue")


def report_parts(msg):
    """Checks `msg` is an RFC 3464 report; returns (text, status_blocks, original_part)."""
    assert msg.get_content_type() == "multipart/report", msg.get_content_type()
    assert msg.get_param("report-type") == "delivery-status"
    parts = list(msg.iter_parts())
    assert len(parts) == 3, [p.get_content_type() for p in parts]
    assert parts[0].get_content_type() == "text/plain"
    assert parts[1].get_content_type() == "message/delivery-status"
    # Python parses message/delivery-status into one header block per paragraph.
    blocks = [dict((k.lower(), str(v)) for k, v in block.items()) for block in parts[1].get_payload()]
    return parts[0].get_content(), blocks, parts[2]


def message_ids_in(paths):
    counts = {}
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"message-id:"):
                    mid = line.split(b":", 1)[1].strip().decode()
                    counts[mid] = counts.get(mid, 0) + 1
    return counts
