"""deliverd refreshes cached MTA-STS policies before they expire (RFC 8461 §5.1, §10.2).

A real instance (`mailroom up`) whose policy cache holds policies fetched long enough ago
to be due (past half their max_age); dnsmasq serves the `_mta-sts` TXT records and the
policy hosts' addresses, and the policy host is the HTTPS server of test_mta_sts with a
private CA that [delivery] ca_file trusts. No mail is sent: the refresh runs by itself.
"""
import os
import time
import unittest

from deliver_util import wait_until
from lib import Mailroom
from remote_util import Dnsmasq, missing_tools
from test_mta_sts import PolicyServer, make_ca, make_leaf

MAX_AGE = 12  # seconds: due for refresh 6 s after each fetch


@unittest.skipIf(missing_tools(), f"missing {missing_tools()} (scripts/install-deps.sh --test)")
class MtaStsRefreshTest(unittest.TestCase):
    def setUp(self):
        self.mr = Mailroom()
        tmp = self.mr.tmp
        self.ca = make_ca(tmp)
        domains = ["fresh.test", "broken.test", "removed.test"]
        # broken.test and removed.test serve no policy any more (404): a refresh fails.
        self.policy = PolicyServer(*make_leaf(tmp, self.ca, "policy", [f"mta-sts.{d}" for d in domains]),
                                   policies={"fresh.test": ("enforce", "mx.fresh.test")}, max_age=MAX_AGE)
        self.dns = Dnsmasq(tmp, hosts=[(f"mta-sts.{d}", "127.0.0.1") for d in domains],
                           txt=[("_mta-sts.fresh.test", "v=STSv1; id=2"), ("_mta-sts.broken.test", "v=STSv1; id=1")])
        self.mr.set_dns_servers([self.dns.server])
        self.mr.set_in_table("delivery", "ca_file", '""', f'"{self.ca[0]}"')
        self.mr.set_in_table("delivery", "mta_sts_port", "443", str(self.policy.port))
        self.cache = os.path.join(self.mr.dir, "data", "mta-sts")

    def tearDown(self):
        self.mr.close()
        self.dns.stop()
        self.policy.stop()

    def seed(self, domain, mode, fetched_at, policy_id, max_age=MAX_AGE):
        """A cache entry as deliverd writes it, owned by the account deliverd runs as."""
        data = os.path.join(self.mr.dir, "data")
        st = os.stat(data)
        os.makedirs(self.cache, mode=0o700, exist_ok=True)
        os.chown(self.cache, st.st_uid, st.st_gid)
        path = os.path.join(self.cache, f"{domain}.policy")
        with open(path, "w") as f:
            f.write(f"{fetched_at} {policy_id}\nversion: STSv1\nmode: {mode}\nmx: mx.{domain}\nmax_age: {max_age}\n")
        os.chmod(path, 0o600)
        os.chown(path, st.st_uid, st.st_gid)

    def cached(self, domain):
        with open(os.path.join(self.cache, f"{domain}.policy")) as f:
            fetched_at, policy_id = f.readline().split()
            return int(fetched_at), policy_id, f.read()

    def test_due_policies_are_refreshed_before_they_expire(self):
        now = int(time.time())
        self.seed("fresh.test", "enforce", now - 6, "1")      # due now, expires in 6 s
        self.seed("broken.test", "enforce", now - 6, "1")     # due, its host answers 404
        self.seed("removed.test", "none", now - 6, "1")       # due, 404, mode none: no alert
        self.seed("later.test", "enforce", now, "1", 3600)    # due in 30 minutes
        self.mr.up()

        # At start: the due policy is fetched again, under the id the TXT record has now.
        first = wait_until(lambda: (c := self.cached("fresh.test"))[1] == "2" and c, 15, what="the first refresh")
        self.assertGreaterEqual(first[0], now)
        self.assertIn(f"max_age: {MAX_AGE}", first[2])
        self.assertIn("mta-sts.fresh.test", self.policy.hosts())
        self.assertNotIn("mta-sts.later.test", self.policy.hosts())
        log = wait_until(lambda: "event=mta_sts_refresh_failed" in self.mr.log_text() and self.mr.log_text(), 10,
                         what="the failure warning")
        self.assertIn("domain=broken.test mode=enforce", log)
        self.assertNotIn("domain=removed.test", log)
        self.assertEqual(self.cached("broken.test")[0], now - 6, "a failed refresh keeps the cached policy")

        # And again once that fetch is past half its max_age, before it would expire.
        second = wait_until(lambda: (c := self.cached("fresh.test"))[0] > first[0] and c, MAX_AGE + 5,
                            what="the second refresh")
        self.assertLess(second[0], first[0] + MAX_AGE)
        self.assertEqual(self.policy.hosts().count("mta-sts.fresh.test"), 2)
        self.assertIn("event=mta_sts_refreshed domain=fresh.test", self.mr.log_text())


if __name__ == "__main__":
    unittest.main()
