// The MTA-STS control flow of deliverd/tls_policy/mta_sts_fetch (RFC 8461 §3.3, §5.1) over a
// zone written here and a cache directory: which policy applies when DNS or the fetch
// fails. No network: the policy host has no address, so every fetch fails.
#include "deliverd/tls_policy/mta_sts_fetch.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

using namespace mr::deliverd::tls_policy;
using mr::dns::DnsAnswer;
using mr::dns::RecordType;

namespace {

struct Zone final : mr::dns::DnsClient {
    std::map<std::pair<std::string, RecordType>, DnsAnswer> answers;
    DnsAnswer lookup(std::string_view name, RecordType type) override {
        auto it = answers.find({std::string(name), type});
        return it != answers.end() ? it->second : DnsAnswer{DnsAnswer::Status::NxDomain, {}};
    }
};

struct CacheDir {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("mta-sts-test-" + std::to_string(getpid()));
    CacheDir() { std::filesystem::create_directories(dir); }
    ~CacheDir() { std::filesystem::remove_all(dir); }
    void put(const std::string& domain, std::int64_t fetched_at, const std::string& id) {
        CachedPolicy c;
        c.fetched_at = fetched_at;
        c.id = id;
        c.text = "version: STSv1\nmode: enforce\nmx: mx." + domain + "\nmax_age: 1000\n";
        std::ofstream(dir / (domain + ".policy")) << format_cached(c);
    }
};

}  // namespace

TEST_CASE("MTA-STS: an unexpired cache applies when the new id's policy cannot be fetched") {
    CacheDir cache;
    cache.put("a.example", 5000, "old");
    Zone z;
    z.answers[{"_mta-sts.a.example", RecordType::TXT}] = {DnsAnswer::Status::Ok, {"v=STSv1; id=new"}};
    FetchOptions o{cache.dir, {}, 443};
    auto found = find_mta_sts_policy(z, "a.example", o, 5500);
    REQUIRE(found.policy);
    CHECK(found.policy->id == "old");
    CHECK(found.note.starts_with("policy fetch failed"));
    // Not retried for five minutes (§3.3), the cache still applies meanwhile.
    auto again = find_mta_sts_policy(z, "a.example", o, 5600);
    REQUIRE(again.policy);
    CHECK(again.note.find("not retried") != std::string::npos);
}

TEST_CASE("MTA-STS: an expired cache does not apply") {
    CacheDir cache;
    cache.put("b.example", 1000, "old");
    Zone z;
    z.answers[{"_mta-sts.b.example", RecordType::TXT}] = {DnsAnswer::Status::Ok, {"v=STSv1; id=new"}};
    auto found = find_mta_sts_policy(z, "b.example", FetchOptions{cache.dir, {}, 443}, 2000);
    CHECK_FALSE(found.policy);
}

TEST_CASE("MTA-STS: no TXT record or a DNS failure keeps the unexpired cache; same id needs no fetch") {
    CacheDir cache;
    cache.put("c.example", 5000, "one");
    Zone z;
    FetchOptions o{cache.dir, {}, 443};
    auto gone = find_mta_sts_policy(z, "c.example", o, 5100);  // NXDOMAIN
    REQUIRE(gone.policy);
    CHECK(gone.policy->policy.mode == StsMode::Enforce);
    z.answers[{"_mta-sts.c.example", RecordType::TXT}] = {DnsAnswer::Status::TempFail, {}};
    CHECK(find_mta_sts_policy(z, "c.example", o, 5100).policy);
    z.answers[{"_mta-sts.c.example", RecordType::TXT}] = {DnsAnswer::Status::Ok, {"v=STSv1; id=one"}};
    auto same = find_mta_sts_policy(z, "c.example", o, 5100);
    REQUIRE(same.policy);
    CHECK(same.note == "cached");
    CHECK_FALSE(find_mta_sts_policy(z, "d.example", o, 5100).policy);  // nothing anywhere
}
