"""What DKIM signing and the inbound checks cost smtpd (issue 15's figure: at most 10 %).

Four mailroom instances run side by side, so each pair is measured in the same run, round
after round in turn:

  inbound   a message signed by mailroom itself (ed25519-sha256 + rsa-sha256, as our users'
            mail arrives elsewhere) is sent by smtp-source -F over 10 sessions, one
            connection per message, to the port-25 role of an instance that checks it (SPF,
            both DKIM signatures, DMARC p=reject, ARC, Authentication-Results; DNS from a
            dnsmasq serving client.test's published records) and of one that does not
            (loopback clients unchecked, the default). The records' TTL is --dns-ttl
            (300 s; 0 makes every message ask dnsmasq again).
  submission 10 logged-in sessions send 4 KiB messages back to back (smtp_latency.py
            --auth) to an instance that signs them twice and to one with [dkim] sign = false.

Before timing, one message of each kind is checked: the inbound one must get dkim=pass for
both signatures and dmarc=pass, the submitted one must carry two DKIM-Signature fields.

After the rounds, in the same run, dkim_bench prints our signs/s and verifies/s per core
beside `openssl speed` (issue 15 asks for both), and the CPU the signatures alone need per
message is set against the CPU smtpd spends per message without them: the lower bound of
what checking and signing can cost.
"""
import json
import os
import re
import subprocess
import sys
import time

from benchlib import MailroomInstance, log, median

SMTP_SOURCE = "/usr/sbin/smtp-source"
PASSWORD = "bench-password-1"
SENDER = "bench@client.test"
RCPT = "load00@example.test"
HERE = os.path.dirname(os.path.abspath(__file__))


