#!/usr/bin/env python3
"""SMTP benchmarks of issues 3 and 4: mailroom against Postfix (+ Dovecot LMTP) of
../shared/anchors/stack.sh, same machine, same run, same load generator.

Run it through bench/smtp.sh (or `bench/run.sh smtp`), as root. Figures:

  accept   Postfix's smtp-source sends N messages (4 KiB payload, one connection per
           message, as on the Internet) to one existing user over 1, 10 and 50
           sessions: messages accepted per second (wall time of smtp-source), medians
           of R rounds, and the mailroom/Postfix ratio (issue 3 target: >= 2 at 10 and
           50 sessions). Both systems deliver in the background while accepting, and
           both fsync (Postfix's queue files; mailroom's queue group commit).
  latency  p50/p99 time from the final dot to the 250 reply, 10 sessions that each send
           messages back to back on one connection (bench/smtp_latency.py).
  e2e      N messages over 10 sessions to 100 users (10 lanes, each lane sends to its 10
           users in turn): delivered messages/s from the first connection until every
           message is in its Maildir and index (mailroom: rows in each user's
           index.sqlite; Dovecot: files in each Maildir) (issue 4 target: >= 2x).
  remote   N queued messages relayed to the anchor's smtp-sink, mailroom over 10
           connections: messages/s until the queue is empty (bench/smtp_remote.py).
  mailauth what DKIM signing (submission) and SPF/DKIM/DMARC checking (port 25) cost the
           accept rate, mailroom against itself (bench/mailauth_bench.py, issue 15).

Between measurements the script waits until both systems have delivered everything
sent so far, so one run's backlog never slows the next.
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import AnchorStack, MailroomInstance, log, median  # noqa: E402
from smtp_remote import run_remote  # noqa: E402
from mailauth_bench import run_mailauth, start_dnsmasq  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
PASSWORD = "bench-password-1"


class Side:
    """One system under test: where to send, how to count what was delivered."""

    def __init__(self, name, port, domain, count_delivered):
        self.name = name
        self.port = port
        self.domain = domain
        self.count_delivered = count_delivered
        self.sent = 0

    def wait_drained(self, timeout=900):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count_delivered() >= self.sent:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: {self.count_delivered()} of {self.sent} delivered after {timeout} s")


def smtp_source(port, sessions, count, size, to, mail_from="bench@client.test"):
    cmd = [SMTP_SOURCE, "-s", str(sessions), "-m", str(count), "-l", str(size), "-M", "client.test",
           "-f", mail_from, "-t", to, f"127.0.0.1:{port}"]
    t = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    elapsed = time.time() - t
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    return elapsed


def lanes(port, lanes_count, users, count, size, domain):
    """`lanes_count` concurrent sequences of smtp-source runs, each over its own users."""
    per_user = count // len(users)
    script = []
    for lane in range(lanes_count):
        mine = users[lane::lanes_count]
        steps = " && ".join(
            f"{SMTP_SOURCE} -s 1 -m {per_user} -l {size} -M client.test -f bench@client.test "
            f"-t {u}@{domain} 127.0.0.1:{port}" for u in mine)
        script.append(f"( {steps} ) &")
    script.append("wait")
    res = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"lanes failed: {res.stderr.strip()}")
    return per_user * len(users)


def index_rows(user_dirs):
    total = 0
    for d in user_dirs:
        path = os.path.join(d, "index.sqlite")
        if not os.path.exists(path):
            continue
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            total += db.execute("SELECT count(*) FROM messages").fetchone()[0]
        except sqlite3.OperationalError:
            pass
        finally:
            db.close()
    return total


def maildir_files(maildirs):
    total = 0
    for d in maildirs:
        for sub in ("new", "cur"):
            try:
                total += len(os.listdir(os.path.join(d, sub)))
            except FileNotFoundError:
                pass
    return total


def latency(side, args):
    cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_latency.py"),
           "--port", str(side.port), "--to", f"load00@{side.domain}", "--sessions", "10",
           "--messages", str(args.latency_messages), "--size", str(args.size)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=1800).stdout
    side.sent += args.latency_messages
    return dict(item.split("=") for item in out.split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--sessions", default="1,10,50")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency-messages", type=int, default=2000)
    ap.add_argument("--only", default="accept,latency,e2e,remote,mailauth")
    ap.add_argument("--users", type=int, default=100, help="local users of the e2e case")
    ap.add_argument("--mailauth", action="store_true",
                    help="mailroom checks the bench's mail like Internet mail (SPF, DKIM, DMARC, "
                         "Authentication-Results) with a dnsmasq serving client.test's records")
    ap.add_argument("--dns-ttl", type=int, default=300,
                    help="TTL of the bench's DNS records (dnsmasq), in seconds")
    args = ap.parse_args()
    parts = args.only.split(",")
    sessions = [int(s) for s in args.sessions.split(",")]

    subprocess.run(["rm", "-rf", args.work], check=True)
    os.makedirs(args.work)
    os.chmod(args.work, 0o755)
    users = [f"load{i:02d}" for i in range(args.users)]
    if parts == ["remote"]:  # needs neither the local users nor the shared instance
        anchor = AnchorStack()
        try:
            run_remote(args, anchor)
        finally:
            anchor.cleanup()
        return
    if parts == ["mailauth"]:  # mailroom against itself: no anchor, instances of its own
        run_mailauth(args)
        return

    edits = [("max_connections_per_ip = 50", "max_connections_per_ip = 1000")]
    dns = None
    if args.mailauth:
        dns = start_dnsmasq(args.work, [("client.test", "v=spf1 ip4:127.0.0.1 -all"),
                                        ("_dmarc.client.test", "v=DMARC1; p=none")], args.dns_ttl)
        edits += [("check_local_clients = false", "check_local_clients = true"),
                  # [dns] servers: the one "servers = []" followed by the [delivery] table
                  ("\nservers = []\n\n[delivery]", f'\nservers = ["127.0.0.1:{dns[1]}"]\n\n[delivery]')]
    mr = MailroomInstance(args.bin, os.path.join(args.work, "mailroom"), "example.test", edits=edits)
    for u in users:
        mr.add_user(f"{u}@example.test", PASSWORD)
    anchor = AnchorStack()
    try:
        anchor.add_users([f"{u}@{anchor.domain}" for u in users], PASSWORD)
        mr.up(wait_for=("smtp",))
        ours = Side("mailroom", mr.port("smtp"), "example.test",
                    lambda: index_rows([mr.user_dir(f"{u}@example.test") for u in users]))
        theirs = Side("postfix", anchor.port("MR_SMTP"), anchor.domain,
                      lambda: maildir_files([anchor.maildir(f"{u}@{anchor.domain}") for u in users]))
        sides = (ours, theirs)

        if "accept" in parts:
            rates = {(s.name, n): [] for s in sides for n in sessions}
            for r in range(args.rounds):
                for n in sessions:
                    for side in sides:
                        side.wait_drained()
                        elapsed = smtp_source(side.port, n, args.messages, args.size, f"load00@{side.domain}")
                        side.sent += args.messages
                        rates[(side.name, n)].append(args.messages / elapsed)
                        log(f"round {r + 1} accept {side.name} sessions={n}: {args.messages / elapsed:.0f} msg/s")
            print(f"accept: smtp-source, {args.messages} messages of {args.size} B payload, "
                  f"one connection per message, median of {args.rounds} rounds")
            for n in sessions:
                a = median(rates[("mailroom", n)])
                b = median(rates[("postfix", n)])
                print(f"  sessions={n:<3} mailroom {a:8.0f} msg/s   postfix {b:8.0f} msg/s   ratio {a / b:5.2f}")

        if "latency" in parts:
            print(f"latency: final dot -> 250, 10 sessions x {args.latency_messages // 10} messages each")
            for side in sides:
                side.wait_drained()
                res = latency(side, args)
                print(f"  {side.name:<9} p50 {float(res['p50_ms']):6.2f} ms   p99 {float(res['p99_ms']):6.2f} ms"
                      f"   ({float(res['rate']):.0f} msg/s)")

        if "e2e" in parts:
            results = {s.name: [] for s in sides}
            for r in range(args.rounds):
                for side in sides:
                    side.wait_drained()
                    t = time.time()
                    sent = lanes(side.port, min(10, len(users)), users, args.messages, args.size, side.domain)
                    side.sent += sent
                    side.wait_drained()
                    rate = sent / (time.time() - t)
                    results[side.name].append(rate)
                    log(f"round {r + 1} e2e {side.name}: {rate:.0f} msg/s delivered")
            a = median(results["mailroom"])
            b = median(results["postfix"])
            print(f"e2e: {args.messages} messages over 10 sessions to {len(users)} users, until all are in "
                  f"Maildir + index, median of {args.rounds} rounds")
            print(f"  mailroom {a:8.0f} msg/s   postfix+dovecot {b:8.0f} msg/s   ratio {a / b:5.2f}")

        # Everything sent is delivered before the anchor's users are removed (its reset
        # fails while Dovecot still delivers to them, leaving the users behind).
        for side in sides:
            side.wait_drained()
        if "remote" in parts:
            run_remote(args, anchor)
    finally:
        mr.stop()
        anchor.cleanup()
        if dns:
            dns[0].terminate()
            dns[0].wait()
    if "mailauth" in parts:
        run_mailauth(args)


if __name__ == "__main__":
    main()
