#!/usr/bin/env python3
"""Time from the final dot to the 250 reply under concurrent load.

N sessions, each one connection (EHLO once) sending its share of messages back to back;
for every message the time between writing "\\r\\n.\\r\\n" and reading the reply.
Prints `p50_ms=.. p99_ms=.. rate=..` on one line (rate: messages/s over the whole run).
With --auth USER:PASSWORD each session logs in first (AUTH PLAIN; the server must allow
plaintext on loopback), as a submission client does.
"""
import argparse
import asyncio
import base64
import time


async def read_reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            return line


async def expect(reader, code):
    line = await read_reply(reader)
    if not line.startswith(code):
        raise RuntimeError(f"expected {code!r}, got {line!r}")


async def session(port, to, count, body, latencies, mail_from, auth):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await expect(reader, b"220")
    writer.write(b"EHLO client.test\r\n")
    await expect(reader, b"250")
    if auth:
        user, password = auth.split(":", 1)
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        writer.write(f"AUTH PLAIN {token}\r\n".encode())
        await expect(reader, b"235")
    for i in range(count):
        writer.write(f"MAIL FROM:<{mail_from}>\r\n".encode())
        await expect(reader, b"250")
        writer.write(f"RCPT TO:<{to}>\r\n".encode())
        await expect(reader, b"250")
        writer.write(b"DATA\r\n")
        await expect(reader, b"354")
        writer.write(f"Message-ID: <{time.time_ns()}.{i}@client.test>\r\n".encode() + body)
        await writer.drain()
        t = time.perf_counter()
        writer.write(b"\r\n.\r\n")
        await expect(reader, b"250")
        latencies.append(time.perf_counter() - t)
    writer.write(b"QUIT\r\n")
    await read_reply(reader)
    writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--mail-from", default="bench@client.test")
    ap.add_argument("--auth", help="USER:PASSWORD to log in with before sending")
    args = ap.parse_args()
    line = b"x" * 76 + b"\r\n"
    body = (f"From: {args.mail_from}\r\nTo: {args.to}\r\nSubject: latency\r\n"
            f"Date: Mon, 07 Dec 2026 04:00:00 +0000\r\n\r\n").encode() + line * (args.size // len(line))
    body = body.rstrip(b"\r\n")
    latencies = []
    per = args.messages // args.sessions
    t = time.perf_counter()
    await asyncio.gather(*(session(args.port, args.to, per, body, latencies, args.mail_from, args.auth) for _ in range(args.sessions)))
    elapsed = time.perf_counter() - t
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(f"p50_ms={p50:.3f} p99_ms={p99:.3f} rate={len(latencies) / elapsed:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
