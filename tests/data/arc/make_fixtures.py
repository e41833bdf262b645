#!/usr/bin/python3
"""Writes the ARC test messages of this folder with dkimpy (Debian's python3-dkim), the
reference ARC implementation: `/usr/bin/python3 make_fixtures.py [DIR]` writes them into DIR
(default: this folder).
RSA PKCS#1 v1.5 signatures and the fixed timestamps make the output the same every run.

  zone.txt       "name<TAB>TXT value" lines: the keys of both sealers
  arc1.eml       one hop: lists.example sealed it (i=1, cv=none)
  arc2.eml       two hops: fwd.example sealed arc1.eml again (i=2, cv=pass)
  arc2_footer.eml two hops, the second after changing Subject and body as a mailing list
                 does: the chain passes, the first AMS no longer does (oldest-pass=2)

Each message is checked with dkimpy's arc_verify against zone.txt before it is written.
The key is RFC 6376 Appendix C's 1024-bit example key, the one the DKIM unit tests use.
"""
import os
import sys

import dkim

HERE = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
KEY = b"""-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
-----END RSA PRIVATE KEY-----
"""
RECORD = ("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
          "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
          "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
          "Ip3G+2kryOTIKT+l/K4w3QIDAQAB")
ZONE = {"arc1._domainkey.lists.example": RECORD, "arc2._domainkey.fwd.example": RECORD}
T1, T2 = 1700000000, 1700000600

ORIGINAL = (b"From: Alice <alice@origin.example>\r\n"
            b"To: list@lists.example\r\n"
            b"Subject: ARC test\r\n"
            b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            b"Message-ID: <arc-test-1@origin.example>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=us-ascii\r\n"
            b"\r\n"
            b"Hello through the list.\r\n")


def dnsfunc(name, timeout=5):
    return ZONE.get(name.decode().rstrip("."), "").encode() or None


def seal(message, selector, domain, results, timestamp):
    """The message as `domain` passes it on: its own Authentication-Results (which dkimpy
    copies into the AAR and takes cv= from), then the new ARC set on top."""
    srv = domain.encode()
    with_results = b"Authentication-Results: " + srv + b"; " + results + b"\r\n" + message
    arc_set = dkim.arc_sign(with_results, selector.encode(), srv, KEY, srv, timestamp=timestamp)
    if not arc_set:
        sys.exit("dkimpy did not seal for " + domain)
    return b"".join(arc_set) + with_results


def write(name, message):
    cv, _, why = dkim.arc_verify(message, dnsfunc=dnsfunc)
    if cv != dkim.CV_Pass:
        sys.exit(f"dkimpy does not pass its own {name}: {cv} {why}")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(message)


def main():
    hop1 = seal(ORIGINAL, "arc1", "lists.example", b"spf=pass smtp.mailfrom=alice@origin.example", T1)
    write("arc1.eml", hop1)
    write("arc2.eml", seal(hop1, "arc2", "fwd.example", b"arc=pass header.oldest-pass=0", T2))
    changed = hop1.replace(b"Subject: ARC test", b"Subject: [list] ARC test") + b"-- \r\nlist footer\r\n"
    write("arc2_footer.eml", seal(changed, "arc2", "fwd.example", b"arc=pass header.oldest-pass=0", T2))
    with open(os.path.join(HERE, "zone.txt"), "w") as f:
        for name, value in sorted(ZONE.items()):
            f.write(f"{name}\t{value}\n")


if __name__ == "__main__":
    main()
