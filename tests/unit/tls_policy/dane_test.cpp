// Which MX hosts DANE applies to (deliverd/tls_policy/dane): only validated (AD) answers
// count, for the MX RRset, the host's addresses and its TLSA RRset (RFC 7672 §2.2).
#include "deliverd/tls_policy/dane.hpp"

#include <doctest/doctest.h>

#include <map>
#include <utility>

using namespace mr::deliverd::tls_policy;
using mr::dns::DnsAnswer;
using mr::dns::RecordType;

namespace {

const std::string kDigest(64, 'a');

// By name, not by position: DnsAnswer's members are not all the test cares about.
DnsAnswer answer(DnsAnswer::Status status, std::vector<std::string> records, bool ad) {
    DnsAnswer a;
    a.status = status;
    a.records = std::move(records);
    a.authenticated = ad;
    return a;
}

struct Zone final : mr::dns::DnsClient {
    std::map<std::pair<std::string, RecordType>, DnsAnswer> answers;
    DnsAnswer lookup(std::string_view name, RecordType type) override {
        auto it = answers.find({std::string(name), type});
        if (it != answers.end()) return it->second;
        return answer(DnsAnswer::Status::NxDomain, {}, true);
    }
    void set(const std::string& name, RecordType type, std::vector<std::string> records, bool ad = true) {
        answers[{name, type}] = answer(DnsAnswer::Status::Ok, std::move(records), ad);
    }
};

Zone signed_zone() {
    Zone z;
    z.set("example.org", RecordType::MX, {"10 mx1.example.org", "20 mx2.example.org"});
    z.set("mx1.example.org", RecordType::A, {"192.0.2.1"});
    z.set("mx2.example.org", RecordType::A, {"192.0.2.2"});
    z.set("_25._tcp.mx1.example.org", RecordType::TLSA, {"3 1 1 " + kDigest, "1 1 1 " + kDigest});
    return z;
}

}  // namespace

TEST_CASE("DANE: validated MX, address and TLSA records put a host under DANE") {
    Zone z = signed_zone();
    auto p = find_dane(z, "example.org");
    REQUIRE(p.hosts.count("mx1.example.org") == 1);
    CHECK(p.hosts["mx1.example.org"].tlsa.size() == 1);  // PKIX-EE(1) is unusable
    CHECK_FALSE(p.hosts["mx1.example.org"].unusable);
    CHECK(p.hosts.count("mx2.example.org") == 0);  // no TLSA records: opportunistic TLS
}

TEST_CASE("DANE: an unvalidated MX RRset, address or TLSA RRset turns DANE off") {
    Zone z = signed_zone();
    z.set("example.org", RecordType::MX, {"10 mx1.example.org"}, false);
    CHECK(find_dane(z, "example.org").hosts.empty());
    z = signed_zone();
    z.set("mx1.example.org", RecordType::A, {"192.0.2.1"}, false);
    CHECK(find_dane(z, "example.org").hosts.empty());
    z = signed_zone();
    z.set("_25._tcp.mx1.example.org", RecordType::TLSA, {"3 1 1 " + kDigest}, false);
    CHECK(find_dane(z, "example.org").hosts.empty());
}

TEST_CASE("DANE: a failed TLSA lookup of a secure host makes it unusable") {
    Zone z = signed_zone();
    z.answers[{"_25._tcp.mx1.example.org", RecordType::TLSA}] = {DnsAnswer::Status::TempFail, {}, false};
    auto p = find_dane(z, "example.org");
    REQUIRE(p.hosts.count("mx1.example.org") == 1);
    CHECK(p.hosts["mx1.example.org"].unusable);
}

TEST_CASE("DANE: no MX records: the domain itself is the host") {
    Zone z;
    z.set("example.net", RecordType::MX, {});
    z.set("example.net", RecordType::A, {"192.0.2.3"});
    z.set("_25._tcp.example.net", RecordType::TLSA, {"2 0 1 " + kDigest});
    auto p = find_dane(z, "example.net");
    CHECK(p.hosts.count("example.net") == 1);
}

TEST_CASE("DANE: a configured relay is looked up at its own port, without MX records") {
    Zone z;
    z.set("Relay.example.net", RecordType::MX, {"10 elsewhere.example.net"});  // not asked
    z.set("relay.example.net", RecordType::A, {"192.0.2.9"});
    z.set("_587._tcp.relay.example.net", RecordType::TLSA, {"3 1 1 " + kDigest});
    z.set("_25._tcp.relay.example.net", RecordType::TLSA, {"3 1 1 " + std::string(64, 'b')});
    auto p = find_dane_relay(z, "Relay.example.net", 587);
    REQUIRE(p.hosts.count("relay.example.net") == 1);
    REQUIRE(p.hosts["relay.example.net"].tlsa.size() == 1);
    CHECK(p.hosts["relay.example.net"].tlsa[0].data == std::vector<std::uint8_t>(32, 0xaa));

    z.answers[{"_587._tcp.relay.example.net", RecordType::TLSA}] = answer(DnsAnswer::Status::TempFail, {}, false);
    p = find_dane_relay(z, "relay.example.net", 587);
    CHECK(p.hosts["relay.example.net"].unusable);
    CHECK(p.hosts["relay.example.net"].reason == "TLSA lookup of _587._tcp.relay.example.net failed");

    z.set("relay.example.net", RecordType::A, {"192.0.2.9"}, false);  // insecure address: no DANE
    CHECK(find_dane_relay(z, "relay.example.net", 587).hosts.empty());
}
