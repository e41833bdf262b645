"""Signs test messages with dkimpy, the reference implementation, for test_dkim_interop.py.

Run by Debian's /usr/bin/python3 (python3-dkim, python3-nacl for ed25519-sha256), not the
test's interpreter:  dkim_sign.py OUTDIR
Writes OUTDIR/zone.txt (one "name<TAB>TXT value" per line, for mr-test-dkim-verify),
OUTDIR/<case>.eml (signed by dkimpy) and OUTDIR/<case>.tampered.eml (the same, changed after
signing), and prints one JSON object: {"cases": [{"name": ..., "a": ..., "c": ..., "l": bool}]}.
"""
import base64
import json
import os
import subprocess
import sys

import dkim
import nacl.signing

DOMAIN = b"example.test"

# RFC 8463 §A.1 (rfc8463.txt:293): the Ed25519 secret key as dkimpy takes it (base64 seed).
RFC8463_ED25519 = b"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="

MESSAGES = {
    "plain": (b"From: Alice <alice@example.test>\r\nTo: Bob <bob@example.net>\r\n"
              b"Subject: Is dinner ready?\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
              b"Message-ID: <plain@example.test>\r\n\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n"
              b"\r\nJoe.\r\n"),
    # Folded fields, odd spacing and case, tabs, trailing whitespace, empty lines at the end.
    "messy": (b"from:   Alice  <alice@example.test> \r\nTO: Bob <bob@example.net>,\r\n\tCarol <carol@example.net>\r\n"
              b"Subject:\ta  subject\r\n  folded   twice\r\n\tand again \r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"
              b"X-Extra: not signed\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
              b"line with trailing space   \r\n\ttabbed\tline\t\r\n\r\n  \r\nmore  text\r\n\r\n\r\n\r\n"),
    "empty_body": (b"From: alice@example.test\r\nTo: bob@example.net\r\nSubject: nothing\r\n\r\n"),
}

HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def rsa_key(out):
    pem = os.path.join(out, "rsa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pem],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    with open(pem, "rb") as f:
        return f.read(), base64.b64encode(der).decode()


def ed25519_key(seed_b64):
    sk = nacl.signing.SigningKey(base64.b64decode(seed_b64))
    return seed_b64, base64.b64encode(sk.verify_key.encode()).decode()


def tamper(message):
    """The message changed where a signature covers it: the Subject, and the body's start."""
    head, _, body = message.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(b"subject:"):
            lines[i] = line + b" (changed)"
    return b"\r\n".join(lines) + b"\r\n\r\n" + b"Changed. " + body


def main():
    out = sys.argv[1]
    rsa_private, rsa_public = rsa_key(out)
    ed_rfc_private, ed_rfc_public = ed25519_key(RFC8463_ED25519)
    ed_new_private, ed_new_public = ed25519_key(base64.b64encode(bytes(nacl.signing.SigningKey.generate())))
    keys = {
        b"rsa": (b"rsa-sha256", rsa_private, f"v=DKIM1; k=rsa; p={rsa_public}"),
        b"brisbane": (b"ed25519-sha256", ed_rfc_private, f"v=DKIM1; k=ed25519; p={ed_rfc_public}"),
        b"ed": (b"ed25519-sha256", ed_new_private, f"v=DKIM1; k=ed25519; p={ed_new_public}"),
    }
    with open(os.path.join(out, "zone.txt"), "w") as f:
        for selector, (_, _, record) in keys.items():
            f.write(f"{selector.decode()}._domainkey.{DOMAIN.decode()}\t{record}\n")

    cases = []
    for msg_name, message in MESSAGES.items():
        for selector, (algorithm, private, _) in keys.items():
            for canon in [(b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple"),
                          (b"simple", b"relaxed")]:
                for length in (False, True):
                    name = "%s-%s-%s-%s%s" % (msg_name, selector.decode(), canon[0].decode(), canon[1].decode(),
                                              "-l" if length else "")
                    identity = b"alice@mail.example.test" if length else None
                    sig = dkim.sign(message, selector, DOMAIN, private, identity=identity, canonicalize=canon,
                                    signature_algorithm=algorithm, include_headers=HEADERS, length=length)
                    signed = sig + message
                    # dkimpy must accept its own signature, or the case proves nothing.
                    assert dkim.verify(signed, dnsfunc=lambda n, timeout=5: _record(keys, n)), name
                    with open(os.path.join(out, name + ".eml"), "wb") as f:
                        f.write(signed)
                    with open(os.path.join(out, name + ".tampered.eml"), "wb") as f:
                        f.write(sig + tamper(message))
                    cases.append({"name": name, "a": algorithm.decode(), "c": b"/".join(canon).decode(),
                                  "l": length})
    print(json.dumps({"cases": cases}))


def _record(keys, name):
    selector = name.split(b".")[0]
    return keys[selector][2].encode() if selector in keys else b""


main()
