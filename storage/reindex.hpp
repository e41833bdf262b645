// Rebuilding a user's index from the Maildir (`mailroom reindex`, and
// MailboxStore::open when index.sqlite is missing but mail is present).
//
// Invariants:
// - The Maildir is the truth: every file in new/ and cur/ of INBOX and of every
//   ".Folder" directory becomes a message; system flags come from the ":2,"
//   letters (new/ files have none); the internal date is the file's mtime.
// - Every mailbox gets a fresh UIDVALIDITY (clients drop their caches); UIDs are
//   assigned in delivery order (the time prefix of the file name, then name). Only an
//   import (reindex_user with hints) keeps the old server's.
// - Files in tmp/ are unfinished writes (a crash between write and rename) and
//   are deleted, never indexed.
// - What the Maildir cannot carry is salvaged from the old index when it is still
//   readable: subscriptions, special-use attributes, keywords and kept POP3 UIDLs
//   (matched by file base name). Otherwise defaults apply and keywords are lost.
// - The new index is built under a temporary name and renamed into place; the
//   old index.sqlite (and its -wal/-shm) is kept as index.sqlite.old-<time>.
// - Reindexes of one user are serialised by flock(2) on root/reindex.lock, so two
//   processes that find the index missing at once rebuild it once.
// - Meant for a user no daemon is writing to at that moment (the operator runs
//   it, or the store runs it when the index is missing, so nobody has it open):
//   a delivery racing with a reindex may lose its tmp/ file and be retried by
//   the queue.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "storage/maildir_import.hpp"

namespace mr::storage {

struct ReindexReport {
    std::size_t mailboxes = 0;          // folders indexed, INBOX included
    std::size_t messages = 0;           // message files indexed
    std::size_t removed_tmp_files = 0;  // unfinished writes deleted from tmp/
    bool salvaged_old_index = false;    // subscriptions/keywords came from the old index
    std::vector<std::string> warnings;  // unreadable files and the like, for the operator
};

// With `hints` (an import, maildir_import.hpp), folders they name keep their UIDVALIDITY,
// UIDNEXT, UIDs and keywords instead of getting fresh ones.
Result<ReindexReport> reindex_user(const std::filesystem::path& user_dir, const ImportHints* hints = nullptr);

// What MailboxStore::open calls when index::missing(user_dir): under the same lock,
// rebuilds only if the index is still missing and the Maildir holds mail; true when it did.
// It only writes the index file: opening it and the default mailboxes are the store's steps.
Result<bool> reindex_if_missing(const std::filesystem::path& user_dir);

}  // namespace mr::storage
