// MailboxStore: the façade imapd, pop3d and deliverd use for one user's mail
// (Maildir files + index.sqlite, see maildir.hpp and mailbox_index.hpp).
//
// Invariants (every method keeps them; read them before changing one):
// - Lock order: file writes of new messages happen *before* the index
//   transaction (they are unique files nobody else sees), everything that
//   renames, links or unlinks existing files happens *inside* the transaction
//   (BEGIN IMMEDIATE), so two processes never race on the same file.
// - MODSEQ is bumped once per writing transaction, in that same transaction,
//   and stamped on every row it touches; highestmodseq follows.
// - A transaction that creates, moves or removes message files commits with
//   synchronous=FULL; flag-only transactions commit with NORMAL (a lost flag
//   change after power loss is acceptable; the file name carries flags too).
// - A file is unlinked only after the commit that removed its row: a failure
//   can leave a stray file (reindex picks it up again), never a row without mail.
// - Never hold an index transaction while talking to a client: every method
//   here opens and closes its own; callers write to the network afterwards and
//   notify IDLE sessions after the call returned (the commit is done).
// - Several processes may use one store at once: WAL + busy timeout + BEGIN
//   IMMEDIATE serialise writers; readers see the last commit.
// - Every MessageRecord handed out carries its rfc822_size (the CRLF size POP3 and IMAP
//   report) and a structure blob of the current version, computed from the bytes at
//   append/reindex and copied by copy/move; rows of indexes from before schema v2 (no
//   size) or v6 (an old blob the migration could not carry over) are measured or parsed
//   and filled in the first time they are listed (messages(), changes_since()), outside
//   the listing's read transaction. Rows from before v11 get their THREADID the same way
//   (mailbox_store_threads.cpp); every other row has one from its insert.
// - Private \Seen (issue 19, mailbox_store_private_seen.cpp): while seen_reader() is set
//   (imapd sets it for the jobs of a grantee on the owner's store; StorePool clears it
//   when a store goes back), \Seen is that reader's own: every MessageRecord handed out
//   (messages(), messages_with_headers(), changes_since()), set_flags(), status()'s
//   unseen and mailbox_view()'s first_unseen use the reader's private_seen rows instead of
//   the message's flag, which (and its file name) stays the owner's. A reader's change
//   takes a MODSEQ and raises HIGHESTMODSEQ but stamps no message row, so only that
//   reader's changes_since() reports it (with MODSEQ = the later of row and reader's).
// - Mailbox names are IMAP names with '/' as hierarchy delimiter, already
//   decoded by imapd (this layer does not do modified UTF-7); "inbox" in any
//   case is INBOX.
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
#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

struct MailboxStatus {
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;
    std::uint32_t uidnext = 0;
    std::uint32_t uidvalidity = 0;
    std::uint64_t highestmodseq = 0;
    std::int64_t size = 0;  // bytes of all messages (STATUS SIZE, RFC 8438)
    std::string object_id;  // STATUS MAILBOXID (RFC 8474 §4.3)
};

struct MailboxView {
    MailboxRecord box;
    std::vector<std::uint32_t> uids;       // ascending
    std::uint32_t first_unseen = 0;        // message number, 0 when all are \Seen
    std::vector<std::string> keywords;     // sorted, unique
};

struct AppendMessage {
    std::string mailbox = "INBOX";
    std::string_view bytes;
    std::uint32_t flags = 0;  // Flag bitmask
    std::vector<std::string> keywords;
    std::int64_t internal_date = 0;  // 0: now
    // deliverd passes "<queue id>/<recipient>": storing the same key twice is a
    // no-op that returns the first result (duplicate = true).
    std::optional<std::string> delivery_key;
};

struct AppendResult {
    std::uint32_t uid = 0;
    std::uint32_t uidvalidity = 0;
    bool duplicate = false;
};

enum class FlagOp { Replace, Add, Remove };

struct FlagUpdate {
    std::uint32_t uid = 0;
    std::uint64_t modseq = 0;
    std::uint32_t flags = 0;
    std::vector<std::string> keywords;
};

struct SetFlagsResult {
    std::vector<FlagUpdate> updated;     // messages whose flags changed, with new modseq
    std::vector<std::uint32_t> modified; // failed UNCHANGEDSINCE (RFC 7162 §3.1.3, rfc7162.txt:536)
};

struct UidMap {
    std::uint32_t uidvalidity = 0;  // of the destination
    std::vector<std::pair<std::uint32_t, std::uint32_t>> uids;  // source uid → new uid
};

