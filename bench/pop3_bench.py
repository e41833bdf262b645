#!/usr/bin/env python3
"""POP3 benchmark of issue 5: mailroom's pop3d against Dovecot, measured in the same run.

Run it through bench/pop3.sh (or `bench/run.sh pop3`), as root: it starts a mailroom
instance on free loopback ports, uses the Dovecot of ../shared/anchors/stack.sh
(127.0.0.1:10110), fills both with the same messages and drives both with the same client
(bench/pop3_load.cpp, RETRs pipelined). Figures:

  1. RETR of every message of a 10,000-message INBOX (4 KiB messages) over one session;
  2. the same over 20 parallel sessions on 20 users, each with its own 10,000-message
     INBOX (200,000 messages per system);
     messages/s and MB/s (10^6 octets of message data as received), medians of 3 rounds,
     and mailroom/Dovecot ratios (target >= 1.5);
  3. memory per idle authenticated POP3 connection at 200 connections (users with an
     empty INBOX): pop3d's RSS before/after / 200 (target <= 64 KiB); for Dovecot the sum
     of RSS (and PSS, which does not count shared pages once per process) of its pop3 and
     pop3-login processes, before/after / 200. Measured right after start, before the
     throughput rounds.

Both servers are warmed up first by one untimed RETR-everything pass per user (Dovecot
indexes the Maildir files it has not seen; both set \\Seen at QUIT), so every timed round
reads the same warm state. The client's own ceiling (against an in-process fake server)
is printed first.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (AnchorStack, MailroomInstance, comm, descendants, log, median, memory_kib,  # noqa: E402
                      wait_for_port)

DOVECOT_PORT = 10110
DOVECOT_DOMAIN = "anchor.test"
PASSWORD = "bench-password-1"


class Mailroom(MailroomInstance):
    """benchlib's scratch instance, its users filled by pop3_fill."""

    def __init__(self, bin_dir, work, threads=None):
        edits = [("allow_plaintext_on_loopback = false", "allow_plaintext_on_loopback = true"),
                 ("max_connections_per_ip = 50", "max_connections_per_ip = 1000"),
                 # Every session logs in from 127.0.0.1, many at once: not a flood.
                 ("max_queued_checks = 1024", "max_queued_checks = 100000"),
                 ("max_checks_per_address = 16", "max_checks_per_address = 1000")]
        if threads is not None:
            edits.append(("threads = 0", f"threads = {threads}"))
        super().__init__(bin_dir, os.path.join(work, "mailroom"), edits=edits)
        self.pop3_port = self.port("pop3")

    def add_users(self, addresses):
        # In-process argon2id hashing (what `mailroom user add` does), as the run user.
        subprocess.run([os.path.join(self.bin, "pop3_fill"), "users",
                        os.path.join(self.dir, "data", "directory.db")] + addresses,
                       input=PASSWORD + "\n", text=True, check=True, user="mailroom", group="mailroom")

    def fill(self, addresses, count):
        first = self.user_dir(addresses[0])
        os.makedirs(os.path.dirname(first), exist_ok=True)
        shutil.chown(os.path.dirname(first), "mailroom", "mailroom")
        t = time.time()
        subprocess.run([os.path.join(self.bin, "pop3_fill"), "store", first, str(count)],
                       check=True, user="mailroom", group="mailroom")
        log(f"mailroom: {count} messages appended (append_batch) in {time.time() - t:.1f} s")
        # The other users get a byte-identical copy of the store (files and index).
        for a in addresses[1:]:
            subprocess.run(["cp", "-a", first, self.user_dir(a)], check=True)

    def up(self):
        super().up(wait_for=("pop3",))
        # The supervisor listens before pop3d runs (it hands the socket over): wait for
        # pop3d itself, so memory is not measured on a process still starting (or on none).
        deadline = time.time() + 120
        while time.time() < deadline:
            with open(self.log.name) as f:
                text = f.read()
            if any("daemon=pop3d" in l and "event=started" in l for l in text.splitlines()):
                return
            time.sleep(0.1)
        raise RuntimeError("pop3d did not start:\n" + text[-3000:])

    def pop3d_pid(self):
        for pid in descendants(self.proc.pid):
            if comm(pid) == "pop3d":
                return pid
        raise RuntimeError("no pop3d process")

    def memory(self):
        return memory_kib(self.pop3d_pid())


