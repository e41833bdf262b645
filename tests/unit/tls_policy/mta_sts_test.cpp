// MTA-STS records, policies and MX matching (deliverd/tls_policy/mta_sts), with the RFC
// 8461 examples.
#include "deliverd/tls_policy/mta_sts.hpp"

#include <doctest/doctest.h>

using namespace mr::deliverd::tls_policy;

TEST_CASE("TXT record: the RFC 8461 §3.1 example and variants") {
    CHECK(parse_txt_record("v=STSv1; id=20160831085700Z;") == "20160831085700Z");
    CHECK(parse_txt_record("v=STSv1;id=abc") == "abc");
    CHECK(parse_txt_record("v=STSv1; ext=x.y ;id=abc ; ") == "abc");
    CHECK_FALSE(parse_txt_record("v=STSv1"));                  // no id
    CHECK_FALSE(parse_txt_record("v=STSv1; ext=1"));           // no id
    CHECK_FALSE(parse_txt_record("id=abc; v=STSv1"));          // version must come first
    CHECK_FALSE(parse_txt_record("v=STSv2; id=abc"));
    CHECK_FALSE(parse_txt_record("v=STSv1; id=ab-c"));         // 1*32(ALPHA / DIGIT)
    CHECK_FALSE(parse_txt_record("v=STSv1; id=" + std::string(33, 'a')));
    CHECK(parse_txt_record("v=STSv1; id=" + std::string(32, 'a')));
    CHECK_FALSE(parse_txt_record("v=STSv1; id"));
    CHECK_FALSE(parse_txt_record("v=STSv1 id=abc"));
}

TEST_CASE("TXT records: exactly one STSv1 record counts") {
    CHECK(policy_id({"v=spf1 -all", "v=STSv1; id=1"}) == "1");
    CHECK_FALSE(policy_id({"v=STSv1; id=1", "v=STSv1; id=2"}));
    CHECK_FALSE(policy_id({}));
    CHECK_FALSE(policy_id({"v=STSv1; id=bad-id"}));
}

TEST_CASE("policy: the RFC 8461 §3.2 example") {
    auto p = parse_policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                          "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
    REQUIRE(p);
    CHECK(p->mode == StsMode::Enforce);
    CHECK(p->max_age == 604800);
    CHECK(p->mx == std::vector<std::string>{"mail.example.com", "*.example.net", "backupmx.example.com"});
}

TEST_CASE("policy: LF lines, no final terminator, extensions, repeated fields") {
    auto p = parse_policy("version: STSv1\nmode: testing\nfoo_bar: some value\nmx: MX.Example.ORG.\n"
                          "mode: enforce\nmax_age:86400");
    REQUIRE(p);
    CHECK(p->mode == StsMode::Testing);  // the first of a repeated field
    CHECK(p->max_age == 86400);
    CHECK(p->mx == std::vector<std::string>{"mx.example.org"});
    auto none = parse_policy("version: STSv1\r\nmode: none\r\nmax_age: 1\r\n");
    REQUIRE(none);
    CHECK(none->mode == StsMode::None);
    CHECK(parse_policy("version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 9999999999")->max_age == kMaxMaxAge);
}

TEST_CASE("policy: invalid ones are refused") {
    CHECK_FALSE(parse_policy(""));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmax_age: 1\r\n"));         // no mx
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\n"));      // no max_age
    CHECK_FALSE(parse_policy("mode: enforce\r\nmx: a.example\r\nmax_age: 1\r\n"));          // no version
    CHECK_FALSE(parse_policy("version: STSv2\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 1\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: Enforce\r\nmx: a.example\r\nmax_age: 1\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: -1\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 12345678901\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: a..example\r\nmax_age: 1\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: *.*.example\r\nmax_age: 1\r\n"));
    CHECK_FALSE(parse_policy("<html>\r\n"));
    CHECK_FALSE(parse_policy("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 1\r\nx: \x01\r\n"));
    std::string huge = "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n";
    huge += std::string(kMaxPolicyBytes, '\n');
    CHECK_FALSE(parse_policy(huge));
}

TEST_CASE("MX matching: RFC 8461 §4.1") {
    CHECK(mx_matches("*.example.com", "mail.example.com"));
    CHECK_FALSE(mx_matches("*.example.com", "example.com"));
    CHECK_FALSE(mx_matches("*.example.com", "foo.bar.example.com"));
    CHECK(mx_matches("mail.example.com", "MAIL.Example.com."));
    CHECK(mx_matches("*.example.com", "Mail.EXAMPLE.com."));
    CHECK_FALSE(mx_matches("mail.example.com", "mail.example.com.evil"));
    CHECK_FALSE(mx_matches("*.example.com", ".example.com"));
    CHECK_FALSE(mx_matches("*.example.com", "mailexample.com"));
    CHECK_FALSE(mx_matches("", ""));
    StsPolicy p;
    p.mx = {"mail.example.com", "*.example.net"};
    CHECK(mx_allowed(p, "mx1.example.net"));
    CHECK(mx_allowed(p, "mail.example.com"));
    CHECK_FALSE(mx_allowed(p, "backup.example.com"));
}

TEST_CASE("cache record round trip and expiry") {
    CachedPolicy c;
    c.fetched_at = 1000;
    c.id = "abc123";
    c.text = "version: STSv1\nmode: enforce\nmx: mx.example\nmax_age: 60\n";
    c.policy = *parse_policy(c.text);
    auto back = parse_cached(format_cached(c));
    REQUIRE(back);
    CHECK(back->id == "abc123");
    CHECK(back->fetched_at == 1000);
    CHECK(back->policy.mode == StsMode::Enforce);
    CHECK_FALSE(back->expired(1059));
    CHECK(back->expired(1060));
    CHECK_FALSE(parse_cached("garbage"));
    CHECK_FALSE(parse_cached("1000 bad-id\n" + c.text));
    CHECK_FALSE(parse_cached("1000 abc\nnot a policy"));
}

TEST_CASE("refresh time: half the max_age, and at least once a day (RFC 8461 §5.1)") {
    CachedPolicy c;
    c.fetched_at = 1000;
    c.policy.max_age = 60;
    CHECK(c.refresh_at() == 1030);
    c.policy.max_age = 604800;  // a week
    CHECK(c.refresh_at() == 1000 + 86400);
    c.policy.max_age = 0;
    CHECK(c.refresh_at() == 1000);
}
