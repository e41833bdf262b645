#!/usr/bin/env python3
"""Writes the client side of each transcript in tests/dialogs/<protocol>/ as a fuzz seed.

    seeds_from_dialogs.py PROTOCOL OUT_DIR [PREFIX_BYTE]

Each seed is the transcript's C: lines joined with CRLF, with the runner's placeholders
replaced by the fuzz targets' fixed account (alice@example.test, "secret"). PREFIX_BYTE
(decimal) is put first for targets that read options from the first byte.
"""
import os
import sys

DIALOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dialogs")
NAMES = {"{user}": "alice@example.test", "{local}": "alice", "{password}": "secret"}


def main():
    protocol, out = sys.argv[1], sys.argv[2]
    prefix = bytes([int(sys.argv[3])]) if len(sys.argv) > 3 else b""
    os.makedirs(out, exist_ok=True)
    folder = os.path.join(DIALOGS, protocol)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        lines = []
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                if line.startswith("C:"):
                    text = line[2:].rstrip("\n").removeprefix(" ")
                    for k, v in NAMES.items():
                        text = text.replace(k, v)
                    lines.append(text)
        data = prefix + "".join(t + "\r\n" for t in lines).encode()
        path = os.path.join(out, name.removesuffix(".txt"))
        try:
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
