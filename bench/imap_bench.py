#!/usr/bin/env python3
"""IMAP benchmark of issue 6: mailroom's imapd against the Dovecot of
../shared/anchors/stack.sh, same run, same client, same 10,000-message mailbox.

Run it through bench/imap.sh (or `bench/run.sh imap`), as root. The mailbox comes from
bench/imap_fill.cpp (deterministic mixed MIME: plain text, multipart/alternative with HTML,
base64 attachments, forwarded message/rfc822, RFC 2047 subjects, 2-50 KiB). mailroom gets
it through MailboxStore::append_batch (so the index caches envelope and structure as
deliverd would), Dovecot as Maildir files; Dovecot indexes them in one untimed SELECT +
FETCH pass before anything is timed. A "Big" mailbox holds 10 copies (100,000 messages):
for mailroom made with MailboxStore::copy, for Dovecot as hard links in a Maildir++ folder.

Figures (medians of --rounds runs; each run a fresh connection, LOGIN + SELECT untimed):
  (a) UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (...)])  Thunderbird's
      first sync, and UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE): seconds from
      sending the command until the tagged OK is received, and mailroom/Dovecot ratio
      (target <= 0.5);
  (b) SELECT of the 10,000- and the 100,000-message mailbox (target < 50 ms for 100,000),
      of an unchanged mailbox and right after another session changed a flag in it;
  (c) memory per idle authenticated connection in IDLE at --idle connections (all LOGIN
      as one user whose INBOX is empty, SELECT INBOX, IDLE): imapd's RSS after minus
      before, / connections (target <= 64 KiB); Dovecot: RSS and PSS of its imap and
      imap-login processes, after minus before, / connections.
  (d) the same with COMPRESS=DEFLATE (RFC 4978) on before SELECT + IDLE (--only idlez;
      target <= 64 KiB). The anchor's Dovecot has no imap_zlib plugin: COMPRESS figures
      of Dovecot come from a second Dovecot this script starts (benchlib.ZlibDovecot:
      the anchor's config plus zlib and imap_zlib, same users and Maildirs);
  (e) UID FETCH 1:* BODY.PEEK[] of the 10,000 bodies with COMPRESS=DEFLATE and without
      (--only fetchz): seconds and bytes on the wire.
  (f) concurrent mixed load (issue 18, `--only stress`): imaptest's stress mode, 10
      clients on 5 users, its default command mix (SELECT, FETCH, STORE, EXPUNGE, APPEND
      of ../shared/tools/imaptest/bench.mbox, ...), logout=0, --stress-secs seconds,
      against each system with fresh, empty users every round: commands/s (the sum of
      imaptest's Totals line / seconds), and the server's CPU seconds per second;
      medians of --stress-rounds runs, the systems taking turns.
  (g) QRESYNC resync (issue 18, `--only qresync`): a client that knew Big (ENABLE QRESYNC,
      SELECT) is away while another session changes the flags of 10 messages and expunges
      10 others; then SELECT Big (QRESYNC (uidvalidity modseq)), fresh connection each run:
      seconds until the tagged OK and bytes on the wire (target <= 0.5 of Dovecot's both);
      then the same with COMPRESS=DEFLATE on (bytes on the wire compressed).
      --show-responses prints each server's answer once, with the bytes of every line.
The client is a raw-socket client that counts bytes until the tagged reply (no parsing).
"""
import argparse
import os
import resource
import select
import shutil
import socket
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import STACK as STACK_SH, AnchorStack, MailroomInstance, comm, descendants, log, median  # noqa: E402
from benchlib import ZlibDovecot, memory_kib  # noqa: E402
from test_imaptest import imaptest_path  # noqa: E402  (tests/integration, on benchlib's path)

PASSWORD = "bench-password-1"
STRESS_MBOX = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                                           "tools", "imaptest", "bench.mbox"))
STRESS_USERS, STRESS_CLIENTS = 5, 10
HEADER_FETCH = ("UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date "
                "Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])")
STRUCTURE_FETCH = "UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)"
BODY_FETCH = "UID FETCH 1:* (UID BODY.PEEK[])"


