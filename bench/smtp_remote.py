"""The `remote` lane of bench/smtp_bench.py (issue 4): messages/s relayed to a local
smtp-sink over 10 connections, mailroom against Postfix of ../shared/anchors/stack.sh.

What is timed is delivery from a full queue, nothing before it:
  mailroom  N messages are queued with mr-test-enqueue (the storage::Queue API smtpd uses)
            while no daemon runs; the clock starts when `mailroom up` is spawned and stops
            when queue.db has no entry left. deliverd relays through delivery.smarthost
            (no DNS) with delivery.max_connections_per_domain = 10.
  postfix   the anchor Postfix is stopped, the same N messages are handed to its sendmail
            (they wait in maildrop), the clock starts at `postfix start` and stops when its
            queue directories are empty. Postfix therefore also runs pickup and cleanup
            (its own enqueue) inside the timed window, which mailroom did before it: the
            ratio is in mailroom's favour by that much. Its relay transport keeps its
            default concurrency (up to 20 connections, slow start from 5): the anchor's
            config is not changed.
Both relay to the anchor's smtp-sink (MR_OUTBOUND_SINK, Postfix's relayhost), so the
receiving side is the same process. Start-up of each system is inside its window.
"""
import os
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from benchlib import MailroomInstance, log, median

SENDER = "bench@client.test"
RECIPIENT = "sink@relay.test"


def message_bytes(size):
    head = (f"From: {SENDER}\r\nTo: {RECIPIENT}\r\nSubject: relay {{n}}\r\n"
            "Message-ID: <relay-{n}@client.test>\r\n\r\n")
    line = "0123456789abcdef" * 4 + "\r\n"
    body = line * (size // len(line) + 1)
    return (head + body[:size - 2] + "\r\n").encode()


def queue_entries(mr):
    path = os.path.join(mr.dir, "data", "queue", "queue.db")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        db.close()


def wait_until_zero(count, what, timeout=1800):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if count() == 0:
            return time.time()
        time.sleep(0.05)
    raise RuntimeError(f"{what}: queue not empty after {timeout} s")


def mailroom_round(args, sink, work, r):
    mr = MailroomInstance(args.bin, os.path.join(work, f"relay-{r}"), "relay-src.test", edits=[
        ('smarthost = ""', f'smarthost = "{sink}"'),
        ('smarthost_tls = "required"', 'smarthost_tls = "opportunistic"'),
        # (stated, not changed: fails if the default ever moves away from the figure's 10)
        ("max_connections_per_domain = 10", "max_connections_per_domain = 10"),
    ])
    res = subprocess.run([os.path.join(args.bin, "mr-test-enqueue"), "--config", mr.config, "--from", SENDER,
                          "--to", RECIPIENT, "--count", str(args.messages), "--no-wake"],
                         input=message_bytes(args.size), capture_output=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"mr-test-enqueue failed: {res.stderr.decode(errors='replace')}")
    if queue_entries(mr) != args.messages:
        raise RuntimeError("mr-test-enqueue did not queue every message")
    try:
        t = time.time()
        mr.up(wait_for=())
        end = wait_until_zero(lambda: queue_entries(mr), "mailroom")
    finally:
        mr.stop()
    with open(os.path.join(mr.dir, "up.log")) as f:
        text = f.read()
    relayed = text.count("event=delivered ")
    if relayed != args.messages or "event=failed " in text or "event=deferred " in text:
        raise RuntimeError(f"mailroom relayed {relayed} of {args.messages} (see {mr.dir}/up.log)")
    subprocess.run(["rm", "-rf", mr.dir], check=True)
    return args.messages / (end - t)


class AnchorPostfix:
    """The anchor stack's Postfix, driven with its own commands and config directory."""

    def __init__(self, anchor):
        root = os.path.dirname(anchor.mailroot)
        self.conf = os.path.join(root, "postfix")
        self.spool = os.path.join(root, "postfix-spool")
        self.log = os.path.join(root, "log", "postfix.log")

    def postfix(self, *args):
        subprocess.run(["postfix", "-c", self.conf, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def queued(self):
        total = 0
        for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(self.spool, sub)):
                total += len(files)
        return total

    def sendmail(self, data):
        # (With Postfix stopped, postdrop leaves the file in maildrop and warns that it
        # cannot wake pickup: expected here.)
        res = subprocess.run(["/usr/sbin/sendmail", "-C", self.conf, "-f", SENDER, "--", RECIPIENT], input=data,
                             capture_output=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"sendmail failed: {res.stderr.decode(errors='replace')}")

    def sent_since(self, offset):
        with open(self.log, errors="replace") as f:
            f.seek(offset)
            text = f.read()
        return text.count("status=sent"), text.count("status=bounced") + text.count("status=deferred")


def postfix_round(args, anchor):
    pf = AnchorPostfix(anchor)
    template = message_bytes(args.size)
    if pf.queued() != 0:
        raise RuntimeError("the anchor Postfix queue is not empty; is someone else using it?")
    pf.postfix("stop")
    try:
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(pf.sendmail, (template.replace(b"{n}", str(n).encode()) for n in range(args.messages))))
        if pf.queued() != args.messages:
            raise RuntimeError(f"maildrop holds {pf.queued()} of {args.messages} messages")
        offset = os.path.getsize(pf.log)
        t = time.time()
        pf.postfix("start")
        end = wait_until_zero(pf.queued, "postfix")
    except BaseException:
        pf.postfix("start")
        raise
    time.sleep(1)  # the log writer (postlogd) lags a little
    sent, failed = pf.sent_since(offset)
    if sent < args.messages or failed:
        raise RuntimeError(f"postfix relayed {sent} of {args.messages} ({failed} bounced/deferred)")
    return args.messages / (end - t)


def run_remote(args, anchor):
    """Prints the remote figure; `anchor` is a benchlib.AnchorStack (or None: mailroom only)."""
    sink = anchor.env["MR_OUTBOUND_SINK"] if anchor else None
    if sink is None:
        raise RuntimeError("the remote lane relays to the anchor's smtp-sink: it needs the anchor stack")
    work = os.path.join(args.work, "remote")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    ours, theirs = [], []
    for r in range(args.rounds):
        ours.append(mailroom_round(args, sink, work, r))
        log(f"round {r + 1} remote mailroom: {ours[-1]:.0f} msg/s relayed")
        theirs.append(postfix_round(args, anchor))
        log(f"round {r + 1} remote postfix: {theirs[-1]:.0f} msg/s relayed")
    a, b = median(ours), median(theirs)
    print(f"remote: {args.messages} queued messages of {args.size} B relayed to smtp-sink {sink} "
          f"(mailroom: 10 connections; postfix: default relay concurrency), until the queue is empty, "
          f"median of {args.rounds} rounds; postfix's window includes pickup+cleanup of its maildrop")
    print(f"  mailroom {a:8.0f} msg/s   postfix {b:8.0f} msg/s   ratio {a / b:5.2f}")
