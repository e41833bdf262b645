// Queue: the durable spool of messages in transit (smtpd enqueues, deliverd
// delivers, `mailroom queue` inspects).
//
// On disk:
//   data_dir/queue/
//     queue.db            SQLite (WAL, synchronous=FULL): entries + recipients, and the
//                         bytes of messages up to kInlineLimit (table bodies)
//     msg/<id>            the bytes of a larger message, exactly as received (CRLF lines)
//     msg/.tmp-*          unfinished writes (never listed; swept by sweep_orphans)
//     msg/.spool-<pid>-<id>  a message smtpd is still receiving (queue_spool.hpp)
//
// Invariants:
// - A message's bytes are in exactly one place: a bodies row (size <= kInlineLimit, written
//   in the same transaction as its entry row) or msg/<id> (larger; and every entry of a
//   queue.db from before schema V3). read_message looks in bodies first, then the file.
// - enqueue returns an id only when the message and its rows are durable: the FULL commit
//   fsyncs the WAL, which holds the entry, its recipients and an inline body; a large
//   message's file is fsync'd, renamed and its directory fsync'd before that commit. That
//   is what lets smtpd answer 250 to DATA.
// - A file is written before its row, and removed after the row: a crash leaves at most a
//   file without a row (swept later), never a row without its bytes. A bodies row goes with
//   its entry row (ON DELETE CASCADE), so removing an entry never leaves a blob behind.
// - Ids are unique and sort by enqueue time: 14 hex digits of microseconds since
//   the epoch + 8 hex digits from randombytes. They are also the file names.
// - A recipient is final once delivered or failed; an entry is removed only when
//   all its recipients are final (or by the operator).
// - A lease (lease_until) keeps several deliverd workers (or processes) from
//   delivering one entry twice; it expires by itself if a worker dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

class QueueSpool;

enum class RecipientState { Pending = 0, Deferred = 1, Delivered = 2, Failed = 3 };
std::string_view to_string(RecipientState state);

struct QueueRecipient {
    std::string address;
    RecipientState state = RecipientState::Pending;
    std::int64_t attempts = 0;
    std::int64_t next_attempt = 0;  // seconds since the epoch
    std::string last_error;
    std::string dsn_notify;  // RFC 3461 NOTIFY value as received ("SUCCESS,FAILURE"), or empty
    std::string orcpt;       // RFC 3461 ORCPT value as received, or empty
    bool delay_warned = false;  // a delay DSN went out for this recipient (sent once)
    bool bounce_requested = false;  // the operator deleted the entry with --bounce
    // The alias of ours whose expansion sent this recipient on to another domain (deliverd
    // rewrites the sender with SRS for the alias's domain), or empty.
    std::string forwarded_by = {};
};

struct EnqueueParams {
    std::string dsn_ret;    // "FULL", "HDRS" or empty (RFC 3461 RET)
    std::string dsn_envid;  // RFC 3461 ENVID, or empty
    // The local recipients' folder when no rule of theirs says otherwise: empty for INBOX,
    // "Junk" for mail smtpd's checks quarantined (DMARC p=quarantine).
    std::string folder = {};
};

struct QueueEntry {
    std::string id;
    std::string sender;  // empty: the null reverse-path <>
    std::int64_t received = 0;
    std::int64_t size = 0;
    std::string dsn_ret;
    std::string dsn_envid;
    std::int64_t lease_until = 0;
    std::vector<QueueRecipient> recipients;
    std::string folder;  // EnqueueParams::folder
};

// One recipient's new state, for Queue::apply_updates (deliverd's group commit).
struct RecipientUpdate {
    std::string id;
    std::string address;
    RecipientState state = RecipientState::Deferred;
    std::int64_t next_attempt = 0;
    std::string error;
    bool warned = false;  // also set the delay-notice flag
};

struct EnqueueRequest {
    std::string sender;
    std::vector<QueueRecipient> recipients;  // only address / dsn_notify / orcpt are used
    std::string_view bytes;
    EnqueueParams params;
    // A caller-chosen id from Queue::new_id() (smtpd names it in the Received: field before
    // the commit), or empty: enqueue_batch makes one.
    std::string id = {};
    // A message already received into msg/ (queue_spool.hpp): then `bytes` is unused, `id`
    // must be the spool's, and enqueue_batch commits the file in place of writing one.
    QueueSpool* spool = nullptr;
};

class Queue {
public:
    // Messages up to this size are stored in queue.db, larger ones as msg/<id>. Why inline at
    // all: creating and deleting one file per message is what a queue does worst on ext4
    // (each inode allocation scans the recently freed ones: 0.35-0.5 ms per create under a
    // steady create/delete stream) and a batch of files needs a syncfs that flushes every
    // dirty page of the file system; a blob costs a few WAL pages in the commit we make
    // anyway. Why 64 KiB: that covers nearly all plain text mail and DSNs, while a blob
    // is written twice (WAL, then checkpoint) and sits in the WAL until the checkpoint, so
    // big attachments stay files rather than bloating the WAL and doubling their writes.
    static constexpr std::size_t kInlineLimit = 64 * 1024;

    // Opens data_dir/queue (creating it).
    static Result<Queue> open(const std::filesystem::path& data_dir);
    // How many schema steps this release knows (PRAGMA user_version of a current file).
    static std::size_t schema_version();

