"""webd against real clients (curl, Python http.client and ssl, openssl s_client): Thunderbird
autoconfig, Outlook Autodiscover (POX and JSON), the MTA-STS policy, HEAD, 405/404, the
header, body and time limits, SNI with a trailing dot on every TLS listener, and the records
`mailroom dns` prints for all of it."""
import hashlib
import http.client
import json
import os
import pwd
import socket
import ssl
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

from lib import BIN_DIR, Mailroom, child_pids, run_client, unverified_context, wait_for_port

HOST = "mx.example.test"
REQUEST_TIMEOUT_S = 2
MAX_CONNECTIONS = 20
OUTLOOK = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"
POX_REQUEST = (
    '<?xml version="1.0" encoding="utf-8"?>\r\n'
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">\r\n'
    "  <Request>\r\n    <EMailAddress>{email}</EMailAddress>\r\n"
    "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/"
    "responseschema/2006a</AcceptableResponseSchema>\r\n  </Request>\r\n</Autodiscover>\r\n")


def curl(*args, timeout=20):
    """curl's output with the response headers first (-i); raises if curl itself fails."""
    res = run_client("curl", ["curl", "-sS", "-i", "--max-time", "10", *args], timeout=timeout, text=True)
    if res.returncode != 0:
        raise AssertionError(f"curl {args} failed ({res.returncode}): {res.stderr}")
    head, _, body = res.stdout.partition("\r\n\r\n")
    status = int(head.split()[1])
    headers = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


class WebdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(os.path.join(BIN_DIR, "webd"), os.X_OK):
            raise unittest.SkipTest("webd is not built")
        cls.mr = Mailroom(hostname=HOST)
        try:
            cls.mr.add_user("alice@example.test", "pw")
            cls.mr.set_option("request_timeout_s", "10", str(REQUEST_TIMEOUT_S))
            cls.mr.set_in_table("http", "max_connections", "500", str(MAX_CONNECTIONS))
            cls.mr.up()
            for name in ("http", "https"):
                if not wait_for_port(cls.mr.port(name)):
                    raise AssertionError(f"{name} not listening\n{cls.mr.log_text()}")
            cls.http = cls.mr.port("http")
            cls.https = cls.mr.port("https")
        except BaseException:
            cls.mr.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.mr.close()

    def url(self, path, name="autoconfig.example.test", tls=False):
        port = self.https if tls else self.http
        return (["--resolve", f"{name}:{port}:127.0.0.1", "-k"] if tls else ["-H", f"Host: {name}"],
                f"{'https' if tls else 'http'}://{name if tls else '127.0.0.1'}:{port}{path}")

    def get(self, path, name="autoconfig.example.test", tls=False, extra=()):
        opts, url = self.url(path, name, tls)
        return curl(*opts, *extra, url)

    # Thunderbird autoconfig

    def test_autoconfig_lists_every_service_with_our_hostname(self):
        status, headers, body = self.get("/mail/config-v1.1.xml?emailaddress=alice%40example.test")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/xml"))
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "clientConfig")
        self.assertEqual(root.get("version"), "1.1")
        servers = [(s.tag, s.get("type"), int(s.findtext("port")), s.findtext("socketType"))
                   for s in root.find("emailProvider") if s.tag.endswith("Server")]
        port = self.mr.port
        self.assertEqual(servers, [
            ("incomingServer", "imap", port("imaps"), "SSL"),
            ("incomingServer", "imap", port("imap"), "STARTTLS"),
            ("incomingServer", "pop3", port("pop3s"), "SSL"),
            ("incomingServer", "pop3", port("pop3"), "STARTTLS"),
            ("outgoingServer", "smtp", port("submissions"), "SSL"),
            ("outgoingServer", "smtp", port("submission"), "STARTTLS"),
        ])
        for s in root.iter():
            if s.tag.endswith("Server"):
                self.assertEqual(s.findtext("hostname"), HOST)
                self.assertEqual(s.findtext("username"), "%EMAILADDRESS%")
                self.assertEqual(s.findtext("authentication"), "password-cleartext")

    def test_autoconfig_well_known_path_and_users_are_indistinguishable(self):
        _, _, known = self.get("/mail/config-v1.1.xml?emailaddress=alice%40example.test")
        _, _, unknown = self.get("/mail/config-v1.1.xml?emailaddress=nobody%40example.test")
        self.assertEqual(known, unknown)
        conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        conn.request("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", headers={"Host": "example.test"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.read().decode(), known)
        conn.close()

    def test_autoconfig_of_a_domain_we_do_not_host_is_404(self):
        status, _, body = self.get("/mail/config-v1.1.xml?emailaddress=alice%40elsewhere.test")
        self.assertEqual(status, 404)
        self.assertNotIn(HOST, body)
        self.assertEqual(self.get("/mail/config-v1.1.xml", name="autoconfig.elsewhere.test")[0], 404)

    # Outlook Autodiscover

    def pox(self, email):
        return self.get("/autodiscover/autodiscover.xml", name="autodiscover.example.test", tls=True,
                        extra=("-X", "POST", "-H", "Content-Type: text/xml",
                               "--data-binary", POX_REQUEST.format(email=email)))

    def test_autodiscover_pox_gives_imap_smtp_pop3(self):
        status, headers, body = self.pox("alice@example.test")
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}Autodiscover")
        account = root.find(f"{OUTLOOK}Response/{OUTLOOK}Account")
        self.assertEqual(account.findtext(f"{OUTLOOK}AccountType"), "email")
        self.assertEqual(account.findtext(f"{OUTLOOK}Action"), "settings")
        protocols = {p.findtext(f"{OUTLOOK}Type"): p for p in account.findall(f"{OUTLOOK}Protocol")}
        self.assertEqual(sorted(protocols), ["IMAP", "POP3", "SMTP"])
        for kind, listener in (("IMAP", "imaps"), ("SMTP", "submissions"), ("POP3", "pop3s")):
            p = protocols[kind]
            self.assertEqual(p.findtext(f"{OUTLOOK}Server"), HOST)
            self.assertEqual(int(p.findtext(f"{OUTLOOK}Port")), self.mr.port(listener))
            self.assertEqual(p.findtext(f"{OUTLOOK}LoginName"), "alice@example.test")
            self.assertEqual(p.findtext(f"{OUTLOOK}SSL"), "on")
            self.assertEqual(p.findtext(f"{OUTLOOK}SPA"), "off")
            self.assertEqual(p.findtext(f"{OUTLOOK}AuthRequired"), "on")
        # A user that does not exist gets the same document, but for its own login name.
        _, _, other = self.pox("nobody@example.test")
        self.assertEqual(other, body.replace("alice@", "nobody@"))

    def test_autodiscover_pox_with_expect_100_continue(self):
        body = POX_REQUEST.format(email="alice@example.test").encode()
        with socket.create_connection(("127.0.0.1", self.http), timeout=10) as s:
            s.sendall(b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: autodiscover.example.test\r\n"
                      b"Expect: 100-continue\r\nConnection: close\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            self.assertEqual(s.recv(4096), b"HTTP/1.1 100 Continue\r\n\r\n")
            s.sendall(body)
            data, _ = self.read_until_closed(s, time.monotonic() + 5)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data)
        self.assertIn(b"<LoginName>alice@example.test</LoginName>", data)

    def test_autodiscover_pox_refuses_other_domains_and_bad_xml(self):
        self.assertEqual(self.pox("alice@elsewhere.test")[0], 404)
        status, _, _ = self.get("/autodiscover/autodiscover.xml", name="autodiscover.example.test",
                                extra=("-X", "POST", "--data-binary", "<Autodiscover><Request>"))
        self.assertEqual(status, 400)
        status, headers, _ = self.get("/autodiscover/autodiscover.xml", name="autodiscover.example.test")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "POST")

    def test_autodiscover_json_query_and_path_forms(self):
        want = {"Protocol": "AutodiscoverV1",
                "Url": "https://autodiscover.example.test/autodiscover/autodiscover.xml"}
        for path in ("/autodiscover/autodiscover.json?Email=alice%40example.test&Protocol=AutodiscoverV1",
                     "/autodiscover/autodiscover.json/v1.0/nobody@example.test?Protocol=AutodiscoverV1"):
            status, headers, body = self.get(path, name="autodiscover.example.test", tls=True)
            self.assertEqual(status, 200, body)
            self.assertTrue(headers["content-type"].startswith("application/json"))
            self.assertEqual(json.loads(body), want)
        status, _, _ = self.get("/autodiscover/autodiscover.json?Email=a%40elsewhere.test&Protocol=AutodiscoverV1",
                                name="autodiscover.example.test", tls=True)
        self.assertEqual(status, 404)

    # MTA-STS

    def test_mta_sts_policy_and_its_dns_id(self):
        status, headers, body = self.get("/.well-known/mta-sts.txt", name="mta-sts.example.test", tls=True)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertEqual(body, f"version: STSv1\r\nmode: testing\r\nmx: {HOST}\r\nmax_age: 604800\r\n")
        records = json.loads(self.mr.run("dns", "example.test", "--json").stdout)
        txt = {r["name"]: r["value"] for r in records if r["type"] == "TXT"}
        self.assertEqual(txt["_mta-sts.example.test"],
                         "v=STSv1; id=" + hashlib.sha256(body.encode()).hexdigest()[:32])
        # Only on mta-sts.<domain>.
        self.assertEqual(self.get("/.well-known/mta-sts.txt", name="example.test")[0], 404)

    # HTTP itself

    def test_head_has_the_headers_of_get_and_no_body(self):
        _, get_headers, get_body = self.get("/.well-known/mta-sts.txt", name="mta-sts.example.test")
        res = run_client("curl", ["curl", "-sS", "-I", "-H", "Host: mta-sts.example.test",
                                  f"http://127.0.0.1:{self.http}/.well-known/mta-sts.txt"], timeout=20, text=True)
        self.assertIn("HTTP/1.1 200 OK", res.stdout)
        self.assertIn(f"Content-Length: {len(get_body)}", res.stdout)
        self.assertEqual(get_headers["content-length"], str(len(get_body)))
        # Raw: no body follows the HEAD answer's headers.
        with socket.create_connection(("127.0.0.1", self.http), timeout=10) as s:
            s.sendall(b"HEAD /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        self.assertTrue(data.endswith(b"\r\n\r\n"), data)

    def test_other_methods_405_and_unknown_paths_404(self):
        for method in ("PUT", "DELETE"):
            status, headers, _ = self.get("/mail/config-v1.1.xml", extra=("-X", method))
            self.assertEqual(status, 405, method)
            self.assertEqual(headers["allow"], "GET, HEAD, POST")
        self.assertEqual(self.get("/")[0], 404)
        self.assertEqual(self.get("/../../etc/passwd", extra=("--path-as-is",))[0], 404)

    def test_keep_alive_answers_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        for _ in range(3):
            conn.request("GET", "/.well-known/mta-sts.txt", headers={"Host": "mta-sts.example.test"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        conn.close()

    def test_oversize_header_431_and_body_413(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        conn.request("GET", "/mail/config-v1.1.xml", headers={"Host": "autoconfig.example.test",
                                                               "X-Big": "x" * 10000})
        self.assertEqual(conn.getresponse().status, 431)
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        conn.request("POST", "/autodiscover/autodiscover.xml", body=b"x" * 70000,
                     headers={"Host": "autodiscover.example.test"})
        self.assertEqual(conn.getresponse().status, 413)
        conn.close()

    def read_until_closed(self, s, deadline):
        data = b""
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                return data, True
            data += chunk
        return data, False

    def test_a_slow_request_is_closed_after_the_time_limit(self):
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.http), timeout=1) as s:
            s.sendall(b"GET /mail/config-v1.1.xml HTTP/1.1\r\n")
            # One byte at a time, as a slowloris client: each byte keeps an idle timer alive,
            # not the request's deadline.
            closed = False
            data = b""
            for c in b"Host: autoconfig.example.test\r\nX-Slow: " + b"a" * 40:
                try:
                    s.sendall(bytes([c]))
                    data += s.recv(4096)
                    closed = True
                    break
                except socket.timeout:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                if time.monotonic() - started > REQUEST_TIMEOUT_S + 5:
                    break
            if closed and data:
                more, _ = self.read_until_closed(s, time.monotonic() + 2)
                data += more
        elapsed = time.monotonic() - started
        self.assertTrue(closed, "the slow request was not cut off")
        self.assertTrue(data.startswith(b"HTTP/1.1 408 "), data)
        self.assertGreaterEqual(elapsed, REQUEST_TIMEOUT_S - 0.5)
        self.assertLess(elapsed, REQUEST_TIMEOUT_S + 3)

    def test_an_idle_connection_is_closed_silently(self):
        with socket.create_connection(("127.0.0.1", self.http), timeout=REQUEST_TIMEOUT_S + 5) as s:
            self.assertEqual(s.recv(4096), b"")

    def test_connections_over_the_limit_get_503(self):
        held = []
        try:
            for _ in range(MAX_CONNECTIONS):
                held.append(socket.create_connection(("127.0.0.1", self.http), timeout=5))
            time.sleep(0.3)  # every one accepted and counted
            with socket.create_connection(("127.0.0.1", self.http), timeout=5) as extra:
                data, closed = self.read_until_closed(extra, time.monotonic() + 1.5)
            self.assertTrue(data.startswith(b"HTTP/1.1 503 "), data)
            self.assertTrue(closed)
        finally:
            for s in held:
                s.close()
        time.sleep(0.3)
        self.assertEqual(self.get("/mail/config-v1.1.xml")[0], 200)

    def test_garbage_gets_400_and_the_daemon_lives_on(self):
        with socket.create_connection(("127.0.0.1", self.http), timeout=10) as s:
            s.sendall(b"\x16\x03\x01\x00\xff garbage\r\n\r\n")
            data, _ = self.read_until_closed(s, time.monotonic() + 5)
        self.assertTrue(data.startswith(b"HTTP/1.1 400 "), data)
        self.assertEqual(self.get("/mail/config-v1.1.xml")[0], 200)

    # TLS: a server name with the root's trailing dot (Outlook for Mac's relay sends one)

    def test_sni_with_a_trailing_dot_on_every_tls_listener(self):
        listeners = [name for name, binary in (("https", "webd"), ("imaps", "imapd"), ("pop3s", "pop3d"),
                                               ("submissions", "smtpd"))
                     if os.access(os.path.join(BIN_DIR, binary), os.X_OK)]
        for name in listeners:
            wait_for_port(self.mr.port(name))
            with socket.create_connection(("127.0.0.1", self.mr.port(name)), timeout=10) as raw:
                with unverified_context().wrap_socket(raw, server_hostname=HOST + ".") as s:
                    self.assertTrue(s.version().startswith("TLS"), name)
                    if name != "https":
                        self.assertTrue(s.recv(512), name)  # the greeting
        # STARTTLS listeners share the TLS context: the same name through openssl s_client.
        for proto, name, binary in (("imap", "imap", "imapd"), ("pop3", "pop3", "pop3d"),
                                    ("smtp", "submission", "smtpd")):
            if not os.access(os.path.join(BIN_DIR, binary), os.X_OK):
                continue
            res = run_client("openssl", ["openssl", "s_client", "-brief", "-starttls", proto,
                                         "-connect", f"127.0.0.1:{self.mr.port(name)}",
                                         "-servername", HOST + "."], timeout=20, text=True, input="")
            self.assertIn("CONNECTION ESTABLISHED", res.stdout + res.stderr, name)
        res = run_client("openssl", ["openssl", "s_client", "-connect", f"127.0.0.1:{self.https}",
                                     "-servername", "mta-sts.example.test.", "-quiet"],
                         timeout=20, text=True,
                         input="GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test.\r\n"
                               "Connection: close\r\n\r\n")
        self.assertIn("HTTP/1.1 200 OK", res.stdout, res.stderr)
        self.assertIn("version: STSv1", res.stdout)

    # The daemon, as `up` runs it

    def test_webd_runs_unprivileged(self):
        if os.geteuid() != 0:
            self.skipTest("runs as the invoking user when not started as root")
        pids = [pid for pid, name in child_pids(self.mr.proc.pid).items() if name == "webd"]
        self.assertEqual(len(pids), 1, self.mr.log_text()[-2000:])
        with open(f"/proc/{pids[0]}/status") as f:
            uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
        want = pwd.getpwnam(self.mr.settings()["server"]["run_user"]).pw_uid
        self.assertEqual({int(u) for u in uids}, {want})


class DnsRecordsTest(unittest.TestCase):
    """`mailroom dns` reads the config only: no daemon runs."""

    def setUp(self):
        self.mr = Mailroom(hostname=HOST)

    def tearDown(self):
        self.mr.close()

    def records(self):
        return json.loads(self.mr.run("dns", "example.test", "--json").stdout)

    def test_webd_names_srv_priorities_mta_sts_and_tlsrpt(self):
        records = self.records()
        by = {(r["name"], r["type"]): r["value"] for r in records}
        for name in ("autoconfig", "autodiscover", "mta-sts"):
            self.assertEqual(by[(f"{name}.example.test", "CNAME")], HOST + ".")
        port = self.mr.port
        for service, listener, priority in (("_imaps", "imaps", 0), ("_submissions", "submissions", 0),
                                            ("_pop3s", "pop3s", 0), ("_imap", "imap", 10),
                                            ("_submission", "submission", 10), ("_pop3", "pop3", 10)):
            self.assertEqual(by[(f"{service}._tcp.example.test", "SRV")],
                             f"{priority} 1 {port(listener)} {HOST}.")
        self.assertEqual(by[("_smtp._tls.example.test", "TXT")], "v=TLSRPTv1; rua=mailto:postmaster@example.test")
        self.assertRegex(by[("_mta-sts.example.test", "TXT")], r"^v=STSv1; id=[0-9a-f]{32}$")
        zone = self.mr.run("dns", "example.test").stdout
        self.assertIn(f"autoconfig.example.test. IN CNAME {HOST}.", zone)

    def test_the_mta_sts_id_changes_with_the_mode(self):
        def sts_id():
            return next(r["value"] for r in self.records() if r["name"] == "_mta-sts.example.test")
        testing = sts_id()
        self.assertEqual(sts_id(), testing)
        self.mr.set_option("mta_sts_mode", '"testing"', '"enforce"')
        self.assertNotEqual(sts_id(), testing)


if __name__ == "__main__":
    unittest.main()
