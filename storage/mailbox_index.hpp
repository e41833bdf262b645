// The per-user mailbox index: root/index.sqlite (WAL), beside the Maildir.
//
// Tables (schema in mailbox_index.cpp, every column commented there):
//   counters   one row: the user's MODSEQ counter and the last UIDVALIDITY handed out
//   mailboxes  id, name, uidvalidity, uidnext, highestmodseq, special_use, subscribed
//   messages   (mailbox_id, uid) → modseq, flags, keywords, internal_date, size, file,
//              structure, delivery_key, rfc822_size (schema v2)
//   expunged   (mailbox_id, uid) → modseq of the expunge (for QRESYNC VANISHED)
//   index messages_view (mailbox_id, uid, flags, keywords): what SELECT reads (schema v3)
//   index messages_file (file): crash recovery asks whether a row names a file (schema v5)
//   message_headers (mailbox_id, uid) → top-level header block, cached at append (schema v3;
//              deleted with its message row; absent for older rows and copies)
//   lost_subscriptions  names subscribed whose mailbox was deleted (schema v8)
//   mailboxes.object_id, messages.email_id/save_date  RFC 8474 ids, RFC 8514 date (schema v9)
//   private_seen (mailbox_id, uid, reader) → seen, modseq: a grantee's own \Seen (schema v10)
//   messages.thread_id, thread_links (msg-id → thread id)  RFC 8474 THREADIDs (schema v11)
//
// Invariants:
// - One MODSEQ counter per user, strictly increasing, bumped once per writing
//   transaction and stamped on every message/expunge row that transaction
//   touches; a mailbox's highestmodseq is the largest modseq of its rows.
//   So MODSEQs are strictly increasing per mailbox too (RFC 7162 §3.1, rfc7162.txt:288).
// - A UID is never reused within a UIDVALIDITY: uidnext only grows, and a
//   mailbox's uidvalidity changes whenever its uid history is lost (re-created
//   under the same name, or reindexed). UIDVALIDITY values are unique per user.
// - rfc822_size and structure are derived from the (immutable) message bytes: set at
//   insert, or filled once for rows from before schema v2 (rfc822_size) or with a
//   structure blob of an older version (schema v6). Filling them bumps no MODSEQ (a
//   structure blob only changes where its old sizes were wrong).
// - Every function here runs inside the caller's Transaction; none opens one.
// - The helpers do no file I/O: file operations are the store's job.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util/result.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

struct MailboxRecord {
    std::int64_t id = 0;
    std::string name;              // normalized IMAP name ('/' hierarchy), "INBOX" for the inbox
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint64_t highestmodseq = 0;
    std::string special_use;       // "\\Sent" etc., or empty
    bool subscribed = false;
    std::string object_id;         // MAILBOXID (RFC 8474 §4, schema v9): kept over RENAME
};

struct MessageRecord {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    std::uint32_t flags = 0;                // Flag bitmask (maildir.hpp)
    std::vector<std::string> keywords;      // sorted, unique
    std::int64_t internal_date = 0;         // seconds since the epoch
    std::int64_t size = 0;                  // bytes of the message file
    std::string file;                       // folder-relative: "cur/<name>" or "new/<name>"
    std::string structure;                  // mr::mime::structure_blob of the message
    // Octets with every line end CRLF (common/text/message_data.hpp): POP3 LIST/STAT size and
    // IMAP RFC822.SIZE. -1 only when an index from before schema v2 lists a message whose
    // file could not be read to fill it in; readers then measure the file themselves.
    std::int64_t rfc822_size = -1;
    // The POP3 UIDL a previous server showed for it (an import, schema v7), or empty: pop3d
    // then derives it from UIDVALIDITY and UID.
    std::string pop3_uidl;
    // EMAILID (RFC 8474 §5.1, schema v9): made at insert when empty; COPY and MOVE carry it.
    std::string email_id;
    // SAVEDATE (RFC 8514 §4): when the row was saved to its mailbox; insert stamps now when 0.
    std::int64_t save_date = 0;
    // THREADID (RFC 8474 §5.2, schema v11): given by assign_ids() before insert; COPY and
    // MOVE carry it. Empty only for rows from before v11 until their first listing fills it
    // (mailbox_store_threads.cpp), and never changed once set.
    std::string thread_id;
    // The top-level header block (bytes [0, body start)), only when asked for
    // (MailboxStore::messages with headers) and cached (schema v3); empty otherwise.
    std::string header;
};

std::string join_keywords(std::span<const std::string> keywords);
std::vector<std::string> split_keywords(std::string_view text);

