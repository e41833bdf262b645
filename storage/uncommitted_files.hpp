// Crash recovery of deliverd's mailbox writes. MailboxStore::append_batch writes and
// fsyncs the message files before its index commit (mailbox_store.hpp), so a deliverd
// killed in between leaves files in INBOX's new/ that no index row names (and, killed
// earlier, temporaries in tmp/). The queue still holds those messages and delivers them
// again, so such a file left in place would be a second copy of the message; removing
// it loses nothing.
//
// Invariants:
// - Only delivery files are candidates: names with kDeliveryMark (maildir.hpp), which
//   only keyed appends (deliverd's) produce. imapd APPENDs, COPYs and other Maildir
//   writers are never touched, whether finished or in flight.
// - A file in new/ is removed only when no index row names it (index::names_new_file);
//   committed messages and cur/ are never touched. A delivery temporary in tmp/
//   (".tmp-<delivery name>-<hex>") is always an unfinished write and is removed.
// - The caller guarantees that no deliverd is writing (it holds deliverd's lock,
//   instance_lock.hpp): that is what makes an unnamed delivery file an
//   orphan rather than a write about to be committed.
// - A user without index.sqlite is left alone: the store rebuilds that index from the
//   Maildir, and an empty index would make every delivery file look uncommitted.
// - Idempotent and complete at every run, whoever crashed and how often; a run killed
//   half-way is finished by the next. Cost per user: one listing of new/ and of tmp/,
//   and only when new/ holds delivery files, one index open and a lookup per such
//   file. A user whose new/ holds only committed files costs no write.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/util/result.hpp"

namespace mr::storage {

struct RecoveryReport {
    std::size_t users = 0;        // user stores looked at
    std::size_t files = 0;        // uncommitted delivery files removed from new/
    std::size_t temporaries = 0;  // delivery temporaries removed from tmp/
    std::vector<std::string> errors;  // per user; those users were left as they were
};

// One user store (data_dir/mail/<domain>/<local>).
Result<RecoveryReport> remove_uncommitted_deliveries(const std::filesystem::path& user_dir);

// Every user store under mail_root (data_dir/mail): <domain>/<local> directories, found
// on disk rather than in the directory, so a store of a since-removed user is repaired too.
RecoveryReport remove_uncommitted_deliveries_everywhere(const std::filesystem::path& mail_root);

}  // namespace mr::storage
