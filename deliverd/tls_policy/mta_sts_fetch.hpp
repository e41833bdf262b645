// Finding the MTA-STS policy of a destination domain (RFC 8461 §3, §5.1): the `_mta-sts`
// TXT record, the HTTPS fetch of the policy from mta-sts.<domain>, and the cache under
// <data_dir>/mta-sts/. Blocking (DNS through a DnsClient, HTTPS through libcurl): deliverd
// runs it on the thread pool, never on its loop.
//
// Invariants:
// - The policy host is resolved with the same resolvers as MX lookups ([dns] servers);
//   curl connects to that address (CURLOPT_CONNECT_TO), so it does no DNS of its own, and
//   the URL keeps the policy host's name for SNI, Host and certificate name checks.
// - The fetch verifies the certificate against the system store plus [delivery] ca_file,
//   follows no redirect, accepts only a 200, reads at most 64 KiB, and gives up after
//   kFetchTimeout (§3.3).
// - A cached policy is used as long as it is unexpired (max_age from its fetch) and the
//   TXT id is unchanged or unknown (DNS failure, no record: §3.1 / §5.1 keep the cache).
//   A changed id, or an expired cache with a TXT record, is fetched anew; when that fetch
//   fails, the unexpired cache still applies (§3.3). A failed fetch for an id is not
//   retried for five minutes (§3.3).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/dns/dns_client.hpp"
#include "common/util/result.hpp"
#include "deliverd/tls_policy/mta_sts.hpp"

namespace mr::deliverd::tls_policy {

inline constexpr std::chrono::seconds kFetchTimeout{60};
inline constexpr std::int64_t kFetchRetryAfter = 300;

struct FetchOptions {
    std::filesystem::path cache_dir;  // <data_dir>/mta-sts
    std::filesystem::path extra_ca_file;
    long port = 443;
};

struct PolicyLookup {
    std::optional<CachedPolicy> policy;  // none: the domain has no usable policy
    std::string note;                    // what happened, for the log ("fetched", "cached", errors)
    // A fetch was tried and failed: its RFC 8460 §4.3.2.2 result type for TLS reports
    // ("sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"); else empty.
    std::string fetch_failure;
};

PolicyLookup find_mta_sts_policy(dns::DnsClient& dns, const std::string& domain, const FetchOptions& options,
                                 std::int64_t now);

// One cached policy that was due for refresh, and what came of it.
struct PolicyRefresh {
    std::string domain;
    StsMode mode = StsMode::None;  // of the cached policy: §5.1 wants no alert for "none"
    bool failed = false;
    std::string note;
};

struct RefreshScan {
    std::vector<PolicyRefresh> refreshed;  // every policy that was due, refreshed or not
    std::optional<std::int64_t> next_due;  // when the next cached policy falls due; none: empty cache
};

// §5.1 (rfc8461.txt:584): "MTAs SHOULD proactively refresh cached policies before they
// expire". Every unexpired cached policy whose refresh_at() has come is fetched anew
// (whatever the `_mta-sts` TXT record says, §10.2; its id when it has one) and, when the
// fetch succeeds, replaces the cache entry, so its max_age runs from `now`. A failure
// leaves the entry as it was, to apply until it expires, and is due again after
// kFetchRetryAfter.
RefreshScan refresh_due_policies(dns::DnsClient& dns, const FetchOptions& options, std::int64_t now);

// GET https://mta-sts.<domain>/.well-known/mta-sts.txt from `address`: the body, or why not.
Result<std::string> fetch_policy_text(const std::string& domain, const std::string& address,
                                      const FetchOptions& options);

}  // namespace mr::deliverd::tls_policy
