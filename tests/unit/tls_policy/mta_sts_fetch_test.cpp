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

TEST_CASE("MTA-STS refresh: only policies past half their max_age are fetched again") {
    CacheDir cache;
    cache.put("due.example", 5000, "one");    // max_age 1000: due at 5500
    cache.put("later.example", 5450, "two");  // due at 5950
    cache.put("gone.example", 4000, "old");   // expired at 5000: left for discovery
    std::ofstream(cache.dir / ".tmp-x.example-1-2") << "being written";
    Zone z;
    FetchOptions o{cache.dir, {}, 443};

    auto early = refresh_due_policies(z, o, 5100);
    CHECK(early.refreshed.empty());
    REQUIRE(early.next_due);
    CHECK(*early.next_due == 5500);

    // The policy host has no address: the refresh fails, the entry stays as it was, and it
    // is due again after five minutes (§3.3) unless another one falls due first.
    auto scan = refresh_due_policies(z, o, 5600);
    REQUIRE(scan.refreshed.size() == 1);
    CHECK(scan.refreshed[0].domain == "due.example");
    CHECK(scan.refreshed[0].failed);
    CHECK(scan.refreshed[0].mode == StsMode::Enforce);
    CHECK(scan.refreshed[0].note == "no address for mta-sts.due.example");
    REQUIRE(scan.next_due);
    CHECK(*scan.next_due == 5600 + kFetchRetryAfter);
    auto kept = find_mta_sts_policy(z, "due.example", o, 5600);
    REQUIRE(kept.policy);
    CHECK(kept.policy->fetched_at == 5000);

    CHECK_FALSE(refresh_due_policies(z, FetchOptions{cache.dir / "none", {}, 443}, 5600).next_due);
}
