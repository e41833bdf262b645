#!/usr/bin/env python3
"""webd (issue 17): Thunderbird autoconfig requests/s over HTTP and HTTPS, 10 parallel
clients. No target; the issue asks for the figure.

Run it through bench/http.sh (or `bench/run.sh http`). Each client is one curl process
that fetches the autoconfig document N times over one kept-alive connection (curl reuses
it for the URLs of one invocation), the way a busy front end would; the 10 run at once.
The figure is total requests / wall time, the median of R rounds. Every answer must be
200 with the clientConfig document, or the round is an error.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import MailroomInstance, log, median  # noqa: E402

DOMAIN = "example.test"
CLIENTS = 10


def curl_config(directory, scheme, port, requests):
    """A curl config file fetching the autoconfig document `requests` times."""
    host = f"autoconfig.{DOMAIN}"
    url = f"{scheme}://{host}:{port}/mail/config-v1.1.xml?emailaddress=alice%40{DOMAIN}"
    path = os.path.join(directory, f"{scheme}.curl")
    with open(path, "w") as f:
        f.write(f'resolve = "{host}:{port}:127.0.0.1"\n')
        for _ in range(requests):
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
    return path


def one_round(config, insecure):
    """Requests/s of CLIENTS curl processes running `config` at once."""
    cmd = ["curl", "--silent", "--show-error", "--write-out", "%{http_code}\\n", "--config", config]
    if insecure:
        cmd.insert(1, "--insecure")  # the instance's own self-signed certificate
    start = time.monotonic()
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(CLIENTS)]
    codes = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"curl failed ({p.returncode}): {err.strip()}")
        codes += out.split()
    elapsed = time.monotonic() - start
    bad = [c for c in codes if c != "200"]
    if bad:
        raise RuntimeError(f"{len(bad)} answers were not 200 (first: {bad[0]})")
    return len(codes) / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="build tree's bin directory")
    ap.add_argument("--work", default="/var/tmp/mailroom-http-bench")
    ap.add_argument("--requests", type=int, default=2000, help="requests per client and round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    os.chmod(args.work, 0o755)  # the daemons run as the mailroom account
    inst = MailroomInstance(args.bin, os.path.join(args.work, "inst"), DOMAIN)
    inst.add_user(f"alice@{DOMAIN}", "bench-password-1")
    scratch = tempfile.mkdtemp(prefix="http-bench-")
    try:
        inst.up(wait_for=("http", "https"))
        # The document itself, once, so that a broken webd is not timed.
        check = subprocess.run(["curl", "-sf", "--resolve", f"autoconfig.{DOMAIN}:{inst.port('http')}:127.0.0.1",
                                f"http://autoconfig.{DOMAIN}:{inst.port('http')}/mail/config-v1.1.xml"
                                f"?emailaddress=alice%40{DOMAIN}"], capture_output=True, text=True)
        if check.returncode != 0 or "<clientConfig" not in check.stdout:
            raise RuntimeError(f"no autoconfig document from webd: {check.stderr}")
        results = {"http": [], "https": []}
        configs = {s: curl_config(scratch, s, inst.port(s), args.requests) for s in results}
        for r in range(args.rounds):
            for scheme in results:
                rate = one_round(configs[scheme], insecure=scheme == "https")
                results[scheme].append(rate)
                log(f"round {r + 1} {scheme}: {rate:.0f} req/s")
        load = os.getloadavg()[0]
        print(f"webd autoconfig, {CLIENTS} parallel curl clients with keep-alive, "
              f"{args.requests} requests each, median of {args.rounds} rounds (load {load:.1f}):")
        for scheme, rates in results.items():
            print(f"  {scheme:5} {median(rates):8.0f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in rates)})")
    finally:
        inst.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
