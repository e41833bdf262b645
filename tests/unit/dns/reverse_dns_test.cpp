#include <doctest/doctest.h>

#include <map>
#include <utility>

#include "common/dns/reverse_dns.hpp"

using namespace mr::dns;

namespace {

struct Zone final : DnsClient {
    std::map<std::pair<std::string, RecordType>, std::vector<std::string>> records;
    DnsAnswer lookup(std::string_view name, RecordType type) override {
        auto it = records.find({std::string(name), type});
        if (it == records.end()) return {DnsAnswer::Status::NxDomain, {}};
        return {DnsAnswer::Status::Ok, it->second};
    }
};

}  // namespace

TEST_CASE("reverse dns: PTR and forward confirmation of a sending address") {
    Zone z;
    const std::string v6 = "2001:db8::25";
    const std::string ptr = reverse_name(v6);
    CHECK(ptr == "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK(reverse_dns_problem(z, v6, "mx.example.org") == v6 + " has no PTR record");
    z.records[{ptr, RecordType::PTR}] = {"other.example.net"};
    CHECK(reverse_dns_problem(z, v6, "mx.example.org").find("names other.example.net") != std::string::npos);
    z.records[{ptr, RecordType::PTR}] = {"MX.example.org"};
    CHECK(reverse_dns_problem(z, v6, "mx.example.org") == "mx.example.org has no AAAA record for " + v6);
    z.records[{"mx.example.org", RecordType::AAAA}] = {"2001:db8:0:0::25"};
    CHECK(reverse_dns_problem(z, v6, "mx.example.org").empty());

    z.records[{"7.2.0.192.in-addr.arpa", RecordType::PTR}] = {"mx.example.org"};
    z.records[{"mx.example.org", RecordType::A}] = {"192.0.2.7"};
    CHECK(reverse_dns_problem(z, "192.0.2.7", "mx.example.org").empty());
}

TEST_CASE("reverse dns: which IPv6 addresses are on the Internet") {
    CHECK(is_global_ipv6("2001:db8::1"));
    CHECK(is_global_ipv6("2a00:1450:4001::1"));
    CHECK_FALSE(is_global_ipv6("::1"));
    CHECK_FALSE(is_global_ipv6("fe80::1"));
    CHECK_FALSE(is_global_ipv6("fd12:3456::1"));
    CHECK_FALSE(is_global_ipv6("::ffff:192.0.2.1"));
    CHECK_FALSE(is_global_ipv6("192.0.2.1"));
}
