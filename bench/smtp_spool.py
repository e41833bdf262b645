#!/usr/bin/env python3
"""Memory of smtpd under many large or slow messages: is a session's memory bounded?

A scratch mailroom instance (no reference stack needed). Two phases, each against a fresh
`mailroom up` so that the peak of one does not hide the other:
  full:    --sessions concurrent inbound sessions, each sending one --size-mib message as
           fast as the connection takes it, then waiting for the reply to the final dot.
  trickle: --trickle-sessions concurrent sessions that enter DATA and then send one byte a
           second for --trickle-seconds, then hang up (nothing is queued).
After each phase: smtpd's peak resident memory (VmHWM in /proc/PID/status of the smtpd
child of `mailroom up`), and for `full` the replies counted (250 / other / no reply) and
the time taken. The queued messages are removed with the instance afterwards.

Prints one line per phase:
  phase=full sessions=N size_mib=S smtpd_vmhwm_mib=.. ok=.. refused=.. failed=.. seconds=..
  phase=trickle sessions=N seconds=T smtpd_vmhwm_mib=..
Run as root from the checkout: `bench/smtp_spool.py --bin build/release/bin`.
Disk: --sessions x --size-mib in the queue (and again in the Maildir once deliverd has
delivered); check `df -h` first.
"""
import argparse
import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MailroomInstance, child_processes, log  # noqa: E402

USER = "big@example.test"
PASSWORD = "spool-password-1"


def vmhwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_message(size):
    head = (f"From: sender@remote.test\r\nTo: {USER}\r\nSubject: spool bench\r\n"
            "Message-ID: <bench@remote.test>\r\n\r\n").encode()
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd\r\n"
    body = line * ((size - len(head)) // len(line) + 1)
    return head + body[:size - len(head) - 2] + b"\r\n"


async def expect(reader, code):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            if not line.startswith(code):
                raise RuntimeError(line.decode(errors="replace").strip())
            return line


async def envelope(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await expect(reader, b"220")
    writer.write(b"EHLO bench.test\r\n")
    await expect(reader, b"250")
    writer.write(b"MAIL FROM:<sender@remote.test>\r\n")
    await expect(reader, b"250")
    writer.write(f"RCPT TO:<{USER}>\r\n".encode())
    await expect(reader, b"250")
    writer.write(b"DATA\r\n")
    await expect(reader, b"354")
    return reader, writer


async def full_session(port, message, results):
    try:
        reader, writer = await envelope(port)
        view = memoryview(message)
        for i in range(0, len(view), 65536):
            writer.write(view[i:i + 65536])
            await writer.drain()
        writer.write(b".\r\n")
        reply = await reader.readline()
        results["ok" if reply.startswith(b"250") else "refused"] += 1
        writer.write(b"QUIT\r\n")
        writer.close()
    except Exception as e:  # noqa: BLE001 -- counted, the run goes on
        results["failed"] += 1
        results.setdefault("error", repr(e))


async def trickle_session(port, seconds, results):
    try:
        reader, writer = await envelope(port)
        writer.write(b"Subject: slow\r\n\r\n")
        for _ in range(seconds):
            await asyncio.sleep(1)
            writer.write(b"x")
            await writer.drain()
        results["ok"] += 1
        writer.close()
    except Exception as e:  # noqa: BLE001
        results["failed"] += 1
        results.setdefault("error", repr(e))


async def run_all(coros):
    await asyncio.gather(*coros)


def phase(args, name):
    directory = tempfile.mkdtemp(prefix="spool-bench-", dir=args.dir)
    os.chmod(directory, 0o755)  # the daemons run as the mailroom account
    # Every session comes from 127.0.0.1.
    inst = MailroomInstance(args.bin, os.path.join(directory, "inst"),
                            edits=[("max_connections_per_ip = 50", "max_connections_per_ip = 1000")])
    try:
        inst.add_user(USER, PASSWORD)
        inst.up(wait_for=("smtp",))
        time.sleep(0.5)
        smtpd = child_processes(inst.proc.pid)["smtpd"]
        results = {"ok": 0, "refused": 0, "failed": 0}
        start = time.monotonic()
        if name == "full":
            message = make_message(args.size_mib * 1024 * 1024)
            asyncio.run(run_all([full_session(inst.port("smtp"), message, results)
                                 for _ in range(args.sessions)]))
        else:
            asyncio.run(run_all([trickle_session(inst.port("smtp"), args.trickle_seconds, results)
                                 for _ in range(args.trickle_sessions)]))
        seconds = time.monotonic() - start
        peak = vmhwm_mib(smtpd)
        if name == "full":
            print(f"phase=full sessions={args.sessions} size_mib={args.size_mib} smtpd_vmhwm_mib={peak:.0f}"
                  f" ok={results['ok']} refused={results['refused']} failed={results['failed']}"
                  f" seconds={seconds:.1f}", flush=True)
        else:
            print(f"phase=trickle sessions={args.trickle_sessions} seconds={args.trickle_seconds}"
                  f" smtpd_vmhwm_mib={peak:.0f} ok={results['ok']} failed={results['failed']}", flush=True)
        if "error" in results:
            log("first error:", results["error"])
    finally:
        inst.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="build/release/bin")
    p.add_argument("--dir", default=None, help="where the scratch instance goes (default: $TMPDIR)")
    p.add_argument("--sessions", type=int, default=500)
    p.add_argument("--size-mib", type=int, default=20)
    p.add_argument("--trickle-sessions", type=int, default=500)
    p.add_argument("--trickle-seconds", type=int, default=20)
    p.add_argument("--phases", default="full,trickle")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    # Two descriptors a session on our side, and as many in smtpd (mailroom up passes its
    # limit on to the daemons it starts).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, 4 * max(args.sessions, args.trickle_sessions) + 256)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    need = args.sessions * args.size_mib * 1024 * 1024 * 2
    free = shutil.disk_usage(args.dir or tempfile.gettempdir()).free
    if "full" in args.phases and need > free * 0.8:
        sys.exit(f"not enough disk: about {need >> 30} GiB needed, {free >> 30} GiB free")
    for name in args.phases.split(","):
        phase(args, name)


if __name__ == "__main__":
    main()
