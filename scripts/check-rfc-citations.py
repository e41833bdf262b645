#!/usr/bin/env python3
"""Checks that every RFC section cited in the source exists in the RFC texts.

Comments cite rules as `RFC 5321 §4.1.2` (more sections may follow: `§4.1.2 and §3.3`,
`§4.1.2, §4.1.3`), optionally with a line, `(rfc5321.txt:1234)`. A citation of a section
that the RFC does not have, or of a line outside the cited section, is an error: the reader
who looks it up finds something else. The texts are ../shared/rfc/ beside the checkout, or
$MR_RFC_DIR; citations of RFCs that are not there are listed, not checked.

    scripts/check-rfc-citations.py            exit 1 and one line per bad citation
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
RFC_DIR = os.environ.get("MR_RFC_DIR") or os.path.join(ROOT, "..", "shared", "rfc")
SOURCE_DIRS = ["common", "storage", "smtpd", "deliverd", "pop3d", "imapd", "webd", "sieved", "mailroom",
               "tests", "bench", "scripts", "etc"]
SOURCE_EXT = (".cpp", ".hpp", ".py", ".sh", ".toml", ".js", ".txt", ".md")

SECTION = r"(?:Appendix\s+)?(?:[A-Z]|[0-9]+)(?:\.[0-9]+)*"
CITATION = re.compile(r"RFC\s?(\d{3,5})((?:(?:,\s*|\s+and\s+|\s*/\s*|\s+)§\s?" + SECTION + r")+)"
                      r"(?:(?:(?!RFC)[^\n(]){0,40}\((rfc\d+\.txt):(\d+)\))?")
SECTION_REF = re.compile(r"§\s?(" + SECTION + r")")


def sections_of(text):
    """Section number -> (first line, line after its last) of each heading of the text.

    Headings start in the first column ("4.1.2.  Command Argument Syntax", "Appendix D.");
    the indented lines of the table of contents and of numbered lists do not count."""
    heads = []
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"(?:Appendix\s+)?((?:[A-Z]|[0-9]+)(?:\.[0-9]+)*)\.?\s+[A-Z0-9\"']", line)
        if m and not re.search(r"\.{3,}\s*\d+$|\s\d+$", line):
            heads.append((m.group(1), n))
    spans = {}
    for i, (number, start) in enumerate(heads):
        end = text.count("\n") + 2
        for later, line in heads[i + 1:]:
            if not later.startswith(number + "."):
                end = line
                break
        spans.setdefault(number, (start, end))
    return spans


def main():
    if not os.path.isdir(RFC_DIR):
        # A checkout without shared/ beside it (an operator's machine) has nothing to check against.
        print(f"check-rfc-citations: skipped, no RFC texts at {RFC_DIR} (set MR_RFC_DIR)")
        return 0
    cache = {}
    errors = []
    unchecked = []  # RFCs that shared/rfc does not hold: their sections cannot be checked
    count = 0
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", "corpus")]
            for name in filenames:
                if not name.endswith(SOURCE_EXT):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    source = f.read()
                for m in CITATION.finditer(source):
                    rfc = m.group(1)
                    where = f"{os.path.relpath(path, ROOT)}:{source.count(chr(10), 0, m.start()) + 1}"
                    if rfc not in cache:
                        p = os.path.join(RFC_DIR, f"rfc{rfc}.txt")
                        if os.path.exists(p):
                            with open(p, encoding="utf-8", errors="replace") as f:
                                text = f.read()
                            cache[rfc] = (sections_of(text), text.count("\n") + 1)
                        else:
                            cache[rfc] = None
                    if cache[rfc] is None:
                        unchecked.append(f"{where}: RFC {rfc}")
                        continue
                    sections, lines = cache[rfc]
                    cited = [re.sub(r"^Appendix\s+", "", r.group(1)) for r in SECTION_REF.finditer(m.group(2))]
                    for section in cited:
                        count += 1
                        if section not in sections:
                            errors.append(f"{where}: RFC {rfc} has no section {section}")
                    if m.group(3):
                        line = int(m.group(4))
                        if m.group(3) != f"rfc{rfc}.txt":
                            errors.append(f"{where}: RFC {rfc} cited with a line of {m.group(3)}")
                        elif line > lines:
                            errors.append(f"{where}: rfc{rfc}.txt has no line {line}")
                        elif not any(s in sections and sections[s][0] <= line < sections[s][1] for s in cited):
                            errors.append(f"{where}: rfc{rfc}.txt:{line} is not in §{', §'.join(cited)}")
    for e in errors:
        print(e)
    if unchecked:
        print(f"not checked, the RFC is not in {RFC_DIR}: " + "; ".join(unchecked))
    print(f"check-rfc-citations: {count} section citations checked, {len(errors)} wrong, "
          f"{len(unchecked)} of RFCs not at hand")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