def start_dnsmasq(work, txt, ttl=300):
    """dnsmasq on a free UDP port answering only `txt` [(name, value)] under .test; values
    longer than 255 octets are cut into strings of one record (RFC 7208 §3.3). The records
    carry `ttl` (dnsmasq's own default is 0, which no published zone uses: 300 is at the
    short end of what senders publish, so smtpd's DNS cache keeps them as it would)."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    records = []
    for name, value in txt:
        parts = [value[i:i + 255] for i in range(0, len(value), 255)]
        records.append(f"--txt-record={name}," + ",".join(parts))
    args = ["/usr/sbin/dnsmasq", "--no-daemon", f"--port={port}", "--listen-address=127.0.0.1",
            "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/test/", "--user=root",
            f"--local-ttl={ttl}",
            f"--pid-file={os.path.join(work, 'dnsmasq.pid')}"] + records
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    if proc.poll() is not None:
        raise RuntimeError("dnsmasq did not start")
    return proc, port


def instance(args, name, domain, edits, user, wait_for):
    mr = MailroomInstance(args.bin, os.path.join(args.work, name), domain,
                          edits=[("max_connections_per_ip = 50", "max_connections_per_ip = 1000"),
                                 ("max_connections_per_user_ip = 10", "max_connections_per_user_ip = 100")]
                          + edits)
    mr.add_user(user, PASSWORD)
    # Up before the next instance picks its port base, so two never take the same one.
    mr.up(wait_for=wait_for)
    return mr


def delivered(mr, address):
    new = os.path.join(mr.user_dir(address), "Maildir", "new")
    if not os.path.isdir(new):
        new = os.path.join(mr.user_dir(address), "new")
    return [os.path.join(new, f) for f in sorted(os.listdir(new))] if os.path.isdir(new) else []


def wait_for_count(mr, address, count, timeout=900):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(delivered(mr, address)) >= count:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{mr.dir}: fewer than {count} messages for {address} after {timeout} s")


def smtpd_pid(mr):
    with open(f"/proc/{mr.proc.pid}/task/{mr.proc.pid}/children") as f:
        children = f.read().split()
    for pid in children:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read().split(b"\0")[0].endswith(b"/smtpd"):
                    return pid
        except OSError:
            continue
    raise RuntimeError(f"{mr.dir}: no smtpd process")


def smtpd_cpu(mr):
    """CPU seconds (user + system) smtpd of `mr` has used so far: on a machine shared with
    other work the accept rate moves with the load, the CPU one message costs much less."""
    tick = os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{smtpd_pid(mr)}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def smtpd_switches(mr):
    """Context switches of smtpd's threads so far: each hand-off of a message from one
    thread to another costs two, and on a virtual machine each costs microseconds."""
    pid = smtpd_pid(mr)
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def submit(port, count, sessions, size):
    cmd = [sys.executable, os.path.join(HERE, "smtp_latency.py"), "--port", str(port),
           "--to", SENDER, "--mail-from", SENDER, "--auth", f"{SENDER}:{PASSWORD}",
           "--sessions", str(sessions), "--messages", str(count), "--size", str(size)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=1800).stdout
    return float(dict(item.split("=") for item in out.split())["rate"])


def smtp_source_file(port, sessions, count, path):
    cmd = [SMTP_SOURCE, "-s", str(sessions), "-m", str(count), "-F", path, "-M", "client.test",
           "-f", SENDER, "-t", RCPT, f"127.0.0.1:{port}"]
    t = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    return count / (time.time() - t)


def signed_sample(sign, work, size):
    """A message mailroom signed at submission, as smtp-source -F wants it (LF line ends)."""
    submit(sign.port("submission"), 1, 1, size)
    wait_for_count(sign, SENDER, 1)
    with open(delivered(sign, SENDER)[0], "rb") as f:
        data = f.read()
    if data.count(b"DKIM-Signature:") != 2:
        raise RuntimeError("the submitted message does not carry two DKIM signatures")
    path = os.path.join(work, "signed.eml")
    with open(path, "wb") as f:
        f.write(data.replace(b"\r\n", b"\n"))
    return path


def check_verdict(check):
    wait_for_count(check, RCPT, 1)
    with open(delivered(check, RCPT)[0], "rb") as f:
        head = f.read().split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    lines = head[head.index("Authentication-Results:"):].split("\r\n")
    field = lines[0]
    for line in lines[1:]:
        if not line[:1].isspace():
            break
        field += line
    if field.count("dkim=pass") != 2 or "dmarc=pass" not in field or "spf=pass" not in field:
        raise RuntimeError("the checked message did not pass SPF, both DKIM and DMARC: " + field[:600])


def crypto_rates(bin_dir, seconds=3):
    """{algorithm: (signs/s, verifies/s)} per core of `openssl speed`, from dkim_bench, whose
    output (our rates for a whole 4 KiB message beside openssl's) is printed as it is."""
    out = subprocess.run([os.path.join(bin_dir, "dkim_bench"), "--seconds", str(seconds)], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    print(out, end="")
    rates = {}
    for m in re.finditer(r"^(\S+) .*openssl speed: sign\s+(\d+)/s verify\s+(\d+)/s", out, re.M):
        rates[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return rates


def print_crypto_bound(rates, cpu):
    """What one message's signature operations alone cost (openssl speed's time per
    operation), against smtpd's CPU per message without them: were smtpd's CPU what sets
    the accept rate, the cost could not be lower than this share."""
    if set(rates) != {"rsa-sha256", "ed25519-sha256"}:
        return
    verify = 1000 * sum(1 / v for _, v in rates.values())
    sign = 1000 * sum(1 / s for s, _ in rates.values())
    for what, ms, base, now in (("2 verifications (rsa + ed25519)", verify, "plain", "check"),
                                ("2 signatures (rsa + ed25519)", sign, "nosign", "sign")):
        a, b = median(cpu[base]), median(cpu[now])
        print(f"  {what}: {ms:.3f} ms of openssl per message = {100 * ms / a:5.1f} % of smtpd's "
              f"{a:.3f} ms without them (measured +{b - a:.3f} ms)")


def run_mailauth(args):
    work = args.work
    instances = []
    dns = None
    try:
        plaintext = [("allow_plaintext_on_loopback = false", "allow_plaintext_on_loopback = true")]
        sign = instance(args, "sign", "client.test", plaintext, SENDER, ("submission",))
        instances.append(sign)
        nosign = instance(args, "nosign", "client.test", plaintext + [("sign = true", "sign = false")],
                          SENDER, ("submission",))
        instances.append(nosign)
        records = json.loads(sign.cli(["dns", "client.test", "--json"]))
        txt = [(r["name"].rstrip("."), r["value"]) for r in records
               if r["type"] == "TXT" and "._domainkey." in r["name"]]
        txt += [("client.test", "v=spf1 ip4:127.0.0.1 -all"), ("_dmarc.client.test", "v=DMARC1; p=reject")]
        dns = start_dnsmasq(work, txt, args.dns_ttl)
        check = instance(args, "check", "example.test",
                         [("check_local_clients = false", "check_local_clients = true"),
                          ("empty uses /etc/resolv.conf.\nservers = []", f'empty uses /etc/resolv.conf.\nservers = ["127.0.0.1:{dns[1]}"]')],
                         RCPT, ("smtp",))
        instances.append(check)
        plain = instance(args, "plain", "example.test", [], RCPT, ("smtp",))
        instances.append(plain)

        sample = signed_sample(sign, work, args.size)
        smtp_source_file(check.port("smtp"), 1, 1, sample)
        check_verdict(check)
        sent = {id(check): 1, id(plain): 0, id(sign): 1, id(nosign): 0}

        inbound = {"plain": [], "check": []}
        submission = {"nosign": [], "sign": []}
        cpu = {"plain": [], "check": [], "nosign": [], "sign": []}  # smtpd ms per message
        switches = {"plain": [], "check": [], "nosign": [], "sign": []}  # smtpd's, per message
        for r in range(args.rounds):
            for name, mr in (("plain", plain), ("check", check)):
                wait_for_count(mr, RCPT, sent[id(mr)])
                before, switched = smtpd_cpu(mr), smtpd_switches(mr)
                rate = smtp_source_file(mr.port("smtp"), 10, args.messages, sample)
                cpu[name].append(1000 * (smtpd_cpu(mr) - before) / args.messages)
                switches[name].append((smtpd_switches(mr) - switched) / args.messages)
                sent[id(mr)] += args.messages
                inbound[name].append(rate)
                log(f"round {r + 1} inbound {name}: {rate:.0f} msg/s, smtpd {cpu[name][-1]:.3f} ms/msg, "
                    f"{switches[name][-1]:.1f} switches/msg, "
                    f"load {os.getloadavg()[0]:.1f}")
            for name, mr in (("nosign", nosign), ("sign", sign)):
                wait_for_count(mr, SENDER, sent[id(mr)])
                before, switched = smtpd_cpu(mr), smtpd_switches(mr)
                rate = submit(mr.port("submission"), args.messages, 10, args.size)
                cpu[name].append(1000 * (smtpd_cpu(mr) - before) / args.messages)
                switches[name].append((smtpd_switches(mr) - switched) / args.messages)
                sent[id(mr)] += args.messages
                submission[name].append(rate)
                log(f"round {r + 1} submission {name}: {rate:.0f} msg/s, smtpd {cpu[name][-1]:.3f} ms/msg, "
                    f"{switches[name][-1]:.1f} switches/msg, "
                    f"load {os.getloadavg()[0]:.1f}")
        a, b = median(inbound["plain"]), median(inbound["check"])
        print(f"mailauth inbound: smtp-source -F, {args.messages} copies of a {os.path.getsize(sample)} B "
              f"message signed ed25519+rsa, 10 sessions, median of {args.rounds} rounds")
        print(f"  unchecked {a:8.0f} msg/s   checked (SPF, 2x DKIM, DMARC, ARC) {b:8.0f} msg/s   "
              f"cost {100 * (1 - b / a):5.1f} %")
        a, b = median(cpu["plain"]), median(cpu["check"])
        print(f"  smtpd CPU per message: unchecked {a:.3f} ms   checked {b:.3f} ms   (+{b - a:.3f} ms)")
        a, b = median(switches["plain"]), median(switches["check"])
        print(f"  smtpd thread switches per message: unchecked {a:.1f}   checked {b:.1f}")
        a, b = median(submission["nosign"]), median(submission["sign"])
        print(f"mailauth submission: {args.messages} messages of {args.size} B, 10 logged-in sessions "
              f"back to back, median of {args.rounds} rounds")
        print(f"  unsigned  {a:8.0f} msg/s   signed ed25519+rsa-2048 {b:8.0f} msg/s   "
              f"cost {100 * (1 - b / a):5.1f} %")
        a, b = median(cpu["nosign"]), median(cpu["sign"])
        print(f"  smtpd CPU per message: unsigned {a:.3f} ms   signed {b:.3f} ms   (+{b - a:.3f} ms)")
        a, b = median(switches["nosign"]), median(switches["sign"])
        print(f"  smtpd thread switches per message: unsigned {a:.1f}   signed {b:.1f}")
        print_crypto_bound(crypto_rates(args.bin), cpu)
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for mr in instances:
            mr.stop()
        if dns:
            dns[0].terminate()
            dns[0].wait()
