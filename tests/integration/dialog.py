"""Client/server transcripts (tests/dialogs/<protocol>/*.txt) played against a daemon.

A transcript is the exchange as an RFC prints it:

    # comment (RFC 1939 §7, the example of the USER command)
    !messages simple.eml dotted.eml     put these files of tests/dialogs/messages/ in INBOX first
    S: +OK {*}                          the next line the server sends must match
    C: USER {user}                      the client sends this line (CRLF added)
    S*: 250-{*}                         any number of lines matching, then go on
    S~: * {n} EXISTS                    a run of S~ lines may arrive in any order
    S~?: * OK [HIGHESTMODSEQ {n}] {*}   ... and S~? lines in that run may be absent
    S?: * {n} RECENT                    a line that may be absent

In S lines, `{*}` matches any text, `{n}` a number, `{set}` an IMAP sequence set (1:3 or
1,2,3: equal sets may be spelled either way), `{atom}` a run of non-space characters;
everything else is literal. `{user}`, `{local}` (its local part) and `{password}` stand, in C and S
lines, for the account the runner created for this transcript (each gets a fresh one).
"""
import os
import re
import socket

DIALOG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dialogs")
MESSAGE_DIR = os.path.join(DIALOG_DIR, "messages")
PLACEHOLDERS = {"{*}": ".*", "{n}": "[0-9]+", "{set}": "[0-9:,*]+", "{atom}": "[^ ]+"}


class DialogError(AssertionError):
    pass


class Step:
    def __init__(self, kind, text, lineno):
        self.kind, self.text, self.lineno = kind, text, lineno

    def pattern(self, names):
        text = self.text
        for name, value in names.items():
            text = text.replace("{" + name + "}", value)
        parts = re.split(r"(\{\*\}|\{n\}|\{set\}|\{atom\})", text)
        return re.compile("".join(PLACEHOLDERS.get(p, re.escape(p)) for p in parts))

    def client_line(self, names):
        text = self.text
        for name, value in names.items():
            text = text.replace("{" + name + "}", value)
        return text


class Dialog:
    def __init__(self, path):
        self.path = path
        self.name = os.path.relpath(path, DIALOG_DIR)
        self.steps = []
        self.messages = []
        with open(path, encoding="utf-8") as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                if line.startswith("!messages "):
                    self.messages += line.split()[1:]
                    continue
                m = re.match(r"(C|S|S\*|S~\??|S\?): ?(.*)$", line)
                if not m:
                    raise DialogError(f"{self.name}:{lineno}: not a transcript line: {line!r}")
                self.steps.append(Step(m.group(1), m.group(2), lineno))

    def message_bytes(self):
        out = []
        for name in self.messages:
            with open(os.path.join(MESSAGE_DIR, name), "rb") as f:
                out.append(f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        return out

    def play(self, port, names, timeout=20):
        """Plays the transcript on a new connection to 127.0.0.1:port; raises DialogError at
        the first server line that does not match, naming the transcript line."""
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            reader = sock.makefile("rb")
            pending = None  # a server line read but not yet matched
            transcript = []

            def next_line():
                nonlocal pending
                if pending is not None:
                    line, pending = pending, None
                    return line
                raw = reader.readline()
                if not raw:
                    return None
                if not raw.endswith(b"\r\n"):
                    raise DialogError(f"{self.name}: server line without CRLF: {raw!r}")
                line = raw[:-2].decode("utf-8", errors="replace")
                transcript.append("S: " + line)
                return line

            def fail(step, got):
                recent = "\n".join(transcript[-12:])
                raise DialogError(f"{self.name}:{step.lineno}: expected {step.kind}: {step.text!r}, "
                                  f"got {got!r}\n--- last lines of the exchange ---\n{recent}")

            i = 0
            while i < len(self.steps):
                step = self.steps[i]
                if step.kind == "C":
                    line = step.client_line(names)
                    transcript.append("C: " + line)
                    sock.sendall(line.encode() + b"\r\n")
                    i += 1
                elif step.kind == "S":
                    got = next_line()
                    if got is None or not step.pattern(names).fullmatch(got):
                        fail(step, got)
                    i += 1
                elif step.kind == "S?":
                    got = next_line()
                    if got is not None and not step.pattern(names).fullmatch(got):
                        pending = got
                    i += 1
                elif step.kind == "S*":
                    pattern = step.pattern(names)
                    while True:
                        got = next_line()
                        if got is None or not pattern.fullmatch(got):
                            pending = got
                            break
                    i += 1
                else:  # a run of S~ and S~? lines, in any order
                    group = []
                    while i < len(self.steps) and self.steps[i].kind in ("S~", "S~?"):
                        group.append(self.steps[i])
                        i += 1
                    while group:
                        got = next_line()
                        match = next((s for s in group if got is not None and s.pattern(names).fullmatch(got)), None)
                        if match is None:
                            required = [s for s in group if s.kind == "S~"]
                            if required:
                                fail(required[0], got)
                            pending = got  # only optional lines were left
                            break
                        group.remove(match)


def dialogs(protocol):
    folder = os.path.join(DIALOG_DIR, protocol)
    return [Dialog(os.path.join(folder, n)) for n in sorted(os.listdir(folder)) if n.endswith(".txt")]
