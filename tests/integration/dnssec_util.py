"""Real DNSSEC on loopback for the DANE tests: zones signed by ldns-signzone (ldnsutils),
served by NSD, and Unbound as the validating resolver our side asks.

Unbound knows each zone's trust anchor (its DS) and reaches the zone through a stub-zone
pointing at NSD, so what our resolver client gets (answers with or without the AD bit,
SERVFAIL for bogus data) comes from Unbound's own validation, not from the test.
Every process is started here on a free 127.0.0.1 port and stopped by PID.
"""
import os
import shutil
import socket
import subprocess
import time

from lib import stop_process

LDNS_KEYGEN = shutil.which("ldns-keygen") or "/usr/bin/ldns-keygen"
LDNS_SIGNZONE = shutil.which("ldns-signzone") or "/usr/bin/ldns-signzone"
NSD = shutil.which("nsd") or "/usr/sbin/nsd"
UNBOUND = shutil.which("unbound") or "/usr/sbin/unbound"


def missing_tools():
    """Names of the external programs these helpers need and cannot find."""
    return [p for p in (LDNS_KEYGEN, LDNS_SIGNZONE, NSD, UNBOUND) if not os.access(p, os.X_OK)]


def free_udp_tcp_port():
    """A port free for both UDP and TCP on 127.0.0.1 right now (DNS servers bind both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


class Zone:
    """`origin` with the records `body` (zone-file lines relative to the origin), given an
    SOA and NS here, signed with a fresh ECDSA P-256 key (one key as KSK and ZSK), or left
    unsigned (sign=False: no DS, so Unbound has no trust anchor for it and calls it
    insecure).

    inception/expiration: ldns-signzone's dates (YYYYMMDD); its defaults (now, +4 weeks)
    when not given. tamper: owner names (relative) whose RRSIGs over `tamper_type` get a
    corrupted signature after signing, so that validation of just that RRset fails.
    `ds` is the DS record Unbound takes as this zone's trust anchor."""

    def __init__(self, tmp, origin, body, sign=True, inception=None, expiration=None, tamper=(),
                 tamper_type="TLSA"):
        self.origin = origin.rstrip(".")
        self.dir = os.path.join(tmp, f"zone-{self.origin}")
        os.makedirs(self.dir)
        unsigned = os.path.join(self.dir, "zone")
        with open(unsigned, "w") as f:
            f.write(f"$ORIGIN {self.origin}.\n$TTL 60\n"
                    f"@ IN SOA ns.{self.origin}. hostmaster.{self.origin}. 1 3600 600 86400 60\n"
                    f"@ IN NS ns.{self.origin}.\nns IN A 127.0.0.1\n{body}\n")
        self.path, self.ds = unsigned, None
        if not sign:
            return
        key = subprocess.run([LDNS_KEYGEN, "-a", "ECDSAP256SHA256", "-k", self.origin], cwd=self.dir,
                             check=True, capture_output=True, text=True).stdout.strip()
        args = [LDNS_SIGNZONE, "-f", "signed"]
        if inception:
            args += ["-i", inception]
        if expiration:
            args += ["-e", expiration]
        subprocess.run(args + ["zone", key], cwd=self.dir, check=True, capture_output=True)
        self.path = os.path.join(self.dir, "signed")
        with open(os.path.join(self.dir, key + ".ds")) as f:
            self.ds = " ".join(f.read().split(";")[0].split())
        owners = {f"{name}.{self.origin}." for name in tamper}
        if owners:
            self._corrupt(owners, tamper_type)

    def _corrupt(self, owners, rrtype):
        with open(self.path) as f:
            lines = f.read().splitlines()
        hit = 0
        for i, line in enumerate(lines):
            fields = line.split()
            if len(fields) > 5 and fields[0] in owners and fields[3] == "RRSIG" and fields[4] == rrtype:
                sig = fields[-1]
                fields[-1] = ("B" if sig[0] != "B" else "C") + sig[1:]  # still base64, no longer the signature
                lines[i] = "\t".join(fields)
                hit += 1
        if hit != len(owners):
            raise RuntimeError(f"found {hit} RRSIG {rrtype} to corrupt for {sorted(owners)}")
        with open(self.path, "w") as f:
            f.write("\n".join(lines) + "\n")


