#include <doctest/doctest.h>

#include "common/mailauth/auth_results.hpp"

using namespace mr::mailauth;

TEST_CASE("authentication-results: one field with every method") {
    AuthResults r;
    r.authserv_id = "mx.example.net";
    r.spf.result = SpfResult::Pass;
    r.spf_identity = "alice@example.org";
    r.dkim.push_back({"pass", "example.org", "ed25519-20261207", "AbC/d+1x", ""});
    r.dmarc.result = DmarcResult::Pass;
    r.dmarc.policy = DmarcPolicy::Reject;
    r.dmarc.from_domain = "example.org";
    const auto f = authentication_results_field(r);
    CHECK(f ==
          "Authentication-Results: mx.example.net;\r\n\tspf=pass smtp.mailfrom=alice@example.org;\r\n"
          "\tdkim=pass header.d=example.org header.s=ed25519-20261207 header.b=\"AbC/d+1x\";\r\n"
          "\tdmarc=pass (p=reject dis=none) header.from=example.org;\r\n"
          "\tarc=none\r\n");

    r.arc.result = ArcVerdict::Pass;
    r.arc.instance = 2;
    r.arc.oldest_pass = 2;
    CHECK(authentication_results_field(r).ends_with(";\r\n\tarc=pass (i=2) header.oldest-pass=2\r\n"));
    r.arc.result = ArcVerdict::Fail;
    r.arc.reason = "ARC-Seal i=1: signature did not verify";
    CHECK(authentication_results_field(r).ends_with(";\r\n\tarc=fail (ARC-Seal i=1: signature did not verify)\r\n"));

    AuthResults none;
    none.authserv_id = "mx.example.net";
    none.spf.result = SpfResult::None;
    none.spf_identity = "client.example";
    none.spf_from_helo = true;
    CHECK(authentication_results_field(none).find("spf=none smtp.helo=client.example;\r\n\tdkim=none;\r\n\tdmarc=none") !=
          std::string::npos);
}

TEST_CASE("authentication-results: forged fields naming us are removed, others kept") {
    const std::string msg =
        "Received: from x\r\n"
        "Authentication-Results: MX.example.net; dkim=pass header.d=bank.example\r\n"
        "Authentication-Results: other.example; spf=pass\r\n"
        "Subject: hi\r\n"
        "Authentication-Results: (forged) mx.example.net 1;\r\n\tdmarc=pass\r\n"
        "\r\n"
        "Authentication-Results: mx.example.net; in the body stays\r\n";
    int removed = 0;
    const auto out = remove_our_results(msg, "mx.example.net", removed);
    CHECK(removed == 2);
    CHECK(out ==
          "Received: from x\r\n"
          "Authentication-Results: other.example; spf=pass\r\n"
          "Subject: hi\r\n"
          "\r\n"
          "Authentication-Results: mx.example.net; in the body stays\r\n");
}