    Result<std::string> enqueue(std::string_view sender, std::span<const QueueRecipient> recipients,
                                std::string_view bytes, const EnqueueParams& params = {});
    // Group commit: one FULL transaction for every entry, its recipients and (up to
    // kInlineLimit) its bytes; larger messages' files are made durable first with one
    // syncfs and one fsync of msg/ (neither happens when every message is inline). A
    // spooled message's file is fdatasync'd and linked to msg/<id> before that fsync of msg/.
    Result<std::vector<std::string>> enqueue_batch(std::span<const EnqueueRequest> requests);
    // A fresh id in the format described above, for EnqueueRequest::id.
    static std::string new_id();

    // deliverd: entries with a recipient due (pending/deferred, next_attempt <= now)
    // and no live lease, oldest first; each returned entry is leased until
    // now + lease_seconds.
    Result<std::vector<QueueEntry>> lease_due(std::int64_t now, std::int64_t lease_seconds, std::size_t limit);
    Result<void> release(std::string_view id);
    // deliverd at start: leases left by a runner that died are void (one deliverd
    // runs per data_dir, supervised), so its entries are due again at once.
    Result<std::int64_t> release_all_leases();

    Result<void> mark_delivered(std::string_view id, std::string_view recipient);
    Result<void> mark_deferred(std::string_view id, std::string_view recipient,
                               std::int64_t next_attempt, std::string_view error);
    Result<void> mark_failed(std::string_view id, std::string_view recipient, std::string_view error);
    // deliverd: the delay DSN for this recipient has been queued (never again).
    Result<void> mark_warned(std::string_view id, std::string_view recipient);
    // deliverd, alias expansion: in one transaction the recipient becomes final
    // (Delivered, last_error = note) and `targets` join the entry as pending
    // recipients (existing addresses are left alone). Refused when the recipient is
    // not pending/deferred.
    Result<void> expand_recipient(std::string_view id, std::string_view recipient,
                                  std::span<const QueueRecipient> targets, std::string_view note);
    // Group commit of a queue run: in one FULL transaction every update is applied
    // (like mark_*; updates of recipients no longer open are skipped), then each of
    // `entry_ids` is removed when all its recipients are final and released
    // otherwise. Message files of removed entries (only those not stored inline) are
    // unlinked after the commit.
    // Returns the removed ids.
    Result<std::vector<std::string>> apply_updates(std::span<const RecipientUpdate> updates,
                                                   std::span<const std::string> entry_ids);
    // Removes the entry when every recipient is final; true when removed.
    Result<bool> remove_if_complete(std::string_view id);

    // The operator's view (`mailroom queue list|show|flush|delete`).
    Result<std::vector<QueueEntry>> list();
    Result<std::optional<QueueEntry>> show(std::string_view id);
    Result<void> remove(std::string_view id);
    // Makes every pending/deferred recipient due now; returns how many.
    Result<std::int64_t> flush(std::int64_t now);
    // Makes one entry's pending/deferred recipients due now and drops its lease;
    // Refused for an unknown id.
    Result<void> retry(std::string_view id, std::int64_t now);
    // `mailroom queue delete --bounce`: the open recipients are to fail with a notice
    // to the sender; deliverd does that (and removes the entry) at its next scan.
    Result<void> request_bounce(std::string_view id, std::int64_t now);

    // Where the message of `id` is or would be as a file (it may be inline instead).
    std::filesystem::path message_path(std::string_view id) const;
    // true when the entry's bytes are a file (no bodies row): only then is there one to
    // unlink, or to copy in a backup.
    Result<bool> stored_as_file(std::string_view id);
    // The message bytes: the inline blob, else msg/<id>. Refused when neither exists.
    Result<std::string> read_message(std::string_view id);
    // Deletes message files without a row that are older than max_age_seconds
    // (a crash between file and row); returns how many. By age, not by a writer's lock:
    // smtpd and deliverd (notices over kInlineLimit) both write msg/, and neither's lock
    // says the other is not about to commit the row of a file. A leftover only costs
    // space: its message was never acknowledged, so nothing is delivered twice.
    Result<std::size_t> sweep_orphans(std::int64_t now, std::int64_t max_age_seconds);

private:
    Queue(std::filesystem::path dir, sqlite::Db db) : dir_(std::move(dir)), db_(std::move(db)) {}
    Result<void> mark(std::string_view id, std::string_view recipient, RecipientState state,
                      std::int64_t next_attempt, std::string_view error);
    Result<std::vector<QueueEntry>> load(std::string_view where, std::string_view id);
    // Best effort: a file left behind is an orphan that sweep_orphans removes.
    void remove_body_file(std::string_view id);
    // Deletes the entry by `sql` (?1 = its id), then its file; false when no row went.
    Result<bool> delete_entry(std::string_view id, std::string_view sql);
    // Drops the entry's lease and sets its open recipients by `sql` (?1 = now, ?2 = the id),
    // in one transaction; Refused for an unknown id.
    Result<void> release_and_update_open(std::string_view id, sqlite::Durability durability,
                                         std::string_view sql, std::int64_t now);
    std::filesystem::path dir_;
    sqlite::Db db_;
    // enqueue_batch's INSERTs, prepared on first use and kept: smtpd commits a small batch
    // every few milliseconds, and parsing the same SQL each time cost about 2.5 % of its CPU
    // (perf, smtp-source at 10 sessions). Declared after db_, so finalized before it closes.
    std::optional<sqlite::Statement> insert_entry_;
    std::optional<sqlite::Statement> insert_recipient_;
    std::optional<sqlite::Statement> insert_body_;
};

}  // namespace mr::storage
