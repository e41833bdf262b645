#include <doctest/doctest.h>

#include <map>
#include <utility>

#include "common/dns/dns_cache.hpp"

using namespace mr::dns;
using namespace std::chrono_literals;

namespace {

// A resolver that counts the questions it is asked.
struct CountingZone final : DnsClient {
    std::map<std::pair<std::string, RecordType>, DnsAnswer> answers;
    int asked = 0;
    DnsAnswer lookup(std::string_view name, RecordType type) override {
        ++asked;
        auto it = answers.find({std::string(name), type});
        return it == answers.end() ? DnsAnswer{DnsAnswer::Status::TempFail, {}, 0} : it->second;
    }
};

struct FakeClock {
    DnsCache::Clock::time_point t{};
    CachingDnsClient::Now fn() {
        return [this] { return t; };
    }
};

}  // namespace

TEST_CASE("dns cache: an answer is reused until its TTL runs out") {
    CountingZone zone;
    zone.answers[{"client.test", RecordType::TXT}] = {DnsAnswer::Status::Ok, {"v=spf1 -all"}, 60};
    DnsCache cache;
    FakeClock clock;
    CachingDnsClient dns(zone, cache, clock.fn());
    CHECK(dns.lookup("client.test", RecordType::TXT).records == std::vector<std::string>{"v=spf1 -all"});
    clock.t += 59s;
    const DnsAnswer again = dns.lookup("CLIENT.test.", RecordType::TXT);  // case and final dot do not matter
    CHECK(again.records == std::vector<std::string>{"v=spf1 -all"});
    CHECK(again.ttl == 1);  // what is left of it
    CHECK(zone.asked == 1);
    clock.t += 1s;
    dns.lookup("client.test", RecordType::TXT);
    CHECK(zone.asked == 2);
    // Another type of the same name is another question.
    dns.lookup("client.test", RecordType::A);
    CHECK(zone.asked == 3);
}

TEST_CASE("dns cache: negative answers are kept for their TTL, at most the negative cap") {
    CountingZone zone;
    zone.answers[{"nx.test", RecordType::TXT}] = {DnsAnswer::Status::NxDomain, {}, 30};
    zone.answers[{"nodata.test", RecordType::TXT}] = {DnsAnswer::Status::Ok, {}, 86400};
    DnsCache cache;
    FakeClock clock;
    CachingDnsClient dns(zone, cache, clock.fn());
    CHECK(dns.lookup("nx.test", RecordType::TXT).status == DnsAnswer::Status::NxDomain);
    CHECK(dns.lookup("nodata.test", RecordType::TXT).records.empty());
    clock.t += 29s;
    CHECK(dns.lookup("nx.test", RecordType::TXT).status == DnsAnswer::Status::NxDomain);
    CHECK(zone.asked == 2);
    clock.t += 1s;
    dns.lookup("nx.test", RecordType::TXT);
    CHECK(zone.asked == 3);
    // NODATA with a day's SOA minimum: kept only kMaxNegativeTtl.
    clock.t += std::chrono::seconds(DnsCache::kMaxNegativeTtl - 31);
    dns.lookup("nodata.test", RecordType::TXT);
    CHECK(zone.asked == 3);
    clock.t += 1s;
    dns.lookup("nodata.test", RecordType::TXT);
    CHECK(zone.asked == 4);
}

TEST_CASE("dns cache: failures and answers without a TTL are never kept") {
    CountingZone zone;
    zone.answers[{"nottl.test", RecordType::A}] = {DnsAnswer::Status::Ok, {"192.0.2.1"}, 0};
    DnsCache cache;
    FakeClock clock;
    CachingDnsClient dns(zone, cache, clock.fn());
    CHECK(dns.lookup("down.test", RecordType::TXT).status == DnsAnswer::Status::TempFail);
    dns.lookup("down.test", RecordType::TXT);
    dns.lookup("nottl.test", RecordType::A);
    dns.lookup("nottl.test", RecordType::A);
    CHECK(zone.asked == 4);
    CHECK(cache.size() == 0);
}

TEST_CASE("dns cache: positive TTLs are capped") {
    DnsCache cache;
    const DnsCache::Clock::time_point t0{};
    cache.put("long.test", RecordType::A, {DnsAnswer::Status::Ok, {"192.0.2.1"}, 0xffffffffu}, t0);
    CHECK(cache.get("long.test", RecordType::A, t0 + std::chrono::seconds(DnsCache::kMaxTtl - 1)).has_value());
    CHECK_FALSE(cache.get("long.test", RecordType::A, t0 + std::chrono::seconds(DnsCache::kMaxTtl)).has_value());
}

TEST_CASE("dns cache: bounded, the least recently used answer goes first") {
    DnsCache cache(3);
    const DnsCache::Clock::time_point t0{};
    const DnsAnswer a{DnsAnswer::Status::Ok, {"192.0.2.1"}, 600};
    cache.put("a.test", RecordType::A, a, t0);
    cache.put("b.test", RecordType::A, a, t0);
    cache.put("c.test", RecordType::A, a, t0);
    CHECK(cache.get("a.test", RecordType::A, t0).has_value());  // a is now the most recent
    cache.put("d.test", RecordType::A, a, t0);
    CHECK(cache.size() == 3);
    CHECK_FALSE(cache.get("b.test", RecordType::A, t0).has_value());
    CHECK(cache.get("a.test", RecordType::A, t0).has_value());
    CHECK(cache.get("c.test", RecordType::A, t0).has_value());
    CHECK(cache.get("d.test", RecordType::A, t0).has_value());
    // Putting a name again replaces its answer, it does not grow the cache.
    cache.put("d.test", RecordType::A, {DnsAnswer::Status::Ok, {"192.0.2.2"}, 600}, t0);
    CHECK(cache.size() == 3);
    CHECK(cache.get("d.test", RecordType::A, t0)->records == std::vector<std::string>{"192.0.2.2"});
    for (int i = 0; i < 100; ++i) cache.put("n" + std::to_string(i) + ".test", RecordType::A, a, t0);
    CHECK(cache.size() == 3);
}
