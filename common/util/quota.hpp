// Quota arithmetic, shared by everything that stores mail for a user (pure).
//
// A user's quota is directory.db's users.quota_bytes (0 = unlimited); usage is
// storage::MailboxStore::total_size(), the bytes of every message of the user.
#pragma once

#include <cstdint>
#include <optional>

namespace mr::util {

// Whether storing `adding` more bytes on top of `used` exceeds `quota_bytes`.
// - 0 (or less) is no quota.
// - Reaching the quota exactly is allowed; only going past it is refused (deliverd's
//   rule too).
// - Adding nothing never exceeds: a user already over a lowered quota may still move,
//   flag and delete mail (RFC 5530 OVERQUOTA: "the user would be over quota after the
//   operation", rfc5530.txt:265, so it is about what the operation adds).
// Written as used > quota - adding so that no sum can overflow.
constexpr bool exceeds_quota(std::int64_t quota_bytes, std::int64_t used, std::int64_t adding) {
    if (quota_bytes <= 0 || adding <= 0) return false;
    return used > quota_bytes - adding;
}

// The bytes a user may still store: what smtpd compares a message's size with at DATA.
// std::nullopt when there is no quota (0 or less); 0 when the user is at or over it.
// The same rule as exceeds_quota: for adding > 0, exceeds_quota(q, used, adding) is
// adding > *quota_room(q, used). Negative usage counts as 0, so nothing overflows.
constexpr std::optional<std::uint64_t> quota_room(std::int64_t quota_bytes, std::int64_t used) {
    if (quota_bytes <= 0) return std::nullopt;
    if (used < 0) used = 0;
    if (used >= quota_bytes) return std::uint64_t{0};
    return static_cast<std::uint64_t>(quota_bytes - used);
}

}  // namespace mr::util