namespace index {

inline constexpr const char* kFileName = "index.sqlite";

// Whether a user's index is missing: no index.sqlite, or an empty one (a crash before its
// schema was written). The one definition: MailboxStore::open rebuilds such an index
// (reindex.hpp), and crash recovery (uncommitted_files.hpp) leaves its user alone.
bool missing(const std::filesystem::path& user_dir);

// Opens (creating the schema of) an index file. Connection durability is Normal;
// transactions that create, move or remove files ask for Full.
Result<sqlite::Db> open(const std::filesystem::path& file);
// How many schema steps this release knows (PRAGMA user_version of a current file).
std::size_t schema_version();

// A new RFC 8474 object id: `letter` ('F' MAILBOXID, 'M' EMAILID, 'T' THREADID) and 24 hex digits of
// randomness (rfc8474.txt:584: a letter first never reads as a number, a dash or NIL).
std::string new_object_id(char letter);

// Bumps the user's MODSEQ counter and returns the new value.
Result<std::uint64_t> next_modseq(sqlite::Db& db);
// A UIDVALIDITY greater than every one handed out before (time-based).
Result<std::uint32_t> next_uidvalidity(sqlite::Db& db);

Result<std::optional<MailboxRecord>> find_mailbox(sqlite::Db& db, std::string_view name);
Result<std::vector<MailboxRecord>> list_mailboxes(sqlite::Db& db);
Result<MailboxRecord> insert_mailbox(sqlite::Db& db, std::string_view name,
                                     std::string_view special_use, bool subscribed);
Result<void> set_highestmodseq(sqlite::Db& db, std::int64_t mailbox_id, std::uint64_t modseq);

// Reserves `count` UIDs and returns the first.
Result<std::uint32_t> reserve_uids(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t count);

// false (and nothing written) when the delivery key is already stored. An empty email_id
// gets a new one; an empty thread_id is stored as NULL (a copy of a row from before v11).
Result<bool> insert_message(sqlite::Db& db, std::int64_t mailbox_id, const MessageRecord& m,
                            const std::optional<std::string>& delivery_key);
// (mailbox name, uid) of the message stored under a delivery key.
struct KeyedMessage {
    std::string mailbox;
    std::uint32_t uid = 0;
    std::uint32_t uidvalidity = 0;
};
Result<std::optional<KeyedMessage>> find_delivery_key(sqlite::Db& db, std::string_view key);
// Whether a row names the file `name` of a folder's new/: as "new/<name>", or as
// "cur/<name>:2,<flags>" (a flag change renamed it; the row may be ahead of the file).
Result<bool> names_new_file(sqlite::Db& db, std::string_view name);
// Bytes of every message of every mailbox: what a user's quota counts.
Result<std::int64_t> stored_bytes(sqlite::Db& db);

// Messages of a mailbox in UID order; all of them, or only the given UIDs
// (missing ones skipped), or only those with modseq > since.
Result<std::vector<MessageRecord>> load_messages(sqlite::Db& db, std::int64_t mailbox_id);
Result<std::vector<MessageRecord>> load_messages(sqlite::Db& db, std::int64_t mailbox_id,
                                                 std::span<const std::uint32_t> uids);
Result<std::vector<MessageRecord>> load_changed(sqlite::Db& db, std::int64_t mailbox_id,
                                                std::uint64_t since);
// Messages of a mailbox with any of `flags` set, in UID order (EXPUNGE's \Deleted ones:
// the rest of the mailbox, and their structure blobs, are not read).
Result<std::vector<MessageRecord>> load_with_flags(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t flags);

// Fills in MessageRecord::header of `records` (UID order) from message_headers where cached.
Result<void> load_headers(sqlite::Db& db, std::int64_t mailbox_id, std::vector<MessageRecord>& records);

// Fills in (uid, rfc822_size) pairs for rows that still have none; missing uids are skipped.
Result<void> set_rfc822_sizes(sqlite::Db& db, std::int64_t mailbox_id,
                              std::span<const std::pair<std::uint32_t, std::int64_t>> sizes);

// Replaces structure blobs of an older version (schema v6) by ones parsed anew; a row
// whose blob is no longer `old_structure` (filled meanwhile) is left alone.
struct StructureUpdate {
    std::uint32_t uid = 0;
    std::string old_structure;
    std::string structure;
};
Result<void> set_structures(sqlite::Db& db, std::int64_t mailbox_id, std::span<const StructureUpdate> updates);

Result<void> update_flags(sqlite::Db& db, std::int64_t mailbox_id, const MessageRecord& m);

// --- mailbox_index_queries.cpp: what MailboxStore's other paths ask ----------------------
Result<void> rename_mailbox_row(sqlite::Db& db, std::string_view from, std::string_view to);
// false when no mailbox has that name. Its messages go with it (ON DELETE CASCADE).
Result<bool> delete_mailbox_row(sqlite::Db& db, std::string_view name);
Result<void> set_subscribed(sqlite::Db& db, std::int64_t mailbox_id, bool subscribed);
// Subscriptions without a mailbox (lost_subscriptions): add one, remove one (false when
// there was none), list them (sorted).
Result<void> add_lost_subscription(sqlite::Db& db, std::string_view name);
Result<bool> remove_lost_subscription(sqlite::Db& db, std::string_view name);
Result<std::vector<std::string>> lost_subscriptions(sqlite::Db& db);

struct MailboxCounts {
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;
    std::int64_t rfc822_bytes = 0;  // RFC822 sizes (file sizes of rows not measured yet)
};
Result<MailboxCounts> mailbox_counts(sqlite::Db& db, std::int64_t mailbox_id);
// Sum of the file sizes of the given UIDs (ascending, unique; missing ones count 0).
Result<std::int64_t> file_bytes(sqlite::Db& db, std::int64_t mailbox_id, std::span<const std::uint32_t> sorted);
// UIDs expunged with modseq > since, ascending.
Result<std::vector<std::uint32_t>> expunged_since(sqlite::Db& db, std::int64_t mailbox_id, std::uint64_t since);

// What opening a mailbox shows: UIDs, the first unseen one, the keywords in use.
struct ViewRows {
    std::vector<std::uint32_t> uids;    // ascending
    std::uint32_t first_unseen = 0;     // message number, 0 when all are \Seen
    std::vector<std::string> keywords;  // sorted, unique
};
Result<ViewRows> load_view(sqlite::Db& db, std::int64_t mailbox_id);

// \Recent bookkeeping (imap_recent): the first UID no session has claimed yet (1 when
// none was), setting it, and how many messages have a UID >= first.
Result<std::uint32_t> first_unclaimed_recent(sqlite::Db& db, std::int64_t mailbox_id);
Result<void> set_first_unclaimed_recent(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid);
Result<std::uint32_t> count_from_uid(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t first);
// Deletes the row and records the expunge with `modseq`.
Result<void> expunge_message(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid,
                             std::uint64_t modseq);

// --- mailbox_index_private_seen.cpp: a grantee's own \Seen (schema v10) -----------------
struct PrivateSeen {
    std::uint32_t uid = 0;
    bool seen = false;
    std::uint64_t modseq = 0;
};
// `reader`'s rows of a mailbox, in UID order.
Result<std::vector<PrivateSeen>> load_private_seen(sqlite::Db& db, std::int64_t mailbox_id, std::string_view reader);
Result<void> set_private_seen(sqlite::Db& db, std::int64_t mailbox_id, std::string_view reader, const PrivateSeen& row);

// --- mailbox_index_threads.cpp: THREADIDs (RFC 8474 §5.2, schema v11) -------------------
// Gives a message about to be inserted (delivery, APPEND, reindex) a new EMAILID and its
// THREADID: the thread of the first of `links` (mime::thread_links) already known, else a
// new one ("T" and the EMAILID's digits); every link not known yet is recorded for it.
Result<void> assign_ids(sqlite::Db& db, MessageRecord& m, std::span<const std::string> links);
// The THREADID of a stored row from before v11, given once from `links` as above (the
// thread of a new one is "T" and its EMAILID's digits, so two rows of one EMAILID get the
// same); a row filled meanwhile keeps its own. "" when the row is gone.
Result<std::string> fill_thread(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid,
                                std::span<const std::string> links);

// --- mailbox_index_rebuild.cpp: what a rebuild (reindex.hpp) reads and sets -------------
// What the Maildir cannot carry, as the old index holds it. Read from an index of any
// schema version, which is not migrated (it is about to be set aside).
struct OldIndexRows {
    struct Mailbox {
        std::string name;
        bool subscribed = false;
        std::string special_use;
    };
    std::vector<Mailbox> mailboxes;
    std::vector<std::pair<std::string, std::string>> keywords;  // (file, keywords) of rows with any
    std::vector<std::pair<std::string, std::string>> pop3_uidls;  // (file, UIDL) of imported rows (v7+)
    std::vector<std::string> lost_subscriptions;                  // subscribed names without a mailbox (v8+)
    std::int64_t last_uidvalidity = 0;                          // 0 when the counter is unreadable
};
// Refused when the file has no usable schema; Internal when reading it failed midway.
Result<OldIndexRows> read_old_index(sqlite::Db& old);
// Makes every UIDVALIDITY handed out from now on greater than `last` (a rebuilt index
// starts past what clients may remember from the old one). Run before any mailbox exists.
Result<void> set_last_uidvalidity(sqlite::Db& db, std::int64_t last);
// An imported folder's UIDVALIDITY (maildir_import.hpp) for a mailbox of the rebuild;
// false, and nothing changed, when another mailbox of the user already has it.
Result<bool> adopt_uidvalidity(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uidvalidity);
// uidnext = max(uidnext, `uidnext`): an imported folder's UIDNEXT, which may lie past its
// highest remaining UID (messages expunged on the old server).
Result<void> raise_uidnext(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uidnext);

}  // namespace index
}  // namespace mr::storage
