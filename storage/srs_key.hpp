// The secret of the Sender Rewriting Scheme (common/mailauth/srs.hpp): data_dir/srs.key.
//
// Invariants:
// - 32 random bytes (libsodium), created by the first daemon that needs one (deliverd when
//   it forwards, smtpd when a bounce comes back), so the file belongs to the daemons'
//   account; mode 0600, written like every store file (storage/atomic_file: complete under
//   its final name or absent), so the data dir audit (storage/permissions) finds it right.
// - Never replaced: two daemons creating it at once both end up with the one that was
//   linked first (the loser's link fails with EEXIST and it reads the winner's). Replacing
//   it would invalidate every SRS address in flight, so bounces would be refused.
// - A file of any other size is an error, not a key: it is never used or overwritten.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::storage {

inline constexpr std::string_view kSrsKeyFile = "srs.key";
inline constexpr std::size_t kSrsKeyBytes = 32;

Result<std::string> load_or_create_srs_key(const std::filesystem::path& data_dir);

}  // namespace mr::storage