class _DnsServer:
    """A server started on fresh ports until one binds (any process's UDP socket may take a
    port between our choosing it and the server binding it), logging to `log_path`.
    Subclasses name the program and give its configuration file's text for a port
    (_config); both programs run in the foreground with `-d -c FILE`."""

    name = ready = program = ""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, self.name)
        os.makedirs(self.dir)
        self.log_path = os.path.join(self.dir, f"{self.name}.log")
        for _ in range(10):
            self.port = free_udp_tcp_port()
            open(self.log_path, "w").close()
            self.proc = self._start(self.port)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.ready not in self.log_text() and self.proc.poll() is None:
                time.sleep(0.05)
            if self.ready in self.log_text():
                return
            stop_process(self.proc, timeout=5)
            if "already in use" not in self.log_text():
                raise RuntimeError(f"{self.name} did not start: {self.log_text()}")
        raise RuntimeError(f"{self.name} found no free port: {self.log_text()}")

    def _start(self, port):
        conf = os.path.join(self.dir, f"{self.name}.conf")
        with open(conf, "w") as f:
            f.write(self._config(port))
        return subprocess.Popen([self.program, "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                stderr=subprocess.STDOUT)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        stop_process(self.proc, timeout=5)


class Nsd(_DnsServer):
    """NSD on 127.0.0.1:port serving the given Zones (no zone database, no control)."""

    name, ready, program = "nsd", "nsd started", NSD

    def __init__(self, tmp, zones):
        self.zones = zones
        super().__init__(tmp)

    def _config(self, port):
        d = self.dir
        return (f'server:\n  ip-address: 127.0.0.1\n  port: {port}\n  do-ip6: no\n'
                f'  username: ""\n  chroot: ""\n  zonesdir: "{d}"\n  database: ""\n'
                f'  zonelistfile: "{d}/zone.list"\n  xfrdfile: "{d}/xfrd.state"\n  xfrdir: "{d}"\n'
                f'  pidfile: "{d}/nsd.pid"\n  logfile: "{self.log_path}"\n  server-count: 1\n'
                f'  verbosity: 1\nremote-control:\n  control-enable: no\n'
                + "".join(f"zone:\n  name: {z.origin}\n  zonefile: {z.path}\n" for z in self.zones))


class Unbound(_DnsServer):
    """Unbound on 127.0.0.1:port resolving the zones `nsd` serves: a stub-zone for each,
    and a trust anchor (its DS) for each signed one. RFC 6761 makes `.test` one of
    Unbound's default local zones; `nodefault` lifts that so the stubs are asked.
    val-log-level 2 logs each validation failure with its reason."""

    name, ready, program = "unbound", "start of service", UNBOUND

    def __init__(self, tmp, nsd):
        self.nsd = nsd
        super().__init__(tmp)
        self.server = f"127.0.0.1:{self.port}"

    def _config(self, port):
        d = self.dir
        zones = self.nsd.zones
        return (f'server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n'
                f'  username: ""\n  chroot: ""\n  directory: "{d}"\n  pidfile: "{d}/unbound.pid"\n'
                f'  logfile: "{self.log_path}"\n  use-syslog: no\n  verbosity: 1\n'
                f'  val-log-level: 2\n  do-not-query-localhost: no\n  local-zone: "test." nodefault\n'
                + "".join(f'  trust-anchor: "{z.ds}"\n' for z in zones if z.ds)
                + "".join(f'stub-zone:\n  name: "{z.origin}"\n  stub-addr: 127.0.0.1@{self.nsd.port}\n'
                          for z in zones))