// The messages a session sees as \Recent (mailbox_store_recent.cpp): UIDs in [first, end).
struct RecentClaim {
    std::uint32_t first = 0;
    std::uint32_t end = 0;
};

struct Changes {
    std::vector<MessageRecord> changed;   // modseq > since, UID order
    std::vector<std::uint32_t> expunged;  // expunged with modseq > since, ascending
    std::uint64_t highestmodseq = 0;
};

class MailboxStore {
public:
    // One straight path, read top to bottom in mailbox_store.cpp: the user directory
    // (created when missing); the index rebuilt from the Maildir when, and only when, it
    // is missing (index::missing, reindex_if_missing); the index opened (schema created
    // or migrated); the default mailboxes (default_mailboxes.hpp), only in an index that
    // has none. Every opener (StorePool for imapd and deliverd, message_reader for pop3d's
    // listing, the CLI) comes through here. Crash recovery is not part of opening:
    // deliverd runs it at start (uncommitted_files.hpp).
    static Result<MailboxStore> open(const std::filesystem::path& user_dir);

    const std::filesystem::path& user_dir() const { return maildir_.root(); }

    // Mailboxes. Unknown names are Refused (imapd answers NO [NONEXISTENT] or
    // [TRYCREATE]); malformed names are Syntax.
    Result<std::vector<MailboxRecord>> list_mailboxes();
    Result<MailboxRecord> mailbox(std::string_view name);
    Result<MailboxRecord> create_mailbox(std::string_view name, std::string_view special_use = {});
    // Renames the mailbox and its children (keeping UIDVALIDITY). Renaming INBOX
    // moves its messages to a new mailbox and leaves INBOX empty (RFC 3501
    // §6.3.5, rfc3501.txt:2086); INBOX's children stay where they are.
    Result<void> rename_mailbox(std::string_view from, std::string_view to);
    // Deletes one mailbox and its messages (not its children); INBOX is Refused.
    Result<void> delete_mailbox(std::string_view name);
    // Subscribing needs the mailbox; a deleted mailbox's subscription stays until it is
    // unsubscribed (or the name is created again, which takes it over).
    Result<void> subscribe(std::string_view name, bool subscribed);
    // A subscription to a mailbox of another store (imapd's shared namespace: the
    // subscriptions are the subscriber's): kept with the subscriptions without a mailbox.
    Result<void> subscribe_elsewhere(std::string_view name, bool subscribed);
    // Subscribed names with no mailbox (sorted): LIST's \NonExistent, LSUB's entries.
    Result<std::vector<std::string>> lost_subscriptions();
    Result<MailboxStatus> status(std::string_view name);

    // Messages.
    Result<AppendResult> append(std::string_view mailbox, std::string_view bytes,
                                std::uint32_t flags = 0, std::span<const std::string> keywords = {},
                                std::int64_t internal_date = 0,
                                std::optional<std::string> delivery_key = std::nullopt);
    // Group commit: all files fsync'd, each directory fsync'd once, one transaction.
    Result<std::vector<AppendResult>> append_batch(std::span<const AppendMessage> messages);

    Result<SetFlagsResult> set_flags(std::string_view mailbox, std::span<const std::uint32_t> uids,
                                     FlagOp op, std::uint32_t flags,
                                     std::span<const std::string> keywords = {},
                                     std::optional<std::uint64_t> unchanged_since = std::nullopt);
    // Unknown UIDs are skipped; the map says what was copied/moved.
    Result<UidMap> copy(std::string_view from, std::span<const std::uint32_t> uids, std::string_view to);
    Result<UidMap> move(std::string_view from, std::span<const std::uint32_t> uids, std::string_view to);
    // Expunges the \Deleted messages (only those among `uids` when given);
    // returns the expunged UIDs, ascending.
    Result<std::vector<std::uint32_t>> expunge(std::string_view mailbox,
                                               std::optional<std::span<const std::uint32_t>> uids = std::nullopt);
    // Removes exactly these messages, \Deleted or not, in one transaction (POP3 QUIT,
    // which must not touch IMAP's own \Deleted marks); returns the removed UIDs.
    Result<std::vector<std::uint32_t>> remove(std::string_view mailbox, std::span<const std::uint32_t> uids);