class Dovecot(AnchorStack):
    """benchlib's anchor stack (started here when it was not running); our users are
    pop3bench*/pop3idle* @anchor.test."""

    def __init__(self):
        super().__init__()
        self.pop3_port = DOVECOT_PORT
        if not wait_for_port(self.pop3_port):
            raise RuntimeError("Dovecot POP3 is not listening on 10110")

    # Users are written straight into Dovecot's passwd-file, in the format of
    # `stack.sh adduser` (its users file is the source of truth; POP3 needs nothing else),
    # all 220 in one rewrite instead of one locked stack.sh run each (AnchorStack.add_users).
    def rewrite_users(self, drop, add):
        self.rewrite_dovecot_users(drop, add, PASSWORD, ".pop3bench")

    def remove_homes(self, addresses):
        for a in addresses:
            shutil.rmtree(os.path.dirname(self.maildir(a)), ignore_errors=True)

    def add_users(self, addresses, password=PASSWORD):
        self.users = list(addresses)
        self.remove_homes(addresses)
        self.rewrite_users(set(addresses), addresses)

    def fill(self, addresses, count):
        t = time.time()
        for a in addresses:
            home = os.path.dirname(self.maildir(a))
            os.makedirs(home, exist_ok=True)
            shutil.chown(home, "anchorvmail", "anchorvmail")
            shutil.chown(os.path.dirname(home), "anchorvmail", "anchorvmail")
            subprocess.run([BIN_FILL, "maildir", self.maildir(a), str(count)], check=True,
                           user="anchorvmail", group="anchorvmail")
        log(f"dovecot: {len(addresses)} x {count} Maildir files written in {time.time() - t:.1f} s")

    def memory(self):
        return self.dovecot_memory(("pop3", "pop3-login"))

    def cleanup(self):
        if self.users:
            self.remove_homes(self.users)
            self.rewrite_users(set(self.users), [])
        if not self.was_running:
            self.locked(["down"])


def load(args, port, users_fmt, first, sessions, mode="retr"):
    cmd = [BIN_LOAD, mode, "--port", str(port), "--users", users_fmt, "--first", str(first),
           "--sessions", str(sessions), "--password", PASSWORD, "--window", str(args.window)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=1800)
    return json.loads(res.stdout)


