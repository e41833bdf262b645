#include <doctest/doctest.h>

#include <map>
#include <set>

#include "common/mailauth/dmarc.hpp"

using namespace mr;
using namespace mr::mailauth;

namespace {

struct ZoneDns final : dns::DnsClient {
    std::map<std::string, std::vector<std::string>> txt;
    std::set<std::string> failing;
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType) override {
        if (failing.count(std::string(name))) return {dns::DnsAnswer::Status::TempFail, {}};
        auto it = txt.find(std::string(name));
        if (it == txt.end()) return {dns::DnsAnswer::Status::NxDomain, {}};
        return {dns::DnsAnswer::Status::Ok, it->second};
    }
};

DmarcOutcome check(ZoneDns& dns, std::string from, std::string spf_domain, bool spf_pass,
                   std::vector<std::string> dkim = {}, int sample = 0) {
    const std::string header = "From: Someone <" + from + ">\r\nSubject: x\r\n\r\n";
    DmarcInput in{header, std::move(spf_domain), spf_pass, std::move(dkim)};
    return check_dmarc(dns, in, [sample] { return sample; });
}

}  // namespace

TEST_CASE("dmarc record: tags, defaults and what is not a record") {
    auto r = parse_dmarc_record("v=DMARC1; p=reject; sp=none; pct=50; adkim=s; aspf=r; rua=mailto:d@example.org");
    REQUIRE(r);
    CHECK(r->policy == DmarcPolicy::Reject);
    CHECK(*r->subdomain_policy == DmarcPolicy::None);
    CHECK(r->pct == 50);
    CHECK(r->strict_dkim);
    CHECK_FALSE(r->strict_spf);
    CHECK_FALSE(parse_dmarc_record("p=reject; v=DMARC1"));   // v= must come first
    CHECK_FALSE(parse_dmarc_record("v=DMARC2; p=reject"));
    CHECK_FALSE(parse_dmarc_record("v=DMARC1"));              // no p=, no rua=
    CHECK(parse_dmarc_record("v=DMARC1; p=bogus; rua=mailto:x@example.org")->policy == DmarcPolicy::None);
    CHECK(parse_dmarc_record("v=DMARC1;p=quarantine;junk;pct=999")->pct == 100);
}

TEST_CASE("dmarc: organizational domains from the Public Suffix List") {
    CHECK(organizational_domain("mail.example.co.uk") == "example.co.uk");
    CHECK(organizational_domain("a.b.Example.COM") == "example.com");
}

TEST_CASE("dmarc: alignment, relaxed and strict, through SPF or DKIM") {
    ZoneDns dns;
    dns.txt["_dmarc.example.org"] = {"v=DMARC1; p=reject"};
    dns.txt["_dmarc.strict.example"] = {"v=DMARC1; p=quarantine; adkim=s; aspf=s"};

    auto pass_spf = check(dns, "ceo@example.org", "bounces.example.org", true);
    CHECK(pass_spf.result == DmarcResult::Pass);
    CHECK(pass_spf.applied == DmarcPolicy::None);

    auto spoof = check(dns, "ceo@example.org", "attacker.example", true);
    CHECK(spoof.result == DmarcResult::Fail);
    CHECK(spoof.policy == DmarcPolicy::Reject);
    CHECK(spoof.applied == DmarcPolicy::Reject);
    CHECK(spoof.from_domain == "example.org");

    CHECK(check(dns, "ceo@example.org", "attacker.example", false, {"example.org"}).result == DmarcResult::Pass);
    CHECK(check(dns, "x@strict.example", "mail.strict.example", true).result == DmarcResult::Fail);
    CHECK(check(dns, "x@strict.example", "strict.example", true).result == DmarcResult::Pass);
    CHECK(check(dns, "x@strict.example", "", false, {"sub.strict.example"}).result == DmarcResult::Fail);
}

TEST_CASE("dmarc: subdomain policy, pct sampling, no record, DNS failure, bad From") {
    ZoneDns dns;
    dns.txt["_dmarc.example.org"] = {"v=DMARC1; p=reject; sp=quarantine; pct=30"};
    auto sub = check(dns, "x@news.example.org", "other.example", true, {}, 10);
    CHECK(sub.result == DmarcResult::Fail);
    CHECK(sub.policy == DmarcPolicy::Quarantine);
    CHECK(sub.applied == DmarcPolicy::Quarantine);
    auto unsampled = check(dns, "x@example.org", "other.example", true, {}, 70);
    CHECK(unsampled.policy == DmarcPolicy::Reject);
    CHECK(unsampled.applied == DmarcPolicy::Quarantine);  // outside pct: the next milder

    CHECK(check(dns, "x@nodmarc.example", "", false).result == DmarcResult::None);
    dns.failing.insert("_dmarc.flaky.example");
    CHECK(check(dns, "x@flaky.example", "", false).result == DmarcResult::TempError);

    DmarcInput two{"From: a@example.org\r\nFrom: b@example.org\r\n\r\n", "", false, {}};
    CHECK(check_dmarc(dns, two, [] { return 0; }).result == DmarcResult::PermError);
    DmarcInput none{"Subject: x\r\n\r\n", "", false, {}};
    CHECK(check_dmarc(dns, none, [] { return 0; }).result == DmarcResult::PermError);
}

#include "common/mailauth/dnsbl.hpp"

TEST_CASE("dnsbl: query names, listings, error codes and DNS failures") {
    CHECK(dnsbl_query_name("192.0.2.99", "bl.example") == "99.2.0.192.bl.example");
    CHECK(dnsbl_query_name("2001:db8::1", "bl.example") ==
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
    CHECK(dnsbl_query_name("not-an-ip", "bl.example").empty());

    struct Dns final : dns::DnsClient {
        dns::DnsAnswer lookup(std::string_view name, dns::RecordType t) override {
            const std::string n(name);
            if (n == "99.2.0.192.bl.example" && t == dns::RecordType::A) return {dns::DnsAnswer::Status::Ok, {"127.0.0.2"}};
            if (n == "99.2.0.192.bl.example") return {dns::DnsAnswer::Status::Ok, {"Listed: see https://bl.example/192.0.2.99"}};
            if (n == "99.2.0.192.quota.example") return {dns::DnsAnswer::Status::Ok, {"127.255.255.254"}};
            if (n.ends_with(".down.example")) return {dns::DnsAnswer::Status::TempFail, {}};
            return {dns::DnsAnswer::Status::NxDomain, {}};
        }
    } dns;
    auto listed = check_dnsbl(dns, "192.0.2.99", {"down.example", "quota.example", "bl.example"});
    REQUIRE(listed);
    CHECK(listed->zone == "bl.example");
    CHECK(listed->reason == "Listed: see https://bl.example/192.0.2.99");
    CHECK_FALSE(check_dnsbl(dns, "192.0.2.98", {"bl.example"}));
    CHECK_FALSE(check_dnsbl(dns, "192.0.2.99", {"down.example", "quota.example"}));
}