class Client:
    """A blocking IMAP client that only frames tagged replies: it counts the bytes of a
    response and looks at the start of the last line of each received chunk."""

    def __init__(self, port, timeout=600):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray(1 << 20)
        self.n = 0
        self.deflater = self.inflater = None  # COMPRESS=DEFLATE (compress())
        greeting = self.sock.recv(4096)
        if not greeting.startswith(b"* OK"):
            raise RuntimeError(f"greeting: {greeting!r}")

    def command(self, text, keep=False):
        """Sends `text` and reads until its tagged reply: (seconds, bytes, tagged line, data)."""
        self.n += 1
        tag = b"Zq%d" % self.n
        t0 = time.perf_counter()
        line = tag + b" " + text.encode() + b"\r\n"
        if self.deflater:
            line = self.deflater.compress(line) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(line)
        total = 0
        tail = b""
        kept = [] if keep else None
        view = memoryview(self.buf)
        while True:
            got = self.sock.recv_into(self.buf)
            if got == 0:
                raise RuntimeError(f"connection closed during {text[:40]}")
            total += got  # bytes on the wire
            if self.inflater:
                chunk = self.inflater.decompress(view[:got])
                if not keep:
                    chunk = chunk[-8192:]
            else:
                chunk = bytes(view[:got]) if (keep or got < 8192) else bytes(view[got - 8192:got])
            if keep:
                kept.append(chunk)
            tail = (tail + chunk)[-8192:]
            if tail.endswith(b"\r\n"):
                prev = tail.rfind(b"\r\n", 0, len(tail) - 2)
                start = prev + 2 if prev >= 0 else 0
                last = tail[start:]
                if last.startswith(tag + b" "):
                    elapsed = time.perf_counter() - t0
                    if not last.startswith(tag + b" OK"):
                        raise RuntimeError(f"{text[:60]}: {last!r}")
                    return elapsed, total, last, (b"".join(kept) if keep else None)

    def login(self, user, password):
        self.command(f'LOGIN "{user}" "{password}"')

    def compress(self):
        """COMPRESS DEFLATE: from its OK on, raw deflate both ways (a client's 32 KiB window)."""
        self.command("COMPRESS DEFLATE")
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(wbits=-15)

    def close(self):
        try:
            if not self.deflater:
                self.sock.sendall(b"Zz LOGOUT\r\n")
        except OSError:
            pass
        self.sock.close()


def fetch_runs(port, user, command, rounds, expect, compress=False):
    times, sizes = [], []
    for r in range(rounds):
        c = Client(port)
        c.login(user, PASSWORD)
        if compress:
            c.compress()
        c.command("SELECT INBOX")
        secs, size, _, data = c.command(command, keep=(r == 0))
        c.close()
        if data is not None:
            count = data.count(b"\r\n* ") + (1 if data.startswith(b"* ") else 0)
            if count != expect:
                raise RuntimeError(f"{command[:30]}: {count} FETCH responses, expected {expect}")
        times.append(secs)
        sizes.append(size)
    return median(times), median(sizes)


def select_runs(port, user, mailbox, rounds):
    """SELECT of an unchanged mailbox, and SELECT right after another session changed a
    flag in it (mailroom then cannot use its cached view): (median, median) seconds."""
    repeat, changed = [], []
    c = Client(port)
    c.login(user, PASSWORD)
    other = Client(port)
    other.login(user, PASSWORD)
    other.command(f"SELECT {mailbox}")
    for r in range(rounds):
        secs, _, _, _ = c.command(f"SELECT {mailbox}")
        c.command("UNSELECT")
        repeat.append(secs)
        other.command(f"STORE 1 {'+' if r % 2 == 0 else '-'}FLAGS (\\Flagged)")
        secs, _, _, _ = c.command(f"SELECT {mailbox}")
        c.command("UNSELECT")
        changed.append(secs)
    other.close()
    c.close()
    return median(repeat), median(changed)


SORT_COMMANDS = (("sort_arrival", "SORT (ARRIVAL) UTF-8 ALL"), ("sort_subject", "SORT (SUBJECT) UTF-8 ALL"),
                 ("sort_from", "SORT (FROM) UTF-8 ALL"), ("thread_references", "THREAD REFERENCES UTF-8 ALL"))


def sort_runs(port, user, mailbox, command, rounds):
    """SORT/THREAD of a whole mailbox (issue 18): the first run (cold: the first time
    this mailbox is sorted so) and the median of `rounds` more (warm), in seconds."""
    c = Client(port)
    c.login(user, PASSWORD)
    c.command(f"SELECT {mailbox}")
    times = [c.command(command)[0] for _ in range(rounds + 1)]
    c.close()
    return times[0], median(times[1:])


