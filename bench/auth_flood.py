#!/usr/bin/env python3
"""Login flood against imapd: does one machine hammering LOGIN starve everyone else?

A scratch mailroom instance (no reference stack needed). --flooders parallel loops from
127.0.0.1 each connect, send `a LOGIN user wrong-password` and hang up without waiting for
the answer, for --seconds. Meanwhile, from 127.0.0.2 (all of 127/8 is loopback on Linux,
and the server counts failures per address, so the legitimate client has a clean record),
one legitimate LOGIN with the right password every (--seconds - 1)/--logins seconds, each
on its own connection and thread, timed from connect to the tagged OK. After the flood, imapd's CPU time (utime+stime of /proc/PID/stat)
in each of the next --after seconds: work still running for clients that are long gone.

Prints one line of figures:
  login_median_s=.. login_max_s=.. logins=N/M flood_attempts=.. cpu_after_s=[a,b,...]
Run as root from the checkout: `bench/auth_flood.py --bin build/release/bin`.
"""
import argparse
import asyncio
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MailroomInstance, child_processes, log, median  # noqa: E402

USER = "flood@example.test"
PASSWORD = "flood-password-1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 (utime, stime), counted from 1 with pid and comm before the ")".
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


async def flooder(port, stop_at, counter):
    login = f"a LOGIN {USER} wrong-password\r\n".encode()
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            await asyncio.wait_for(reader.readline(), 5)  # greeting
            writer.write(login)
            await writer.drain()
            writer.close()
            counter[0] += 1
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.01)


def legit_login(port, timeout=60.0):
    """Seconds from connect to the tagged OK of a correct LOGIN from 127.0.0.2, or None."""
    start = time.monotonic()
    try:
        with socket.socket() as s:
            s.settimeout(timeout)
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", port))
            f = s.makefile("rb")
            f.readline()
            s.sendall(f"l1 LOGIN {USER} {PASSWORD}\r\n".encode())
            while True:
                line = f.readline()
                if not line:
                    return None
                if line.startswith(b"l1 "):
                    ok = line.startswith(b"l1 OK")
                    break
            elapsed = time.monotonic() - start
            s.sendall(b"l2 LOGOUT\r\n")
            return elapsed if ok else None
    except OSError:
        return None


def legit_logins(port, count, interval, out):
    """One login every `interval` seconds, each on its own thread, so a slow one does not
    push the next ones out of the flood."""
    threads = []
    for i in range(count):
        t = threading.Thread(target=lambda: out.append(legit_login(port)))
        t.start()
        threads.append(t)
        time.sleep(interval)
    for t in threads:
        t.join()


async def flood(port, flooders, seconds, counter):
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(flooder(port, stop_at, counter) for _ in range(flooders)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "build", "release", "bin"))
    ap.add_argument("--flooders", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--logins", type=int, default=10)
    ap.add_argument("--after", type=int, default=6)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="auth-flood-") as tmp:
        os.chmod(tmp, 0o755)
        inst = MailroomInstance(os.path.abspath(args.bin), os.path.join(tmp, "inst"),
                                domain="example.test",
                                edits=[("allow_plaintext_on_loopback = false",
                                        "allow_plaintext_on_loopback = true")])
        inst.add_user(USER, PASSWORD)
        inst.up(wait_for=("imap",))
        try:
            # `up` binds the listeners itself: an open port does not mean imapd runs yet.
            deadline = time.monotonic() + 30
            while "imapd" not in child_processes(inst.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            pid = child_processes(inst.proc.pid)["imapd"]
            port = inst.port("imap")
            baseline = legit_login(port)
            log(f"idle login: {baseline:.3f} s" if baseline is not None else "idle login failed")

            latencies = []
            # Legitimate logins start one second into the flood, once it is under way.
            interval = (args.seconds - 1.0) / args.logins
            legit = threading.Thread(target=lambda: (time.sleep(1.0), legit_logins(port, args.logins, interval,
                                                                                   latencies)))
            counter = [0]
            legit.start()
            asyncio.run(flood(port, args.flooders, args.seconds, counter))
            flood_end = time.monotonic()
            cpu = [cpu_seconds(pid)]
            for i in range(args.after):
                time.sleep(max(0.0, flood_end + i + 1 - time.monotonic()))
                cpu.append(cpu_seconds(pid))
            legit.join()
            per_second = [round(b - a, 2) for a, b in zip(cpu, cpu[1:])]
            done = [x for x in latencies if x is not None]
            print(f"login_median_s={median(done) if done else float('nan'):.3f} "
                  f"login_max_s={max(done) if done else float('nan'):.3f} "
                  f"logins={len(done)}/{len(latencies)} flood_attempts={counter[0]} "
                  f"cpu_after_s={per_second}", flush=True)
        finally:
            inst.stop()


if __name__ == "__main__":
    main()
