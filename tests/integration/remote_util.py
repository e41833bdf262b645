"""Helpers for the remote-delivery tests (test_remote*.py).

The remote side is always a real program on 127.0.0.1: dnsmasq as the DNS server, Postfix's
smtp-sink as a plain MTA, and, where smtp-sink cannot do it (per-recipient replies in one
transaction, AUTH, STARTTLS, SIZE, SMTPUTF8), a small scripted SMTP server built on Python's
standard library. Our side is tests/tools/remote_send (mr-remote-send), which runs
deliverd's RemoteDelivery once and prints per-recipient results as JSON lines.
Every process is started here and stopped by PID.
"""
import json
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time

from lib import BIN_DIR, stop_process

REMOTE_SEND = os.path.join(BIN_DIR, "mr-remote-send")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"


def missing_tools():
    """Names of the external programs these tests need and cannot find."""
    return [p for p in (DNSMASQ, SMTP_SINK) if not os.access(p, os.X_OK)]


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_listener(host, port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Dnsmasq:
    """dnsmasq on 127.0.0.1:port answering only from its command line.

    mx: list of (domain, host, preference); hosts: list of (name, ip); txt: list of (name,
    value), a value longer than 255 octets cut into strings of 255 (one record);
    srv: list of (name, target, port, priority, weight); cname: list of (alias, target), the
    target a name of `hosts` (dnsmasq serves CNAMEs only to names it knows).
    Everything under `.test` that is not listed is NXDOMAIN (--local), and a listed name asked
    for a type it does not have gets an empty answer (NODATA), as a real zone would.
    """

    def __init__(self, tmp, mx=(), hosts=(), txt=(), srv=(), cname=()):
        records = []
        for name, target, port, priority, weight in srv:
            records.append(f"--srv-host={name},{target},{port},{priority},{weight}")
        for alias, target in cname:
            records.append(f"--cname={alias},{target}")
        for domain, host, pref in mx:
            records.append(f"--mx-host={domain},{host},{pref}")
        for name, ip in hosts:
            records.append(f"--host-record={name},{ip}")
        for name, value in txt:
            if "," in value:
                raise ValueError("dnsmasq splits TXT values at commas: " + value)
            parts = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
            records.append(f"--txt-record={name}," + ",".join(parts))
        # The port is free when chosen, but any process's UDP socket (every resolver's query
        # socket) may take it before dnsmasq binds it: then try another.
        for attempt in range(10):
            self.port = free_port(socket.SOCK_DGRAM)
            if self._start(tmp, records):
                break
            if attempt == 9:
                raise RuntimeError("dnsmasq exited: " + self._log_text())
        self.server = f"127.0.0.1:{self.port}"

    def _log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def _start(self, tmp, records):
        """Starts dnsmasq on self.port; False when the port was taken meanwhile."""
        args = [DNSMASQ, "--no-daemon", f"--port={self.port}", "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--local=/test/",
                "--log-facility=-", f"--pid-file={os.path.join(tmp, 'dnsmasq.pid')}"]
        if os.geteuid() == 0:
            args.append("--user=root")
        self.log_path = os.path.join(tmp, f"dnsmasq-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args + records, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = self._log_text()
            if "started" in text:
                return True
            if self.proc.poll() is not None:
                self.log.close()
                if "Address already in use" in text:
                    return False
                raise RuntimeError("dnsmasq exited: " + text)
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not start: " + self._log_text())

    def stop(self):
        stop_process(self.proc, timeout=5)
        self.log.close()


class SmtpSink:
    """Postfix's smtp-sink on 127.0.0.1, dumping each transaction into dump_dir."""

    def __init__(self, tmp, *options, port=None, host="127.0.0.1"):
        self.dump_dir = tempfile.mkdtemp(prefix="sink-", dir=tmp)
        os.chmod(self.dump_dir, 0o777)  # smtp-sink runs as nobody when we are root
        # A port chosen here may be taken (by any outgoing connection) before smtp-sink binds
        # it: then another one, unless the caller named the port.
        for attempt in range(1 if port else 5):
            self.port = port or free_port()
            args = [SMTP_SINK, "-c", "-d", os.path.join(self.dump_dir, "%M.")]
            if os.geteuid() == 0:
                args += ["-u", "nobody"]
            args += list(options) + [f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}", "64"]
            self.log_path = os.path.join(tmp, f"sink-{self.port}.log")
            self.log = open(self.log_path, "w")
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
            if wait_for_listener(host, self.port):
                return
            stop_process(self.proc, timeout=5)
            self.log.close()
        with open(self.log_path) as f:
            raise RuntimeError("smtp-sink did not start: " + f.read())

    def messages(self):
        """The dumped transactions: list of (envelope-header dict of lists, full text)."""
        out = []
        for name in sorted(os.listdir(self.dump_dir)):
            with open(os.path.join(self.dump_dir, name), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            if not text:  # opened at MAIL, nothing written (the transaction did not finish)
                continue
            env = {}
            for line in text.splitlines():
                if not line.startswith("X-"):
                    break
                k, _, v = line.partition(": ")
                env.setdefault(k, []).append(v)
            out.append((env, text))
        return out

    def stop(self):
        stop_process(self.proc, timeout=5)
        self.log.close()


class ScriptedSmtpServer:
    """A minimal threaded SMTP server (standard library only) whose answers a test chooses.

    extensions: EHLO keywords offered (e.g. ["PIPELINING", "SIZE 1000", "SMTPUTF8"]);
    rcpt_replies: {local-part prefix: reply line} for RCPT (default "250 2.1.5 ok");
    auth: (user, password) required before MAIL, with AUTH mechanisms from `extensions`;
    tls: (certfile, keyfile) enables STARTTLS ("broken": says 220, then hangs up);
    data_reply: reply to the final dot;
    delay: seconds to sleep before answering the dot (concurrency tests);
    greeting: the first line (a malformed one tests our protocol-error path);
    port: where to listen (0: any free port; a given one lets another server take over the
    port of a stopped one).
    Records every transaction as a dict: mail, rcpts (accepted), data, tls, auth, conn.
    """

    def __init__(self, extensions=(), rcpt_replies=None, auth=None, tls=None,
                 data_reply="250 2.0.0 queued", delay=0.0, greeting="220 scripted.test ESMTP", port=0):
        self.extensions = list(extensions)
        self.rcpt_replies = rcpt_replies or {}
        self.auth = auth
        self.tls = tls
        self.data_reply = data_reply
        self.delay = delay
        self.greeting = greeting
        self.transactions = []
        self.connections = 0
        self.active = 0
        self.max_active = 0
        self.auth_seen = []
        self.commands = []
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                outer._session(self)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- one session ---

    def _session(self, h):
        with self.lock:
            self.connections += 1
            conn_no = self.connections
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        counted = True  # this session is in self.active
        sock = h.connection
        rfile, wfile = h.rfile, h.wfile
        state = {"tls": False, "auth": None, "mail": None, "rcpts": []}

        def send(line):
            wfile.write((line + "\r\n").encode())
            wfile.flush()

        try:
            send(self.greeting)
            while True:
                raw = rfile.readline(4096)
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                with self.lock:
                    self.commands.append(line)
                if verb == "EHLO":
                    ext = [e for e in self.extensions
                           if not (e == "STARTTLS" and (state["tls"] or not self.tls))]
                    if self.tls and not state["tls"] and "STARTTLS" not in ext:
                        ext.append("STARTTLS")
                    lines = ["scripted.test"] + ext
                    for i, e in enumerate(lines):
                        send(("250 " if i == len(lines) - 1 else "250-") + e)
                elif verb == "HELO":
                    send("250 scripted.test")
                elif verb == "STARTTLS" and self.tls and not state["tls"]:
                    send("220 2.0.0 go ahead")
                    if self.tls == "broken":  # a server whose TLS stack fails every handshake
                        return
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(*self.tls)
                    sock = ctx.wrap_socket(sock, server_side=True)
                    rfile = sock.makefile("rb")
                    wfile = sock.makefile("wb")
                    state["tls"] = True
                elif verb == "AUTH" and self.auth:
                    self._auth(line, rfile, send, state)
                elif verb == "MAIL":
                    if self.auth and state["auth"] is None:
                        send("530 5.7.0 authentication required")
                        continue
                    state["mail"] = line
                    state["rcpts"] = []
                    send("250 2.1.0 ok")
                elif verb == "RCPT":
                    addr = line[line.find("<") + 1:line.find(">")]
                    reply = "250 2.1.5 ok"
                    for prefix, r in self.rcpt_replies.items():
                        if addr.startswith(prefix):
                            reply = r
                    if reply.startswith("2"):
                        state["rcpts"].append(line)
                    send(reply)
                elif verb == "DATA":
                    if not state["mail"] or not state["rcpts"]:
                        send("554 5.5.1 no valid recipients")
                        continue
                    send("354 end with .")
                    data = b""
                    while True:
                        chunk = rfile.readline(1 << 20)
                        if not chunk:
                            return
                        if chunk == b".\r\n":
                            break
                        data += chunk
                    if self.delay:
                        time.sleep(self.delay)
                    with self.lock:
                        self.transactions.append({"mail": state["mail"], "rcpts": state["rcpts"],
                                                  "data": data, "tls": state["tls"],
                                                  "auth": state["auth"], "conn": conn_no})
                    state["mail"] = None
                    send(self.data_reply)
                elif verb == "RSET":
                    state["mail"] = None
                    state["rcpts"] = []
                    send("250 2.0.0 ok")
                elif verb == "QUIT":
                    # No longer active once it said QUIT: the client frees its slot when the 221
                    # arrives and may connect again before this thread reaches `finally`.
                    with self.lock:
                        self.active -= 1
                        counted = False
                    send("221 2.0.0 bye")
                    return
                else:
                    send("502 5.5.2 not implemented")
        except (OSError, ssl.SSLError):
            return
        finally:
            if sock is not h.connection:
                sock.close()
            if counted:
                with self.lock:
                    self.active -= 1

    def _auth(self, line, rfile, send, state):
        import base64
        parts = line.split()
        mech = parts[1].upper() if len(parts) > 1 else ""
        user = password = None
        if mech == "PLAIN" and len(parts) == 3:
            _, user, password = base64.b64decode(parts[2]).decode().split("\0")
        elif mech == "LOGIN":
            send("334 VXNlcm5hbWU6")
            user = base64.b64decode(rfile.readline().strip()).decode()
            send("334 UGFzc3dvcmQ6")
            password = base64.b64decode(rfile.readline().strip()).decode()
        else:
            send("504 5.5.4 mechanism not supported")
            return
        with self.lock:
            self.auth_seen.append((mech, user))
        if (user, password) == tuple(self.auth):
            state["auth"] = (mech, user)
            send("235 2.7.0 authenticated")
        else:
            send("535 5.7.8 bad credentials")


class ScriptedServers:
    """A unittest.TestCase mixin: self.server(**kw) starts a ScriptedSmtpServer that is
    stopped after the test."""

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def server(self, **kw):
        s = ScriptedSmtpServer(**kw)
        self.servers.append(s)
        return s


def make_cert(tmp, name="scripted.test"):
    """A self-signed certificate for `name` (openssl CLI); returns (cert, key)."""
    cert = os.path.join(tmp, "sink-cert.pem")
    key = os.path.join(tmp, "sink-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def write_config(tmp, **delivery):
    """A minimal mailroom.toml for mr-remote-send with the given [delivery] keys."""
    path = os.path.join(tmp, "mailroom.toml")
    lines = ["[server]", 'hostname = "client.test"', f'data_dir = "{tmp}/data"',
             "[tls]", 'cert = "unused.pem"', 'key = "unused.pem"', "[delivery]"]
    for k, v in delivery.items():
        lines.append(f"{k} = {json.dumps(v)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def write_message(tmp, body="Hello.\r\n", name="msg.eml", headers=None):
    path = os.path.join(tmp, name)
    head = headers or ("From: alice@here.test\r\nTo: bob@there.test\r\nSubject: remote test\r\n"
                       "Message-ID: <remote-test@here.test>\r\n")
    with open(path, "wb") as f:
        f.write((head + "\r\n" + body).encode())
    return path


def remote_send(config, message, rcpts, *extra, sender="alice@here.test", timeout=45):
    """Runs mr-remote-send; returns (list of result objects, stderr text)."""
    proc = subprocess.run([REMOTE_SEND, "--config", config, "--file", message,
                           "--from", sender, *extra, "--", *rcpts],
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"mr-remote-send failed ({proc.returncode}): {proc.stderr}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return results, proc.stderr


def by_address(results):
    """{address: result} over every delivery in `results`."""
    out = {}
    for d in results:
        for r in d["results"]:
            out[r["address"]] = r
    return out