QRESYNC_CHANGES = 10  # flag changes, and as many expunges


def qresync_prepare(port, user, mailbox, count):
    """Untimed (issue 18): a client that knows `mailbox` in full (ENABLE QRESYNC, SELECT)
    goes away; another session then changes the flags of QRESYNC_CHANGES messages and
    expunges as many others, spread over the mailbox of `count`. Returns the state the
    first client remembers, (UIDVALIDITY, HIGHESTMODSEQ)."""
    c = Client(port)
    c.login(user, PASSWORD)
    c.command("ENABLE QRESYNC")
    _, _, _, data = c.command(f"SELECT {mailbox}", keep=True)
    c.close()
    known = {}
    for key in (b"UIDVALIDITY", b"HIGHESTMODSEQ"):
        at = data.find(b"[" + key + b" ")
        if at < 0:
            raise RuntimeError(f"SELECT {mailbox}: no {key.decode()} in {data[:500]!r}")
        known[key] = int(data[at + len(key) + 2:data.index(b"]", at)])
    step = count // (2 * QRESYNC_CHANGES + 1)
    numbers = [step * (i + 1) for i in range(2 * QRESYNC_CHANGES)]
    flagged = ",".join(map(str, numbers[0::2]))
    deleted = ",".join(map(str, numbers[1::2]))
    o = Client(port)
    o.login(user, PASSWORD)
    o.command(f"SELECT {mailbox}")
    o.command(f"STORE {flagged} +FLAGS.SILENT (\\Answered)")
    o.command(f"STORE {deleted} +FLAGS.SILENT (\\Deleted)")
    o.command("EXPUNGE")
    o.close()
    return known[b"UIDVALIDITY"], known[b"HIGHESTMODSEQ"]


def qresync_runs(port, user, mailbox, known, rounds, compress=False, show=None):
    """SELECT mailbox (QRESYNC (uidvalidity modseq)) of a client that was offline (RFC 7162
    §3.2.5): one round trip, answered with the changed messages' FETCH and the expunged
    UIDs' VANISHED (EARLIER). Median seconds and bytes on the wire (ENABLE untimed). With
    `show` (a name), the first answer goes to stderr, each line with its length."""
    times, sizes = [], []
    for r in range(rounds):
        c = Client(port)
        c.login(user, PASSWORD)
        if compress:
            c.compress()
        c.command("ENABLE QRESYNC")
        secs, size, _, data = c.command(f"SELECT {mailbox} (QRESYNC ({known[0]} {known[1]}))", keep=(r == 0))
        c.close()
        if data is not None:
            fetches = data.count(b" FETCH (")
            if b"VANISHED (EARLIER)" not in data or fetches < QRESYNC_CHANGES:
                raise RuntimeError(f"QRESYNC SELECT: {fetches} FETCH, answer {data[:1500]!r}")
            if show:
                lines = data.split(b"\r\n")[:-1]
                log(f"{show}: QRESYNC SELECT answer, {len(data)} bytes" + (f" ({size} compressed)" if compress else "")
                    + "".join(f"\n  {len(l) + 2:5} {l.decode(errors='replace')}" for l in lines))
        times.append(secs)
        sizes.append(size)
    return median(times), median(sizes)


