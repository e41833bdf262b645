// How many bytes a user's mailboxes hold, for smtpd's quota check at RCPT time.
//
// Invariants:
// - Reads the per-user index (mailbox_index.hpp) without opening the store: nothing is
//   created, migrated or reindexed, so a lookup from smtpd never changes a user's files.
// - The figure is the one MailboxStore::total_size() gives deliverd, which enforces the
//   quota again at delivery; a user without an index yet (never delivered to) holds 0.
// - UsageReader keeps the index connections it opened (at most max_open, the least
//   recently used closed first), so a RCPT costs one query, not an open. A kept
//   connection is used only while index.sqlite is still the file it opened (device and
//   inode, held open like storage::StorePool does): a user removed and added again is read
//   from the new index. WAL readers see every committed change, so a kept connection never
//   reads a stale figure. Any error drops the connection.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <list>
#include <string>

#include "common/util/result.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

// Blocking (SQLite): call it off the event loop. Opens the index for this one read.
Result<std::int64_t> stored_bytes(const std::filesystem::path& user_dir);

// The same with connections kept between calls. One thread at a time.
class UsageReader {
public:
    explicit UsageReader(std::size_t max_open = 16) : max_open_(max_open) {}
    ~UsageReader();
    UsageReader(const UsageReader&) = delete;
    UsageReader& operator=(const UsageReader&) = delete;

    Result<std::int64_t> stored_bytes(const std::filesystem::path& user_dir);
    // Index connections opened so far.
    std::uint64_t opens() const { return opens_; }

private:
    struct Open {
        std::string index_file;
        dev_t dev = 0;
        ino_t ino = 0;
        int fd = -1;  // keeps the inode from being reused while the connection is kept
        sqlite::Db db;
    };
    void close(std::list<Open>::iterator it);

    std::size_t max_open_;
    std::uint64_t opens_ = 0;
    std::list<Open> open_;  // most recently used first
};

}  // namespace mr::storage
