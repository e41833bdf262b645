// QuotaReader: a user's quota as directory.db holds it now, for imapd's quota checks
// (APPEND, COPY: session_quota.cpp), read on the pool threads that run store jobs; and the
// same connection for the grants of shared mailboxes (with_directory).
//
// Why a reader of its own: the check runs once per APPEND/COPY and the quota may change
// while a session is open (`mailroom user set --quota-mb`), so it is read at every check
// rather than at login. Opening directory.db each time (schema check, pragmas) costs more
// than the lookup itself, so one connection is kept and shared.
//
// Invariants:
// - One SQLite connection, used under mutex_ by one pool thread at a time for a single
//   primary-key lookup (microseconds), so jobs hardly wait for each other.
// - Every lookup is its own autocommit read: it sees the directory's last commit, so an
//   administrator's change applies from the next command.
// - After a failed lookup the connection is dropped and opened again next time.
// - A user no longer in the directory has no quota (0): removing a user is not a quota
//   matter, and its open sessions end with the store anyway.
#pragma once

#include <cstdint>
#include <functional>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/util/result.hpp"
#include "storage/directory.hpp"

namespace mr::imapd::server {

class QuotaReader {
public:
    explicit QuotaReader(std::filesystem::path db_file) : db_file_(std::move(db_file)) {}

    // The user's quota_bytes (0 = unlimited). Any thread.
    Result<std::int64_t> quota_bytes(std::string_view user);
    // Runs `fn` with the shared connection (grants for shared mailboxes, imap_accounts.hpp).
    // Any thread; keep `fn` short, it holds the mutex.
    Result<void> with_directory(const std::function<Result<void>(storage::Directory&)>& fn);

private:
    const std::filesystem::path db_file_;
    std::mutex mutex_;
    std::optional<storage::Directory> directory_;
};

}  // namespace mr::imapd::server