def open_idlers(port, user, count, batch=100, compress=False):
    """`count` connections, each LOGIN + SELECT INBOX + IDLE (pipelined), in batches. With
    `compress`: LOGIN + COMPRESS DEFLATE, then (compressed, once its OK came) SELECT + IDLE."""
    socks = []
    line = f'a LOGIN "{user}" "{PASSWORD}"\r\nb SELECT INBOX\r\nc IDLE\r\n'.encode()
    inflaters = {}
    if compress:
        line = f'a LOGIN "{user}" "{PASSWORD}"\r\nz COMPRESS DEFLATE\r\n'.encode()
        rest = b"b SELECT INBOX\r\nc IDLE\r\n"
    for first in range(0, count, batch):
        waiting = {}
        for _ in range(min(batch, count - first)):
            s = socket.create_connection(("127.0.0.1", port), timeout=120)
            s.setblocking(False)
            waiting[s] = b""
            socks.append(s)
        sent = set()
        deadline = time.time() + 300
        while waiting:
            if time.time() > deadline:
                raise RuntimeError(f"{len(waiting)} connections did not reach IDLE")
            ready, _, _ = select.select(list(waiting), [], [], 1.0)
            for s in ready:
                data = s.recv(65536)
                if not data:
                    raise RuntimeError("idle connection closed: " + waiting[s].decode(errors="replace")[-200:])
                if s in inflaters:
                    data = inflaters[s].decompress(data)
                waiting[s] += data
                if compress and s not in inflaters and b"\r\nz OK" in waiting[s]:
                    # What follows the OK line is compressed already.
                    head, _, tail = waiting[s].partition(b"\r\nz OK")
                    ok_line, _, compressed = tail.partition(b"\r\n")
                    d = zlib.compressobj(6, zlib.DEFLATED, -15)
                    s.sendall(d.compress(rest) + d.flush(zlib.Z_SYNC_FLUSH))
                    inflaters[s] = zlib.decompressobj(wbits=-15)
                    waiting[s] = head + b"\r\nz OK" + ok_line + b"\r\n" + inflaters[s].decompress(compressed)
                if s not in sent and waiting[s].startswith(b"* OK"):
                    s.sendall(line)
                    sent.add(s)
                buf = waiting[s]
                if buf.startswith(b"+ ") or b"\r\n+ " in buf:
                    del waiting[s]
                elif any(b"\r\n" + t in buf for t in (b"a NO", b"b NO", b"c BAD", b"z NO", b"z BAD")):
                    raise RuntimeError("idle setup failed: " + buf.decode(errors="replace")[-300:])
    return socks


def close_idlers(socks, compress=False):
    for s in socks:
        try:
            s.setblocking(True)
            if not compress:
                s.sendall(b"DONE\r\nz LOGOUT\r\n")
        except OSError:
            pass
    time.sleep(0.5)
    for s in socks:
        s.close()


def idle_memory(port, user, count, measure, compress=False):
    # One connection first, so one-time costs (thread pool, libraries, caches) are in "before".
    warm = open_idlers(port, user, 1, compress=compress)
    close_idlers(warm, compress)
    time.sleep(1)
    before = measure()
    socks = open_idlers(port, user, count, compress=compress)
    try:
        # Finished pool jobs, freed login buffers; a compressed stream gives back its zlib
        # state after 2 s without traffic (net::Connection, kCompressQuiet).
        time.sleep(4 if compress else 2)
        after = measure()
    finally:
        close_idlers(socks, compress)
    return before, after


