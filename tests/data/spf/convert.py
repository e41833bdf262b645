#!/usr/bin/env python3
"""Turns the RFC 7208 test suite (rfc7208-tests.yml, from pyspf; see rfc7208-tests.LICENSE)
into rfc7208-tests.tsv, which tests/unit/spf/spf_suite_test.cpp reads without a YAML parser.

One line per item, tab-separated; values that may hold any byte are hex:
  scenario  <description>
  dns       <name> <TYPE> <hex value>     TYPE: A AAAA MX PTR CNAME TXT SPF TIMEOUT
  test      <id> <helo> <host> <hex mailfrom> <result[,result...]> <hex explanation or ->
Run it again only when the suite changes:  python3 convert.py
"""
import yaml


def hexs(s):
    return s.encode("utf-8", "surrogateescape").hex() if s else ""


def main():
    out = []
    with open("rfc7208-tests.yml", encoding="utf-8") as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        out.append("scenario\t" + doc["description"].replace("\t", " ").replace("\n", " "))
        for name, records in doc["zonedata"].items():
            for r in records:
                if not isinstance(r, dict):
                    out.append(f"dns\t{name.lower()}\t{r}\t")
                    continue
                for t, v in r.items():
                    if t == "MX":
                        v = f"{v[0]} {v[1]}"
                    elif isinstance(v, list):  # a TXT/SPF record of several strings
                        v = "".join(v)
                    out.append(f"dns\t{name.lower()}\t{t}\t{hexs(str(v))}")
        for tid, t in doc["tests"].items():
            results = t["result"] if isinstance(t["result"], list) else [t["result"]]
            exp = t.get("explanation")
            out.append("\t".join(["test", tid, t["helo"], t["host"], hexs(t["mailfrom"]), ",".join(results),
                                  hexs(exp) if exp is not None else "-"]))
    with open("rfc7208-tests.tsv", "w") as f:
        f.write("\n".join(out) + "\n")


main()
