// Quota arithmetic, shared by everything that stores mail for a user (pure).
//
// A user's quota is directory.db's users.quota_bytes (0 = unlimited); usage is
// storage::MailboxStore::total_size(), the bytes of every message of the user.
#pragma once

#include <cstdint>

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

}  // namespace mr::util