def idle_memory(port, users_fmt, sessions, measure):
    before = measure()
    proc = subprocess.Popen([BIN_LOAD, "idle", "--port", str(port), "--users", users_fmt, "--first", "0",
                             "--sessions", str(sessions), "--password", PASSWORD],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError("idle client failed: " + line)
        time.sleep(2)  # let logins settle (freed login buffers, finished pool jobs)
        after = measure()
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return before, after


def rate(result):
    s = result["seconds"]
    return result["messages"] / s, result["bytes"] / s / 1e6


def main():
    global BIN_FILL, BIN_LOAD
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="directory with mailroom, pop3d, pop3_fill, pop3_load")
    p.add_argument("--work", default="/var/tmp/mailroom-pop3-bench")
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--idle", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--threads", type=int, help="[pop3] threads of pop3d (default: the config's, 0 = one per CPU)")
    args = p.parse_args()
    BIN_FILL = os.path.join(args.bin, "pop3_fill")
    BIN_LOAD = os.path.join(args.bin, "pop3_load")
    if os.geteuid() != 0:
        sys.exit("pop3_bench.py: run as root (it drops to the mailroom and anchorvmail accounts)")

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    os.chmod(args.work, 0o755)
    results = {}

    ceiling = [rate(json.loads(subprocess.run([BIN_LOAD, "selftest", "--messages", str(args.messages * 5),
                                                "--window", str(args.window)],
                                               check=True, capture_output=True, text=True).stdout))
               for _ in range(args.rounds)]
    results["client_ceiling_msgs_per_s"] = median(r[0] for r in ceiling)
    log(f"client ceiling (fake server, 1 session): {results['client_ceiling_msgs_per_s']:.0f} msg/s")

    bench_mr = [f"bench{i}@example.test" for i in range(args.users)]
    idle_mr = [f"idle{i}@example.test" for i in range(args.idle)]
    bench_dc = [f"pop3bench{i}@{DOVECOT_DOMAIN}" for i in range(args.users)]
    idle_dc = [f"pop3idle{i}@{DOVECOT_DOMAIN}" for i in range(args.idle)]
    mr = Mailroom(args.bin, args.work, args.threads)
    dc = None
    try:
        dc = Dovecot()
        t = time.time()
        mr.add_users(bench_mr + idle_mr)
        dc.add_users(bench_dc + idle_dc)
        log(f"users added in {time.time() - t:.1f} s")
        mr.fill(bench_mr, args.messages)
        dc.fill(bench_dc, args.messages)
        mr.up()
        # Memory first, on fresh daemons: after the throughput rounds the heap holds freed
        # snapshot memory that new sessions would reuse, hiding their cost.
        mb, ma = idle_memory(mr.pop3_port, "idle%d@example.test", args.idle, mr.memory)
        db, da = idle_memory(dc.pop3_port, f"pop3idle%d@{DOVECOT_DOMAIN}", args.idle, dc.memory)
        systems = {"mailroom": (mr.pop3_port, "bench%d@example.test"),
                   "dovecot": (dc.pop3_port, f"pop3bench%d@{DOVECOT_DOMAIN}")}
        for name, (port, fmt) in systems.items():
            t = time.time()
            warm = load(args, port, fmt, 0, args.users)
            log(f"{name}: untimed warm-up pass ({warm['messages']} messages) in {time.time() - t:.1f} s")
            if warm["messages"] != args.users * args.messages:
                raise RuntimeError(f"{name}: expected {args.users * args.messages} messages, got {warm['messages']}")
        runs = {(s, k): [] for s in systems for k in ("single", "parallel")}
        for r in range(args.rounds):
            for name, (port, fmt) in systems.items():
                runs[(name, "single")].append(load(args, port, fmt, 0, 1))
                runs[(name, "parallel")].append(load(args, port, fmt, 0, args.users))
                log(f"round {r + 1}: {name}: single {rate(runs[(name, 'single')][-1])[0]:.0f} msg/s, "
                    f"parallel {rate(runs[(name, 'parallel')][-1])[0]:.0f} msg/s")
        for (name, kind), rs in runs.items():
            results[f"{name}_{kind}"] = {
                "msgs_per_s": median(rate(x)[0] for x in rs),
                "mb_per_s": median(rate(x)[1] for x in rs),
                "login_s": median(x["login_max"] for x in rs),
                "messages": rs[0]["messages"],
            }
        results["memory"] = {"mailroom_rss_before_kib": mb[0], "mailroom_rss_after_kib": ma[0],
                             "mailroom_kib_per_conn": (ma[0] - mb[0]) / args.idle,
                             "dovecot_rss_before_kib": db[0], "dovecot_rss_after_kib": da[0],
                             "dovecot_rss_kib_per_conn": (da[0] - db[0]) / args.idle,
                             "dovecot_pss_kib_per_conn": (da[1] - db[1]) / args.idle}
    finally:
        mr.stop()
        if dc is not None:
            dc.cleanup()
        shutil.rmtree(args.work, ignore_errors=True)

    print(f"POP3 benchmark (issue 5): {args.messages} x 4 KiB messages per INBOX, {args.users} users "
          f"for the parallel case, medians of {args.rounds} rounds, client window {args.window}")
    print(f"client ceiling (same client, in-process fake server): {results['client_ceiling_msgs_per_s']:.0f} msg/s")
    print(f"{'case':<34}{'mailroom msg/s':>15}{'MB/s':>8}{'dovecot msg/s':>15}{'MB/s':>8}{'ratio':>8}")
    for kind, label in (("single", f"RETR all, 1 session x {args.messages}"),
                        ("parallel", f"RETR all, {args.users} sessions x {args.messages}")):
        m, d = results[f"mailroom_{kind}"], results[f"dovecot_{kind}"]
        print(f"{label:<34}{m['msgs_per_s']:>15.0f}{m['mb_per_s']:>8.1f}{d['msgs_per_s']:>15.0f}"
              f"{d['mb_per_s']:>8.1f}{m['msgs_per_s'] / d['msgs_per_s']:>7.2f}x")
    print(f"login + STAT of a {args.messages}-message INBOX (slowest session, median): "
          f"mailroom {results['mailroom_single']['login_s'] * 1000:.0f} ms (argon2id), "
          f"dovecot {results['dovecot_single']['login_s'] * 1000:.0f} ms (PLAIN passwd-file)")
    mem = results["memory"]
    print(f"memory per idle authenticated connection ({args.idle} connections, empty INBOX): "
          f"pop3d {mem['mailroom_kib_per_conn']:.1f} KiB RSS "
          f"({mem['mailroom_rss_before_kib']} -> {mem['mailroom_rss_after_kib']} KiB); "
          f"dovecot pop3+pop3-login {mem['dovecot_rss_kib_per_conn']:.1f} KiB RSS, "
          f"{mem['dovecot_pss_kib_per_conn']:.1f} KiB PSS")
    print("json: " + json.dumps(results))


if __name__ == "__main__":
    main()
