// RFC 7208 Appendix A (rfc7208.txt:2975): the RFC's own examples, with its DNS setup.
#include <doctest/doctest.h>

#include <map>
#include <utility>

#include "common/mailauth/spf.hpp"

using namespace mr;
using mailauth::SpfResult;

namespace {

struct AppendixDns final : dns::DnsClient {
    std::map<std::pair<std::string, dns::RecordType>, std::vector<std::string>> zone;
    std::string spf;  // example.com's TXT record in the example at hand

    AppendixDns() {
        using T = dns::RecordType;
        zone[{"example.com", T::MX}] = {"10 mail-a.example.com", "20 mail-b.example.com"};
        zone[{"example.com", T::A}] = {"192.0.2.10", "192.0.2.11"};
        zone[{"amy.example.com", T::A}] = {"192.0.2.65"};
        zone[{"bob.example.com", T::A}] = {"192.0.2.66"};
        zone[{"mail-a.example.com", T::A}] = {"192.0.2.129"};
        zone[{"mail-b.example.com", T::A}] = {"192.0.2.130"};
        zone[{"www.example.com", T::A}] = {"192.0.2.10", "192.0.2.11"};  // CNAME example.com.
        zone[{"example.org", T::MX}] = {"10 mail-c.example.org"};
        zone[{"mail-c.example.org", T::A}] = {"192.0.2.140"};
        zone[{"10.2.0.192.in-addr.arpa", T::PTR}] = {"example.com"};
        zone[{"11.2.0.192.in-addr.arpa", T::PTR}] = {"example.com"};
        zone[{"65.2.0.192.in-addr.arpa", T::PTR}] = {"amy.example.com"};
        zone[{"66.2.0.192.in-addr.arpa", T::PTR}] = {"bob.example.com"};
        zone[{"129.2.0.192.in-addr.arpa", T::PTR}] = {"mail-a.example.com"};
        zone[{"130.2.0.192.in-addr.arpa", T::PTR}] = {"mail-b.example.com"};
        zone[{"140.2.0.192.in-addr.arpa", T::PTR}] = {"mail-c.example.org"};
        zone[{"4.0.0.10.in-addr.arpa", T::PTR}] = {"bob.example.com"};  // the rogue one
        // A.3's DNSBL-style records.
        zone[{"mary.mobile-users._spf.example.com", T::A}] = {"127.0.0.2"};
        zone[{"fred.mobile-users._spf.example.com", T::A}] = {"127.0.0.2"};
        zone[{"15.15.168.192.joel.remote-users._spf.example.com", T::A}] = {"127.0.0.2"};
        zone[{"16.15.168.192.joel.remote-users._spf.example.com", T::A}] = {"127.0.0.2"};
        zone[{"mobile-users._spf.example.com", T::TXT}] = {"v=spf1 exists:%{l1r+}.%{d}"};
        zone[{"remote-users._spf.example.com", T::TXT}] = {"v=spf1 exists:%{ir}.%{l1r+}.%{d}"};
    }

    dns::DnsAnswer lookup(std::string_view name, dns::RecordType type) override {
        if (name == "example.com" && type == dns::RecordType::TXT) return {dns::DnsAnswer::Status::Ok, {spf}};
        auto it = zone.find({std::string(name), type});
        if (it != zone.end()) return {dns::DnsAnswer::Status::Ok, it->second};
        for (const auto& [key, _] : zone) {
            if (key.first == name) return {dns::DnsAnswer::Status::Ok, {}};  // NODATA
        }
        return {dns::DnsAnswer::Status::NxDomain, {}};
    }
};

SpfResult check(AppendixDns& dns, const std::string& record, const std::string& ip,
                const std::string& sender = "someone@example.com") {
    dns.spf = record;
    return mailauth::check_spf(dns, {ip, sender, "client.example", "mx.here", 0}).result;
}

}  // namespace

TEST_CASE("spf: RFC 7208 A.1 simple examples") {
    AppendixDns dns;
    CHECK(check(dns, "v=spf1 +all", "203.0.113.1") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 a -all", "192.0.2.10") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 a -all", "192.0.2.11") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 a -all", "192.0.2.65") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 a:example.org -all", "192.0.2.140") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 mx -all", "192.0.2.129") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx -all", "192.0.2.130") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx -all", "192.0.2.10") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 mx:example.org -all", "192.0.2.140") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx mx:example.org -all", "192.0.2.129") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx mx:example.org -all", "192.0.2.140") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.144") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 ptr -all", "192.0.2.65") == SpfResult::Pass);
    CHECK(check(dns, "v=spf1 ptr -all", "192.0.2.140") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 ptr -all", "10.0.0.4") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65") == SpfResult::Fail);
    CHECK(check(dns, "v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129") == SpfResult::Pass);
}

TEST_CASE("spf: RFC 7208 A.3 DNSBL-style example") {
    AppendixDns dns;
    const std::string record =
        "v=spf1 mx include:mobile-users._spf.%{d} include:remote-users._spf.%{d} -all";
    CHECK(check(dns, record, "198.51.100.7", "mary@example.com") == SpfResult::Pass);
    CHECK(check(dns, record, "198.51.100.7", "fred@example.com") == SpfResult::Pass);
    CHECK(check(dns, record, "192.168.15.15", "joel@example.com") == SpfResult::Pass);
    CHECK(check(dns, record, "192.168.15.17", "joel@example.com") == SpfResult::Fail);
    CHECK(check(dns, record, "198.51.100.7", "eve@example.com") == SpfResult::Fail);
    CHECK(check(dns, record, "192.0.2.129", "eve@example.com") == SpfResult::Pass);
}
