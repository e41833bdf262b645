// Local delivery: writes queued messages into one user's mailbox (Maildir file +
// index row) with the trace headers, the loop check and the quota check.
//
// Invariants:
// - Runs on a pool thread (it fsyncs): it touches only the user's MailboxStore,
//   which it opens itself; nothing here knows the queue or the loop.
// - Exactly once: each append carries delivery_key "<queue id>/<final address>";
//   a key stored before (a crash after the mailbox commit, before the queue was
//   told) returns the first result, marked duplicate, and counts as Delivered.
// - Group commit: every message due for this user in one call shares one
//   MailboxStore::append_batch (one directory fsync, one index transaction).
// - Over quota is a temporary failure (RFC 3463 X.2.2 "mailbox full",
//   rfc3463.txt:374); a loop is permanent (X.4.6); store errors are temporary.
// - Crash recovery: MailboxStore writes message files before its index commit, so a
//   deliverd killed in between leaves files in new/ that the index does not know.
//   deliverd removes them all at start, before any batch runs (main.cpp,
//   storage/uncommitted_files.hpp); nothing here deals with them.
// - The user's active Sieve script, if any, decides the mailboxes (deliverd/sieve_filter.hpp
//   says where it lives and what falls back to the implicit keep); a discarded message
//   counts as Delivered. A message stored into several mailboxes has one delivery key
//   per copy, the first the plain "<queue id>/<final address>".
// - What a script sends goes through the queue (LocalBatch::send_mail): vacation replies
//   from <> at once (their own memory keeps them to one); redirects only once the item is
//   delivered (stored, or not to be stored), never for an item that will be retried,
//   from the original sender and forwarded by the user, so the planner applies the
//   alias rules (SRS off-site, deliverd/queue_work.hpp), with "Delivered-To: <user>" on
//   top so a redirect that comes back is a loop (deliverd/mail_loop.hpp). A rejected item
//   is a permanent failure: the queue's DSN tells the sender.
// - Stores are borrowed from the user's storage::StorePool, kept between batches
//   (storage/store_pool.hpp says why and when a kept store is not reused). Any store
//   error discards the borrowed store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storage/store_pool.hpp"

namespace mr::deliverd {

enum class LocalOutcome { Delivered, TempFail, PermFail };

struct LocalItem {
    std::string queue_id;
    std::string final_address;  // Delivered-To, and the delivery key's second half
    std::string sender;         // Return-Path (empty: <>)
    std::shared_ptr<const std::string> message;
    // The queue entry's folder (storage::EnqueueParams::folder): empty for INBOX. A
    // quarantine folder the user deleted is made again ("Junk" with \Junk): the mail is
    // never put in INBOX instead.
    std::string folder = {};
};

// A message a user's script sends: a vacation reply or a redirect.
struct OutgoingMail {
    std::string_view kind;    // "vacation", "redirect": for log lines
    std::string sender;       // envelope from, "" for <>
    std::string recipient;
    std::string forwarded_by;  // redirect: the user whose script sent it on
    std::string message;
    std::string queue_id = {};  // redirect: the entry it came from, for log lines
};

struct LocalBatch {
    std::string user;                 // canonical user address
    std::filesystem::path user_dir;   // data_dir/mail/<domain>/<local>
    std::int64_t quota_bytes = 0;     // 0: unlimited
    std::vector<LocalItem> items;
    // Queues what the user's script sends; unset: nothing is sent.
    std::function<void(const OutgoingMail&)> send_mail = {};
    // The data dir, for the domain's global scripts (deliverd/sieve_filter.hpp); empty: none.
    std::filesystem::path data_dir = {};
};

struct LocalResult {
    LocalOutcome outcome = LocalOutcome::TempFail;
    std::string reply;       // SMTP-style reason for failures
    bool duplicate = false;  // already stored by an earlier attempt
};

// One result per item, same order. `pool` is the pool of batch.user_dir.
std::vector<LocalResult> deliver_local(const LocalBatch& batch, storage::StorePool& pool);
// The same with a store opened for this batch only.
std::vector<LocalResult> deliver_local(const LocalBatch& batch);

}  // namespace mr::deliverd
