// Crash recovery of a mailbox writer. MailboxStore::append_batch writes and fsyncs the
// message files before its index commit (mailbox_store.hpp), so a writer killed in
// between leaves files in INBOX's new/ that no index row names. Delivering those
// messages again (their delivery keys were never stored) would show them twice to any
// Maildir reader; removing them instead is safe because the queue still holds them.
//
// Invariants:
// - Only files whose unique name carries the dead writer's pid ("...P<pid>Q...",
//   maildir.hpp) are candidates: no other process writes names with that pid while it
//   is dead, so nothing another writer has in flight is touched.
// - A file is removed only when no INBOX index row names it; committed messages,
//   tmp/ (unfinished writes) and cur/ are never touched.
// - The caller knows `writer_pid` is dead (e.g. deliverd's stale run/deliverd.pid): a
//   live writer's files may be between write and commit.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::storage {

class MailboxStore;

// The writer pid in a Maildir unique name ("<secs>.M<usecs>P<pid>Q<n>R..."), if any.
std::optional<long> maildir_name_pid(std::string_view name);

// Removes INBOX files in new/ written by `writer_pid` that have no index row; returns
// how many were removed.
Result<std::size_t> remove_uncommitted_files(MailboxStore& store, long writer_pid);

}  // namespace mr::storage
