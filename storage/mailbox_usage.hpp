// How many bytes a user's mailboxes hold, for smtpd's quota check at RCPT time.
//
// Invariants:
// - Reads the per-user index (mailbox_index.hpp) without opening the store: nothing is
//   created, migrated or reindexed, so a lookup from smtpd never changes a user's files.
// - The figure is the one MailboxStore::total_size() gives deliverd, which enforces the
//   quota again at delivery; a user without an index yet (never delivered to) holds 0.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/util/result.hpp"

namespace mr::storage {

// Blocking (SQLite): call it off the event loop.
Result<std::int64_t> stored_bytes(const std::filesystem::path& user_dir);

}  // namespace mr::storage
