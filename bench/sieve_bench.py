#!/usr/bin/env python3
"""Sieve at local delivery (issue 19): delivered messages/s with no script, with a 50-rule
script and with vacation active, mailroom against itself in one run.

Run it through bench/sieve.sh (or `bench/run.sh sieve`). N messages over 10 parallel SMTP
sessions (Postfix's smtp-source, 10 lanes of 10 users each, as the e2e case of
bench/smtp_bench.py) to 100 local users, timed from the first connection until every
message is a row of its user's index. The three cases take turns within each round, so
the machine's noise spreads over all of them; the figure is the median of R rounds, the
cost the ratio of medians (target: the 50-rule script costs <= 10 %).

  none      no active script
  rules50   50 if/elsif header, address and size rules, none of which matches, then
            the implicit keep: every rule is evaluated for every message
  vacation  `mailroom vacation set`: one reply per sender (the first message of each
            user's round 1), the once-per-sender memory read for every message
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MailroomInstance, log, median  # noqa: E402
from smtp_bench import index_rows, lanes  # noqa: E402

PASSWORD = "bench-password-1"


def rules50():
    out = ['require ["fileinto", "relational", "comparator-i;ascii-numeric"];']
    for i in range(50):
        kind = i % 5
        if kind == 0:
            test = f'header :contains "subject" "project-{i}"'
        elif kind == 1:
            test = f'address :domain :is "from" "list{i}.example.org"'
        elif kind == 2:
            test = f'header :matches "list-id" "*<list{i}.example.org>*"'
        elif kind == 3:
            test = f'header :value "gt" :comparator "i;ascii-numeric" "x-spam-score" "{i + 100}"'
        else:
            test = f'anyof (size :over 100M, header :is "x-rule" "{i}")'
        out.append(("if " if i == 0 else "elsif ") + test + f' {{ fileinto "Folder{i}"; }}')
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--users", type=int, default=100)
    args = ap.parse_args()

    subprocess.run(["rm", "-rf", args.work], check=True)
    os.makedirs(args.work)
    os.chmod(args.work, 0o755)
    users = [f"load{i:02d}" for i in range(args.users)]
    addresses = [f"{u}@example.test" for u in users]
    mr = MailroomInstance(args.bin, os.path.join(args.work, "mailroom"), "example.test",
                          edits=[("max_connections_per_ip = 50", "max_connections_per_ip = 1000")])
    rules = os.path.join(args.work, "rules50.sieve")
    with open(rules, "w") as f:
        f.write(rules50())
    away = os.path.join(args.work, "away.txt")
    with open(away, "w") as f:
        f.write("I am away.\n")
    for a in addresses:
        mr.add_user(a, PASSWORD)
        mr.cli(["sieve", "put", a, rules])

    def activate(case):
        for a in addresses:
            if case == "none":
                mr.cli(["sieve", "activate", a, "--none"])
            elif case == "rules50":
                mr.cli(["sieve", "activate", a, "rules50"])
            else:
                mr.cli(["vacation", "set", a, "--subject", "Away", "--body-file", away])

    cases = ("none", "rules50", "vacation")
    rates = {c: [] for c in cases}
    loads = []
    sent = 0
    try:
        mr.up(wait_for=("smtp",))

        def drained(timeout=900):
            deadline = time.time() + timeout
            while time.time() < deadline:
                if index_rows([mr.user_dir(a) for a in addresses]) >= sent:
                    return
                time.sleep(0.2)
            raise RuntimeError(f"not all of {sent} delivered after {timeout} s")

        for r in range(args.rounds):
            for case in cases:
                drained()
                activate(case)
                t = time.time()
                n = lanes(mr.port("smtp"), min(10, len(users)), users, args.messages, args.size, "example.test")
                sent += n
                drained()
                rate = n / (time.time() - t)
                rates[case].append(rate)
                loads.append(os.getloadavg()[0])
                log(f"round {r + 1} {case}: {rate:.0f} msg/s delivered (load {loads[-1]:.1f})")
    finally:
        mr.stop()
    base = median(rates["none"])
    print(f"sieve: {args.messages} messages of {args.size} B over 10 sessions to {len(users)} users, until all "
          f"are in Maildir + index, median of {args.rounds} rounds")
    for case in cases:
        m = median(rates[case])
        print(f"  {case:<9} {m:8.0f} msg/s   cost {100 * (1 - m / base):5.1f} %")
    print(f"  load average (1 min) during the runs: median {median(loads):.1f}, max {max(loads):.1f}")


if __name__ == "__main__":
    main()