def parse_totals(output):
    """{command: count} of the "Totals:" block imaptest prints last (a line of short names,
    percentage lines, then the counts)."""
    lines = output[output.rindex("Totals:"):].splitlines()[1:]
    names = lines[0].split()
    for line in lines[1:]:
        fields = line.split()
        if len(fields) == len(names) and all(f.isdigit() for f in fields):
            return dict(zip(names, map(int, fields)))
    raise RuntimeError("no counts after imaptest's Totals:\n" + output[-2000:])


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (0 for one that has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stress_run(imaptest, port, user_template, secs, server_pids):
    """One imaptest stress run: ({command: count}, commands/s, server CPU seconds per second,
    measured on the server processes alive from 2 s in until 2 s before the end)."""
    proc = subprocess.Popen([imaptest, "host=127.0.0.1", f"port={port}", f"user={user_template}",
                             f"pass={PASSWORD}", f"users={STRESS_USERS}", f"clients={STRESS_CLIENTS}",
                             f"mbox={STRESS_MBOX}", f"secs={secs}", "logout=0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(2)
        pids = server_pids()
        cpu0 = {pid: cpu_seconds(pid) for pid in pids}
        time.sleep(secs - 4)
        cpu = sum(cpu_seconds(pid) - c for pid, c in cpu0.items()) / (secs - 4)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if "Totals:" not in output:
        raise RuntimeError(f"imaptest exited {proc.returncode} without totals:\n{output[-3000:]}")
    totals = parse_totals(output)
    errors = [l for l in output.splitlines() if l.startswith(("Error:", "Panic:", "Fatal:"))]
    if errors:
        log(f"imaptest: {len(errors)} error lines, first: {errors[0][:300]}")
    return totals, sum(totals.values()) / secs, cpu


class DovecotSide:
    """The anchor stack's Dovecot; users written straight into its passwd-file (what
    stack.sh adduser writes; much faster, and POP3/IMAP need nothing else)."""

    def __init__(self, stack):
        self.stack = stack
        self.users = []

    def rewrite_users(self, drop, add):
        self.stack.rewrite_dovecot_users(drop, add, PASSWORD, ".imapbench")

    def add_users(self, addresses):
        self.users = list(addresses)
        self.remove_homes()
        self.rewrite_users(set(addresses), addresses)
        for a in addresses:
            home = os.path.dirname(self.stack.maildir(a))
            os.makedirs(home, exist_ok=True)
            shutil.chown(home, "anchorvmail", "anchorvmail")
            shutil.chown(os.path.dirname(home), "anchorvmail", "anchorvmail")

    def remove_homes(self):
        for a in self.users:
            shutil.rmtree(os.path.dirname(self.stack.maildir(a)), ignore_errors=True)

    def memory(self):
        return self.stack.dovecot_memory(("imap", "imap-login"))

    def cleanup(self):
        if self.users:
            subprocess.run(["doveadm", "-c", os.path.join(os.path.dirname(self.stack.mailroot), "dovecot",
                                                          "dovecot.conf"), "kick", "*imapbench*"],
                           capture_output=True)
            self.remove_homes()
            self.rewrite_users(set(self.users), [])


def in_ms(secs):
    return f"{secs * 1000:8.1f} ms"


def print_figure(res, key, label, show, ratio, target):
    """One result line: mailroom's res[mailroom_<key>], Dovecot's res[dovecot_<key>] when
    measured, shown by show(value), and ratio(mailroom, dovecot) when given."""
    m, d = res.get(f"mailroom_{key}"), res.get(f"dovecot_{key}")
    if m is None:
        return
    line = f"{label:<40} mailroom {show(m)}"
    if d is not None:
        line += f"   dovecot {show(d)}" + (f"   ratio {ratio(m, d)}" if ratio else "")
    print(line + (f"   ({target})" if target else ""))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="directory with mailroom, imapd, imap_fill")
    p.add_argument("--work", default="/var/tmp/mailroom-imap-bench")
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--copies", type=int, default=10, help="Big = this many copies of INBOX (0: none)")
    p.add_argument("--idle", type=int, default=1000)
    p.add_argument("--dovecot-idle", type=int, default=None, help="default: --idle")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default="fetch,select,idle,idlez,fetchz,sort,qresync,stress")
    p.add_argument("--stress-secs", type=int, default=30, help="length of each imaptest stress run")
    p.add_argument("--stress-rounds", type=int, default=3)
    p.add_argument("--no-dovecot", action="store_true", help="mailroom figures only")
    p.add_argument("--keep", action="store_true", help="leave the mailroom instance's files in --work")
    p.add_argument("--show-responses", action="store_true",
                   help="print each server's QRESYNC SELECT answer once, with the bytes of each line")
    p.add_argument("--store-cache", help="directory keeping a copy of the filled mailroom store between runs "
                                         "(same --messages and --copies), to skip the fill")
    args = p.parse_args()
    only = set(args.only.split(","))
    if os.geteuid() != 0:
        sys.exit("imap_bench.py: run as root (it drops to the mailroom and anchorvmail accounts)")
    fill = os.path.join(args.bin, "imap_fill")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = min(hard, max(65536, 4 * args.idle + 1024)) if hard != resource.RLIM_INFINITY else 65536
    if limit < 2 * args.idle + 256:
        sys.exit(f"imap_bench.py: open files limited to {hard}, too few for --idle {args.idle}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))  # inherited by mailroom up

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    os.chmod(args.work, 0o755)
    conns = str(max(5000, args.idle + 100))
    mr = MailroomInstance(args.bin, os.path.join(args.work, "mailroom"), "example.test", edits=(
        ("allow_plaintext_on_loopback = false", "allow_plaintext_on_loopback = true"),
        # argon2id on 2 busy cores: 1,000 pipelined LOGINs take minutes, not 60 s.
        ("login_timeout_s = 60", "login_timeout_s = 1800"),
        # ... all from 127.0.0.1, many at once: not a flood, so no busy refusals.
        ("max_queued_checks = 1024", "max_queued_checks = 100000"),
        ("max_checks_per_address = 16", "max_checks_per_address = 1000"),
        ("\nmax_connections = 4000\n", f"\nmax_connections = {conns}\n"),
        ("\nmax_connections_per_ip = 50\n", f"\nmax_connections_per_ip = {conns}\n"),
        # One bench user, every session from 127.0.0.1.
        ("\nmax_connections_per_user_ip = 20\n", f"\nmax_connections_per_user_ip = {conns}\n")))
    mr_bench, mr_idle = "imapbench@example.test", "imapidle@example.test"
    dc_bench, dc_idle = "imapbench@anchor.test", "imapidle@anchor.test"
    filled = bool(only & {"fetch", "fetchz", "select", "sort", "qresync"})  # the 10,000-message INBOX and Big
    # imaptest's stress users, fresh ones for every round: stress-R-N@domain.
    stress_users = [f"stress-{r}-%d" for r in range(args.stress_rounds)] if "stress" in only else []
    stack = dc = zdc = None
    dovecot_was_running = True
    res = {}
    try:
        for a in [mr_bench, mr_idle] + [u.replace("%d", str(n)) + "@example.test"
                                        for u in stress_users for n in range(1, STRESS_USERS + 1)]:
            mr.add_user(a, PASSWORD)
        user_dir = mr.user_dir(mr_bench)
        os.makedirs(os.path.dirname(user_dir), exist_ok=True)
        shutil.chown(os.path.dirname(user_dir), "mailroom", "mailroom")
        t = time.time()
        cached = args.store_cache and os.path.isdir(os.path.join(args.store_cache, "cur"))
        if filled and cached:
            # A store this script filled before with the same --messages/--copies.
            shutil.rmtree(user_dir, ignore_errors=True)
            subprocess.run(["cp", "-a", args.store_cache, user_dir], check=True)
            log(f"mailroom: store copied from {args.store_cache} in {time.time() - t:.1f} s")
        elif filled:
            subprocess.run([fill, "store", user_dir, str(args.messages), str(args.copies)], check=True,
                           user="mailroom", group="mailroom")
            log(f"mailroom: {args.messages} messages appended (append_batch), {args.copies} copies into Big, "
                f"in {time.time() - t:.1f} s")
            if args.store_cache:
                shutil.rmtree(args.store_cache, ignore_errors=True)
                subprocess.run(["cp", "-a", user_dir, args.store_cache], check=True)
        mr.up(wait_for=("imap",))
        imapd_pid = None
        for _ in range(100):  # `up` listens before it starts the daemons
            imapd_pid = next((pid for pid in descendants(mr.proc.pid) if comm(pid) == "imapd"), None)
            if imapd_pid:
                break
            time.sleep(0.1)
        if not imapd_pid:
            raise RuntimeError("no imapd process under mailroom up")
        systems = {"mailroom": (mr.port("imap"), mr_bench, mr_idle, lambda: memory_kib(imapd_pid))}
        if not args.no_dovecot:
            # Another benchmark may be using the stack's Dovecot: only a stack this run
            # started is taken down again.
            dovecot_up = subprocess.run([STACK_SH, "status"], capture_output=True, text=True).stdout
            dovecot_was_running = "dovecot: running" in dovecot_up
            stack = AnchorStack()
            dc = DovecotSide(stack)
            dc.add_users([dc_bench, dc_idle] + [u.replace("%d", str(n)) + "@anchor.test"
                                                for u in stress_users for n in range(1, STRESS_USERS + 1)])
            if filled:
                t = time.time()
                subprocess.run([fill, "maildir", stack.maildir(dc_bench), str(args.messages), str(args.copies)],
                               check=True, user="anchorvmail", group="anchorvmail")
                log(f"dovecot: Maildir files written in {time.time() - t:.1f} s")
            systems["dovecot"] = (stack.port("MR_IMAP"), dc_bench, dc_idle, dc.memory)
        # The systems COMPRESS figures are measured on: mailroom as it is, Dovecot with imap_zlib.
        compressed = dict(systems)
        if dc is not None and only & {"idlez", "fetchz", "qresync"}:
            zdc = ZlibDovecot(stack, os.path.join(args.work, "dovecot-zlib"))
            zdc.start()
            compressed["dovecot"] = (zdc.port, dc_bench, dc_idle, lambda: zdc.memory(("imap", "imap-login")))

        # Memory first, on fresh daemons (later, freed buffers of big responses would be
        # reused by new sessions and hide their cost).
        for key, compress, on in (("idle", False, systems), ("idlez", True, compressed)):
            if key not in only:
                continue
            for name, (port, _, idle_user, measure) in on.items():
                n = args.idle if name == "mailroom" or args.dovecot_idle is None else args.dovecot_idle
                before, after = idle_memory(port, idle_user, n, measure, compress)
                res[f"{name}_{key}"] = {"connections": n, "rss_before_kib": before[0], "rss_after_kib": after[0],
                                        "rss_kib_per_conn": (after[0] - before[0]) / n,
                                        "pss_kib_per_conn": (after[1] - before[1]) / n}
                log(f"{name}: {key} memory {res[f'{name}_{key}']}")

        # Untimed: Dovecot builds its index (dovecot-uidlist, index, cache of the fields
        # the FETCHes ask for); mailroom runs the same commands, so both are warm.
        for name, (port, user, _, _) in systems.items() if filled else ():
            t = time.time()
            c = Client(port)
            c.login(user, PASSWORD)
            c.command("SELECT INBOX")
            c.command(HEADER_FETCH)
            c.command(STRUCTURE_FETCH)
            if args.copies:
                c.command("SELECT Big")
            c.close()
            log(f"{name}: untimed first SELECT + FETCHes (indexing) in {time.time() - t:.1f} s")

        # The fills and Dovecot's indexing leave dirty pages behind: written back now, not
        # during whichever system's timed runs come first.
        os.sync()
        if "fetch" in only:
            for name, (port, user, _, _) in systems.items():
                for key, cmd in (("headers", HEADER_FETCH), ("structure", STRUCTURE_FETCH)):
                    secs, size = fetch_runs(port, user, cmd, args.rounds, args.messages)
                    res[f"{name}_fetch_{key}"] = {"seconds": secs, "bytes": size}
                    log(f"{name}: {key} fetch {secs * 1000:.0f} ms, {size} bytes")
        if "fetchz" in only:
            for name in systems:
                for key, compress, on in (("bodies", False, systems), ("bodies_compressed", True, compressed)):
                    port, user, _, _ = on[name]
                    secs, size = fetch_runs(port, user, BODY_FETCH, args.rounds, args.messages, compress)
                    res[f"{name}_fetch_{key}"] = {"seconds": secs, "bytes": size}
                    log(f"{name}: {key} fetch {secs * 1000:.0f} ms, {size} bytes")
        if "select" in only:
            for name, (port, user, _, _) in systems.items():
                res[f"{name}_select_inbox"] = select_runs(port, user, "INBOX", args.rounds)
                if args.copies:
                    res[f"{name}_select_big"] = select_runs(port, user, "Big", args.rounds)
                log(f"{name}: select (repeat, after a change) {res[f'{name}_select_inbox']}"
                    + (f", big {res[f'{name}_select_big']}" if args.copies else ""))
        if "sort" in only:
            box = "Big" if args.copies else "INBOX"
            for name, (port, user, _, _) in systems.items():
                for key, cmd in SORT_COMMANDS:
                    res[f"{name}_{key}"] = sort_runs(port, user, box, cmd, args.rounds)
                    log(f"{name}: {cmd} on {box}: cold, warm {res[f'{name}_{key}']}")
        if "qresync" in only:
            # After the SORTs: it expunges from the mailbox they sort.
            box = "Big" if args.copies else "INBOX"
            for name, (port, user, _, _) in systems.items():
                known = qresync_prepare(port, user, box, args.messages * (args.copies or 1))
                for key, compress, on in (("qresync", False, systems), ("qresync_compressed", True, compressed)):
                    show = f"{name} ({key})" if args.show_responses else None
                    res[f"{name}_{key}"] = qresync_runs(on[name][0], user, box, known, args.rounds, compress, show)
                    log(f"{name}: {key} SELECT of {box} after {QRESYNC_CHANGES} flag changes and "
                        f"{QRESYNC_CHANGES} expunges: (seconds, bytes) {res[f'{name}_{key}']}")
        if "stress" in only:
            imaptest = imaptest_path()
            server_pids = {"mailroom": lambda: [imapd_pid]}
            if dc is not None:
                server_pids["dovecot"] = lambda: [pid for pid in descendants(stack.dovecot_master_pid())
                                                  if comm(pid) in ("imap", "imap-login", "auth")]
            runs = {name: [] for name in systems}
            for r, template in enumerate(stress_users):
                for name, (port, _, _, _) in systems.items():
                    domain = "example.test" if name == "mailroom" else "anchor.test"
                    totals, per_sec, cpu = stress_run(imaptest, port, f"{template}@{domain}", args.stress_secs,
                                                      server_pids[name])
                    runs[name].append((per_sec, cpu, totals))
                    log(f"{name}: stress round {r + 1}: {per_sec:.0f} commands/s, server {cpu:.2f} cores, "
                        f"{totals} (load {os.getloadavg()[0]:.1f})")
            for name, rs in runs.items():
                res[f"{name}_stress"] = {"commands_per_s": median([x[0] for x in rs]),
                                         "cores": median([x[1] for x in rs]),
                                         "runs": [x[0] for x in rs],
                                         "totals": rs[sorted(range(len(rs)), key=lambda i: rs[i][0])[len(rs) // 2]][2]}
    finally:
        mr.stop()
        if zdc is not None:
            zdc.stop()
        if dc is not None:
            dc.cleanup()
        if stack is not None and not stack.was_running and not dovecot_was_running:
            stack.locked(["down"])
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)

    if filled or "idle" in only:
        print(f"IMAP benchmark (issue 6): {args.messages}-message mixed-MIME INBOX, medians of {args.rounds} runs")
    for key, label in (("headers", "UID FETCH 1:* Thunderbird headers"),
                       ("structure", "UID FETCH 1:* ENVELOPE BODYSTRUCTURE"),
                       ("bodies", "UID FETCH 1:* BODY.PEEK[]"),
                       ("bodies_compressed", "UID FETCH 1:* BODY.PEEK[], COMPRESS")):
        print_figure(res, f"fetch_{key}", label, lambda x: f"{in_ms(x['seconds'])} ({x['bytes'] / 1e6:.1f} MB)",
                     lambda m, d: f"{m['seconds'] / d['seconds']:.2f}",
                     "target <= 0.50" if key in ("headers", "structure") else "")
    sorted_count = args.messages * (args.copies or 1)
    for key, cmd in SORT_COMMANDS:
        for i, case in enumerate(("cold", "warm")):
            print_figure(res, key, cmd.split(" UTF-8")[0] + f" {sorted_count}, {case}", lambda x: in_ms(x[i]),
                         lambda m, d: f"{m[i] / d[i]:.2f}", "target <= 0.50")
    for key, case in (("qresync", ""), ("qresync_compressed", ", COMPRESS")):
        print_figure(res, key, f"SELECT QRESYNC {sorted_count}, 10+10 changed{case}",
                     lambda x: f"{in_ms(x[0])} ({x[1]} bytes)",
                     lambda m, d: f"{m[0] / d[0]:.2f} time, {m[1] / d[1]:.2f} bytes", "target <= 0.50")
    for key, label in (("inbox", f"SELECT {args.messages} messages"),
                       ("big", f"SELECT {args.messages * args.copies} messages")):
        for i, case in enumerate(("unchanged", "after a change")):
            print_figure(res, f"select_{key}", f"{label}, {case}", lambda x: in_ms(x[i]), None,
                         "target < 50 ms" if key == "big" else "")
    for key, label in (("idle", "idle connection in IDLE"), ("idlez", "idle in IDLE, COMPRESS=DEFLATE")):
        # mailroom: imapd; Dovecot: its imap and imap-login processes (one imap each).
        print_figure(res, key, label, lambda x: (f"{x['rss_kib_per_conn']:.1f} KiB RSS, {x['pss_kib_per_conn']:.1f} "
                                                 f"KiB PSS per conn ({x['connections']} conns)"),
                     lambda m, d: f"{m['pss_kib_per_conn'] / d['pss_kib_per_conn']:.2f} PSS", "target <= 64 KiB")
    if "mailroom_stress" in res:
        m = res["mailroom_stress"]
        line = (f"imaptest stress ({STRESS_CLIENTS} clients, {STRESS_USERS} users, {args.stress_secs} s)  "
                f"mailroom {m['commands_per_s']:7.0f} commands/s ({m['cores']:.2f} cores)")
        d = res.get("dovecot_stress")
        if d:
            # Each round's pair ran back to back: the median of their ratios is the steadier
            # figure on a shared machine.
            ratios = [a / b for a, b in zip(m["runs"], d["runs"])]
            line += (f"   dovecot {d['commands_per_s']:7.0f} commands/s ({d['cores']:.2f} cores)   "
                     f"ratio {m['commands_per_s'] / d['commands_per_s']:.2f}, median of rounds' ratios "
                     f"{median(ratios):.2f} (target >= 1.50; {args.stress_rounds} rounds of {args.stress_secs} s)")
        print(line)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    import json
    print("json: " + json.dumps(res))


if __name__ == "__main__":
    main()