    Result<std::vector<MessageRecord>> messages(std::string_view mailbox);
    Result<std::vector<MessageRecord>> messages(std::string_view mailbox, std::span<const std::uint32_t> uids);
    Result<Changes> changes_since(std::string_view mailbox, std::uint64_t modseq);
    Result<std::filesystem::path> message_path(std::string_view mailbox, std::uint32_t uid);
    Result<std::string> read_message(std::string_view mailbox, std::uint32_t uid);
    // mailbox_store_read.cpp (imapd's FETCH and SELECT paths):
    // Bytes [offset, offset + length) of a message file, fewer at its end, with one
    // open + pread and no index lookup: `m` is a record from messages(). A file renamed
    // by a flag change since is found by its base name.
    Result<std::string> read_message_range(std::string_view mailbox, const MessageRecord& m,
                                           std::uint64_t offset, std::size_t length);
    // What SELECT needs of a mailbox, in one read transaction and without loading any
    // structure blob: the mailbox row, every UID in order, the first unseen message's
    // position (1-based, 0 = none) and the keywords in use.
    // A re-SELECT of an unchanged big mailbox is served from the last result (view_cache_).
    Result<MailboxView> mailbox_view(std::string_view mailbox);
    // messages(mailbox, uids) with MessageRecord::header filled in where the index caches it.
    Result<std::vector<MessageRecord>> messages_with_headers(std::string_view mailbox,
                                                             std::span<const std::uint32_t> uids);
    // Bytes of every message of the user (quota checks).
    Result<std::int64_t> total_size();
    // Bytes of these messages of one mailbox, unknown UIDs counting 0: what copy() of
    // them adds to total_size() (imapd's quota check before COPY). Reads sizes only.
    Result<std::int64_t> size_of(std::string_view mailbox, std::span<const std::uint32_t> uids);
    // \Recent (RFC 3501 §2.3.2, rfc3501.txt:599), mailbox_store_recent.cpp: claims every
    // message nobody claimed yet, atomically, for the calling IMAP session; and counts
    // them without claiming (STATUS RECENT). peek_recent() is what claim_recent() would
    // claim, without claiming it: an EXAMINEd mailbox shows those messages as \Recent but
    // must not take the flag from the next session (RFC 3501 §6.3.2, rfc3501.txt:1871).
    Result<RecentClaim> claim_recent(std::string_view mailbox);
    Result<RecentClaim> peek_recent(std::string_view mailbox);
    Result<std::uint32_t> unclaimed_recent(std::string_view mailbox);

    // Private \Seen (see the invariants): the grantee whose \Seen the next calls use, or
    // "" for the message's own flag.
    void set_seen_reader(std::string reader) { seen_reader_ = std::move(reader); }
    const std::string& seen_reader() const { return seen_reader_; }

private:
    MailboxStore(Maildir maildir, sqlite::Db db) : maildir_(std::move(maildir)), db_(std::move(db)) {}
    Result<std::vector<std::uint32_t>> remove_messages(std::string_view mailbox,
                                                       std::optional<std::span<const std::uint32_t>> uids,
                                                       bool only_deleted);
    Result<UidMap> transfer(std::string_view from, std::span<const std::uint32_t> uids,
                            std::string_view to, bool remove_source);
    // mailbox_store_sizes.cpp: measures and stores rfc822_size where it is still -1, and
    // parses and stores the structure where its blob has an older version.
    Result<void> fill_derived(const MailboxRecord& box, std::vector<MessageRecord>& records);
    Result<std::vector<MessageRecord>> with_derived(const MailboxRecord& box, std::vector<MessageRecord> records);
    // mailbox_store_threads.cpp: gives rows from before schema v11 their THREADID (once;
    // `records` get theirs only once it is stored).
    Result<void> fill_threads(const MailboxRecord& box, std::vector<MessageRecord>& records);
    // mailbox_store_private_seen.cpp, each a no-op without a reader: the reader's \Seen
    // and MODSEQ over `records` (UID order); the messages whose \Seen the reader changed
    // after `since` merged into `changed` (UID order; inside the caller's snapshot); how
    // many messages the reader has \Seen; the reader's first unseen position in `uids`.
    Result<void> overlay_seen(std::int64_t mailbox_id, std::vector<MessageRecord>& records);
    Result<void> add_seen_changes(std::int64_t mailbox_id, std::uint64_t since, std::vector<MessageRecord>& changed);
    Result<std::uint32_t> private_seen_count(std::int64_t mailbox_id);
    Result<std::uint32_t> private_first_unseen(std::int64_t mailbox_id, std::span<const std::uint32_t> uids);
    Maildir maildir_;
    sqlite::Db db_;
    std::string seen_reader_;
    // mailbox_store_read.cpp: the last big mailbox_view() result, reused while the
    // mailbox's id, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ are unchanged (every write to
    // its messages or flags bumps HIGHESTMODSEQ in the same transaction).
    std::optional<MailboxView> view_cache_;
};

}  // namespace mr::storage
