// MTA-STS (RFC 8461) as the sending side reads it: the `_mta-sts` TXT record, the policy
// file, the matching of MX names against the policy's patterns, and the cache record a
// policy is kept in. Pure: bytes in, values out (fetching and caching are mta_sts_fetch).
//
// Invariants:
// - parse_txt_record() accepts only a record that begins "v=STSv1" and carries an id of 1
//   to 32 letters and digits (§3.1); anything else is "no MTA-STS" for the caller.
// - parse_policy() returns a policy only when version, mode and max_age are present and
//   valid, and, unless mode is none, at least one mx (§3.2); the first of a repeated
//   non-mx field wins, unknown fields are ignored. max_age is clamped to 31557600.
// - mx_matches() is §4.1: exact names, or "*." + suffix matching exactly one more
//   leftmost label; case-insensitive; a trailing dot on either side is ignored.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::deliverd::tls_policy {

inline constexpr std::size_t kMaxPolicyBytes = 64 * 1024;  // §3.3 suggested limit
inline constexpr std::int64_t kMaxMaxAge = 31557600;       // §3.2
inline constexpr std::int64_t kRefreshEvery = 86400;       // §5.1: "once per day"

enum class StsMode { Enforce, Testing, None };

struct StsPolicy {
    StsMode mode = StsMode::None;
    std::int64_t max_age = 0;
    std::vector<std::string> mx;  // patterns as published, lower-case
};

// The id of a `_mta-sts` record, or nothing when the record is not a valid STSv1 record.
std::optional<std::string> parse_txt_record(std::string_view record);

// Of all TXT strings at `_mta-sts.<domain>`: the id of the one STSv1 record, or nothing
// (none, several, or an invalid one: §3.1 says treat the domain as having no policy).
std::optional<std::string> policy_id(const std::vector<std::string>& records);

std::optional<StsPolicy> parse_policy(std::string_view text);

bool mx_matches(std::string_view pattern, std::string_view host);
bool mx_allowed(const StsPolicy& policy, std::string_view host);

const char* mode_name(StsMode mode);

// A cached policy: when it was fetched, the TXT id it was fetched for, and its text.
struct CachedPolicy {
    std::int64_t fetched_at = 0;  // Unix seconds
    std::string id;
    std::string text;
    StsPolicy policy;

    bool expired(std::int64_t now) const { return now >= fetched_at + policy.max_age; }
    // §5.1 / §10.2: when to fetch the live policy again, well before it expires: after half
    // its max_age, and at least once a day (§5.1's suggested refresh frequency).
    std::int64_t refresh_at() const { return fetched_at + std::min<std::int64_t>(policy.max_age / 2, kRefreshEvery); }
};
// "fetched_at id\n" then the policy text; parse_cached() refuses anything else.
std::string format_cached(const CachedPolicy& cached);
std::optional<CachedPolicy> parse_cached(std::string_view bytes);

}  // namespace mr::deliverd::tls_policy
