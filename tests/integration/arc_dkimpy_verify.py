"""dkimpy's ARC validator over message files, keys from a zone file: one JSON object per
file, {"file": ..., "result": "pass" | "fail" | "none", "reason": ...}. Runs under Debian's
/usr/bin/python3 (python3-dkim), for test_arc_interop.py.

    /usr/bin/python3 arc_dkimpy_verify.py ZONE_FILE MESSAGE_FILE...
"""
import json
import sys

import dkim


def main():
    zone = {}
    with open(sys.argv[1]) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition("\t")
            zone[name] = value

    def dnsfunc(name, timeout=5):
        value = zone.get(name.decode().rstrip("."))
        return value.encode() if value else None

    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            message = f.read()
        cv, _, reason = dkim.arc_verify(message, dnsfunc=dnsfunc)
        # None: the newest seal said cv=fail, "the chain is terminated".
        result = cv.decode() if cv is not None else "fail"
        print(json.dumps({"file": path, "result": result, "reason": reason}))


if __name__ == "__main__":
    main()
