"""ACME against Pebble, Let's Encrypt's test CA (Debian package `pebble`): `mailroom up`
obtains a certificate over http-01 (Pebble's validation reaches webd's HTTP listener, with
every name resolved to 127.0.0.1 by a dnsmasq), or over tls-alpn-01 on webd's HTTPS
listener when there is no plain HTTP one, IMAPS, POP3S, SMTPS and HTTPS present it
(verified against Pebble's root for our hostname), and `mailroom acme renew --force` makes
the already-running imapd serve a new serial without a restart, while a session opened
before keeps working. `mailroom reload` reaches a running `up`."""
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import unittest
import urllib.request

from lib import Mailroom, child_pids, wait_for_port
from remote_util import Dnsmasq, free_port, stop_process

HOST = "mx.example.test"
DOMAIN = "example.test"
NAMES = [HOST] + [f"{p}.{DOMAIN}" for p in ("autoconfig", "autodiscover", "mta-sts")]
PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"


def make_pebble_tls(tmp):
    """A self-signed certificate for Pebble's own HTTPS (127.0.0.1); it is also the
    ca_file mailroom trusts for the ACME directory."""
    cert, key = os.path.join(tmp, "pebble-wfe.pem"), os.path.join(tmp, "pebble-wfe.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=pebble",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    os.chmod(cert, 0o644)
    return cert, key


def peer_cert(port, cafile, server_name=HOST):
    """The DER certificate a verified TLS handshake to 127.0.0.1:port presents."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True), tls.getpeercert()


def serial_of(decoded):
    return decoded["serialNumber"]


class AcmePebbleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(PEBBLE):
            raise unittest.SkipTest("pebble is not installed (scripts/install-deps.sh --test)")

    def setUp(self):
        self.mr = Mailroom(domain=DOMAIN, hostname=HOST)
        self.addCleanup(self.mr.close)
        tmp = self.mr.tmp
        self.dns = Dnsmasq(tmp, hosts=[(n, "127.0.0.1") for n in NAMES])
        self.addCleanup(self.dns.stop)
        wfe_cert, wfe_key = make_pebble_tls(tmp)
        self.acme_port, self.mgmt_port = free_port(), free_port()
        config = {"pebble": {
            "listenAddress": f"127.0.0.1:{self.acme_port}",
            "managementListenAddress": f"127.0.0.1:{self.mgmt_port}",
            "certificate": wfe_cert, "privateKey": wfe_key,
            "httpPort": self.mr.port("http"), "tlsPort": self.mr.port("https"),
            "ocspResponderURL": "", "externalAccountBindingRequired": False}}
        config_path = os.path.join(tmp, "pebble.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        self.pebble_log = open(os.path.join(tmp, "pebble.log"), "w")
        self.pebble = subprocess.Popen([PEBBLE, "-config", config_path, "-dnsserver", self.dns.server],
                                       stdout=self.pebble_log, stderr=subprocess.STDOUT, env=env)
        self.addCleanup(self.pebble_log.close)
        self.addCleanup(stop_process, self.pebble)  # stopped by its PID
        wait_for_port(self.acme_port)
        wait_for_port(self.mgmt_port)

        self.mr.set_in_table("acme", "enabled", "false", "true")
        self.mr.set_in_table("acme", "directory", '"https://acme-v02.api.letsencrypt.org/directory"',
                             f'"https://127.0.0.1:{self.acme_port}/dir"')
        self.mr.set_in_table("acme", "email", '""', '"postmaster@example.test"')
        self.mr.set_in_table("acme", "ca_file", '""', f'"{wfe_cert}"')
        self.acme_dir = os.path.join(self.mr.dir, "data", "acme")

    def pebble_chain(self):
        """Pebble's root and intermediate (from its management API) as one CA file."""
        ctx = ssl._create_unverified_context()
        pems = []
        for what in ("roots/0", "intermediates/0"):
            with urllib.request.urlopen(f"https://127.0.0.1:{self.mgmt_port}/{what}", context=ctx, timeout=10) as r:
                pems.append(r.read().decode())
        path = os.path.join(self.mr.tmp, "pebble-roots.pem")
        with open(path, "w") as f:
            f.write("\n".join(pems))
        return path

    def wait_for_serial(self, port, cafile, not_serial=None, timeout=60):
        """Polls until a verified handshake succeeds with a serial other than `not_serial`."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                _, decoded = peer_cert(port, cafile)
                if serial_of(decoded) != not_serial:
                    return decoded
                last = "same serial " + serial_of(decoded)
            except (ssl.SSLError, OSError) as e:
                last = repr(e)
            time.sleep(0.5)
        log = [l for l in self.mr.log_text().splitlines()
               if "tls_handshake_failed" not in l and "event=disconnect" not in l]
        self.fail(f"no new Pebble certificate on port {port}: {last}\n" + "\n".join(log[-40:]))

    def imapd_pid(self):
        pids = [p for p, name in child_pids(self.mr.proc.pid).items() if name == "imapd"]
        self.assertEqual(len(pids), 1, pids)
        return pids[0]

    def test_obtain_serve_and_renew_without_restart(self):
        self.mr.up()
        wait_for_port(self.mr.port("imaps"))
        roots = self.pebble_chain()
        first = self.wait_for_serial(self.mr.port("imaps"), roots, timeout=30)
        names = sorted(v for k, v in first["subjectAltName"] if k == "DNS")
        self.assertEqual(names, sorted(NAMES))
        # Every TLS listener serves it, verified against Pebble's root for our hostname.
        for listener in ("pop3s", "submissions", "https"):
            _, other = peer_cert(self.mr.port(listener), roots)
            self.assertEqual(serial_of(other), serial_of(first), listener)
        # Files under the data dir are 0600.
        for name in ("account.key", "cert.pem", "key.pem"):
            self.assertEqual(os.stat(os.path.join(self.acme_dir, name)).st_mode & 0o777, 0o600, name)
        self.assertEqual(os.listdir(os.path.join(self.acme_dir, "challenges")), [])

        imapd = self.imapd_pid()
        # A session opened before the renewal keeps working after it.
        ctx = ssl.create_default_context(cafile=roots)
        old = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.mr.port("imaps")), timeout=10),
                              server_hostname=HOST)
        self.addCleanup(old.close)
        self.assertIn(b"* OK", old.recv(4096))

        res = self.mr.run("acme", "renew", "--force")
        self.assertIn("certificate renewed", res.stdout)
        second = self.wait_for_serial(self.mr.port("imaps"), roots, not_serial=serial_of(first))
        print(f"\nserved before renewal: serial {serial_of(first)}; after: {serial_of(second)}")
        self.assertEqual(self.imapd_pid(), imapd, "imapd was restarted")
        _, https = peer_cert(self.mr.port("https"), roots)
        self.assertEqual(serial_of(https), serial_of(second))
        old.sendall(b"a1 NOOP\r\n")
        self.assertIn(b"a1 OK", old.recv(4096))

        # Not due: a plain renew leaves the certificate alone; reload reaches `up`.
        self.assertIn("certificate current", self.mr.run("acme", "renew").stdout)
        self.assertIn("reload signalled", self.mr.run("reload").stdout)
        time.sleep(1)
        _, again = peer_cert(self.mr.port("imaps"), roots)
        self.assertEqual(serial_of(again), serial_of(second))
        self.assertEqual(self.imapd_pid(), imapd)

    def test_tls_alpn_01_without_plain_http(self):
        """Without [http] listen, the CA validates over TLS-ALPN on webd's HTTPS listener."""
        self.mr.set_in_table("http", "listen", f'["127.0.0.1:{self.mr.port("http")}"]', "[]")
        self.mr.up()
        wait_for_port(self.mr.port("imaps"))
        roots = self.pebble_chain()
        cert = self.wait_for_serial(self.mr.port("imaps"), roots, timeout=30)
        self.assertEqual(sorted(v for k, v in cert["subjectAltName"] if k == "DNS"), sorted(NAMES))
        self.assertIn("event=acme_tls_alpn", self.mr.log_text())
        _, https = peer_cert(self.mr.port("https"), roots)
        self.assertEqual(serial_of(https), serial_of(cert))

    def test_unreachable_ca_is_retried_and_tls_keeps_working(self):
        self.mr.set_in_table("acme", "directory", f'"https://127.0.0.1:{self.acme_port}/dir"',
                             f'"https://127.0.0.1:{free_port()}/dir"')
        self.mr.up()
        wait_for_port(self.mr.port("imaps"))
        deadline = time.monotonic() + 30
        while "event=acme_failed" not in self.mr.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertIn("event=acme_failed", self.mr.log_text())
        self.assertIn("retry_s=60", self.mr.log_text())
        self.assertFalse(os.path.exists(os.path.join(self.acme_dir, "cert.pem")))
        # The [tls] certificate from `mailroom init` is still served.
        ctx = ssl._create_unverified_context()
        with socket.create_connection(("127.0.0.1", self.mr.port("imaps")), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=HOST) as tls:
                self.assertIn(b"* OK", tls.recv(4096))

    def test_reload_without_up_is_an_error(self):
        res = self.mr.run("reload", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("not running", res.stderr)


if __name__ == "__main__":
    unittest.main()
