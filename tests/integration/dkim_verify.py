"""Verifies every DKIM-Signature of a message with dkimpy, the reference implementation.

Run by Debian's /usr/bin/python3 (python3-dkim, python3-nacl for ed25519-sha256), not the
test's interpreter:  dkim_verify.py RECORDS.json < message
RECORDS.json is `mailroom dns DOMAIN --json`: the keys are looked up there, not in DNS.
Prints one JSON object: {"signatures": [{"a": ..., "s": ..., "d": ..., "h": ..., "valid": bool}]}.
"""
import json
import sys

import dkim


def main():
    with open(sys.argv[1]) as f:
        records = {r["name"].rstrip(".").lower(): r["value"] for r in json.load(f) if r["type"] == "TXT"}
    message = sys.stdin.buffer.read()

    def dnsfunc(name, timeout=5):
        return records.get(name.decode().rstrip(".").lower(), "").encode()

    d = dkim.DKIM(message)
    headers = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    out = []
    for i, value in enumerate(headers):
        tags = dkim.util.parse_tag_value(b"".join(value.split()))
        valid = d.verify(idx=i, dnsfunc=dnsfunc)
        out.append({k: tags.get(k.encode(), b"").decode() for k in ("a", "s", "d", "h", "c")} | {"valid": bool(valid)})
    print(json.dumps({"signatures": out}))


main()
