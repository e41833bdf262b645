// The index schema and its row helpers; see mailbox_index.hpp for the invariants.
#include "storage/mailbox_index.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include <sodium.h>

namespace mr::storage {

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE counters (
  id INTEGER PRIMARY KEY CHECK (id = 1),   -- exactly one row
  modseq INTEGER NOT NULL,                 -- last MODSEQ handed out; only grows
  uidvalidity INTEGER NOT NULL             -- last UIDVALIDITY handed out; only grows
);
INSERT INTO counters(id, modseq, uidvalidity) VALUES (1, 0, 0);
CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,    -- never reused, so stale ids never match
  name TEXT NOT NULL UNIQUE,               -- normalized IMAP name, '/' separated; "INBOX" always exists
  uidvalidity INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),  -- unique per user
  uidnext INTEGER NOT NULL CHECK (uidnext BETWEEN 1 AND 4294967296),  -- > every uid ever given here
  highestmodseq INTEGER NOT NULL,          -- = max modseq of this mailbox's messages/expunged rows
  special_use TEXT NOT NULL DEFAULT '',    -- RFC 6154 attribute ("\Sent") or ''
  subscribed INTEGER NOT NULL DEFAULT 0 CHECK (subscribed IN (0, 1))
);
CREATE TABLE messages (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,                    -- < mailboxes.uidnext; unique in the mailbox, never reused
  modseq INTEGER NOT NULL,                 -- modseq of the last change (append, flags)
  flags INTEGER NOT NULL,                  -- Flag bitmask; mirrored in the file name's ":2," letters
  keywords TEXT NOT NULL DEFAULT '',       -- space-separated, sorted, unique; only stored here
  internal_date INTEGER NOT NULL,          -- seconds since the epoch; also the file's mtime
  size INTEGER NOT NULL,                   -- exact byte size of the file
  file TEXT NOT NULL,                      -- folder-relative "cur/<name>" / "new/<name>"; may be
                                           -- stale after an outside rename (located by base name)
  structure BLOB NOT NULL,                 -- mr::mime::structure_blob, computed once at append
  delivery_key TEXT UNIQUE,                -- NULL, or queue id + recipient: a re-delivery is a no-op
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
CREATE INDEX messages_modseq ON messages(mailbox_id, modseq);
CREATE TABLE expunged (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid INTEGER NOT NULL,                    -- an expunged uid; never again in messages
  modseq INTEGER NOT NULL,                 -- modseq of the expunge
  PRIMARY KEY (mailbox_id, uid)
) WITHOUT ROWID;
)sql";

// v2 (issue 5): the CRLF size of each message, so POP3 LIST/STAT and IMAP RFC822.SIZE
// never read message files. Rows of indexes written before v2 get -1 ("not computed
// yet"): adding the column is instant, and the store fills a row in the first time it
// lists it (mailbox_store_sizes.cpp), reading that file once; mail nobody lists costs nothing.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE messages ADD COLUMN
  rfc822_size INTEGER NOT NULL DEFAULT -1; -- octets with every line end CRLF (text/message_data.hpp);
                                           -- -1 only for rows from before v2, until filled
)sql";

// v3 (issue 6): SELECT reads UID and flags of every message of a mailbox. From the table
// that means paging through every row with its structure blob (100,000 messages: ~100 MB);
// this covering index holds just those columns (a few MB), so SELECT scans it instead.
// Additive: older binaries open the file unchanged and SQLite maintains the index for them.
// The table message_headers caches each message's top-level header block, which clients
// fetch for every message of a mailbox at their first sync (Thunderbird's
// BODY.PEEK[HEADER.FIELDS (...)]): served from here, that costs no file open per message.
// Rows from before v3 and copies have none; readers then read the file.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE INDEX IF NOT EXISTS messages_view ON messages(mailbox_id, uid, flags, keywords);
CREATE TABLE IF NOT EXISTS message_headers (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  header BLOB NOT NULL,                    -- message bytes [0, body start): the header and its blank line
  PRIMARY KEY (mailbox_id, uid),
  FOREIGN KEY (mailbox_id, uid) REFERENCES messages(mailbox_id, uid) ON DELETE CASCADE
) WITHOUT ROWID;
)sql";

// v4: imapd asks after every command which uids were expunged since a modseq; without
// this index that read every expunged row the mailbox ever had. imap_recent holds the
// \Recent watermark of each mailbox (mailbox_store_recent.cpp); before v4 it was created
// on first use, hence IF NOT EXISTS. Additive, like v3.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE INDEX IF NOT EXISTS expunged_modseq ON expunged(mailbox_id, modseq);
CREATE TABLE IF NOT EXISTS imap_recent (
  mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  first_unclaimed INTEGER NOT NULL          -- UIDs >= this are \Recent for the next claimer
);
)sql";

// v5: deliverd's crash recovery (uncommitted_files.hpp) asks at every start, for each
// delivery file in new/, whether a row names it; without this index each question read
// every row of the user. Additive, like v3.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE INDEX IF NOT EXISTS messages_file ON messages(file);
)sql";

// v6: structure blobs of version 2 (common/mime/message_structure.hpp), whose sizes count
// what the IMAP form adds for bare CRs and an open last line too, and whose parse ends a
// line at a bare CR (message_data.hpp, section 4). A version-1 blob of a message without bare CR or LF that ends with its line
// end (rfc822_size = size) is a version-2 blob but for its first byte: rewriting that byte
// here keeps nearly all mail as it is. Every other version-1 blob is parsed again from its
// file the first time its row is listed (mailbox_store_sizes.cpp), like v2's sizes.
constexpr std::string_view kSchemaV6 = R"sql(
UPDATE messages SET structure = CAST(x'02' || substr(structure, 2) AS BLOB)
  WHERE rfc822_size = size AND substr(structure, 1, 1) = x'01';
)sql";

// v7: the POP3 unique-id a previous server showed for an imported message (mailroom import
// keeps it, so POP3 clients that leave mail on the server do not download it again); NULL
// for every other message, whose UIDL pop3d derives from UIDVALIDITY and UID.
constexpr std::string_view kSchemaV7 = R"sql(
ALTER TABLE messages ADD COLUMN pop3_uidl TEXT;
)sql";

// v8: subscriptions outlive their mailbox (RFC 3501 §6.3.6, rfc3501.txt:2151: the server
// "MUST NOT unilaterally remove an" existing name from the subscription list), which
// LIST (SUBSCRIBED) shows as \NonExistent (RFC 5258 §3). A subscribed mailbox's name moves
// here when it is deleted and back to its row when a mailbox of that name is created.
// Additive, like v3.
constexpr std::string_view kSchemaV8 = R"sql(
CREATE TABLE IF NOT EXISTS lost_subscriptions (
  name TEXT PRIMARY KEY                    -- normalized name; no row of mailboxes has it
) WITHOUT ROWID;
)sql";

// v9: object ids (RFC 8474) and the save date (RFC 8514). A mailbox keeps its MAILBOXID
// over RENAME (it stays on the row); a message keeps its EMAILID over COPY and MOVE
// (rfc8474.txt:299, copied with the row). Ids are a letter and 24 hex digits of
// randomness (rfc8474.txt:584: a letter first never reads as a number, a dash or NIL),
// so they are unique across users as well. Rows from before v9 get fresh ids and their
// internal date as save date (the best guess at when they were saved).
constexpr std::string_view kSchemaV9 = R"sql(
ALTER TABLE mailboxes ADD COLUMN object_id TEXT;  -- MAILBOXID: "F" + 24 hex digits; set once
UPDATE mailboxes SET object_id = 'F' || lower(hex(randomblob(12)));
ALTER TABLE messages ADD COLUMN email_id TEXT;     -- EMAILID: "M" + 24 hex digits; copied by COPY/MOVE
ALTER TABLE messages ADD COLUMN save_date INTEGER; -- seconds since the epoch the row was saved here
UPDATE messages SET email_id = 'M' || lower(hex(randomblob(12))), save_date = internal_date;
)sql";

// v10 (issue 19): \Seen of the users a mailbox is shared with, each their own (Dovecot's
// private \Seen): imapd shows a grantee this row's `seen` instead of the message's flag.
// A row goes with its message (expunge, MOVE); COPY and a reindex do not carry it over.
// `modseq` is the store's MODSEQ of the change (it raises the mailbox's HIGHESTMODSEQ, but
// stamps no message row): the reader's sessions find the change by it. Additive, like v3.
constexpr std::string_view kSchemaV10 = R"sql(
CREATE TABLE IF NOT EXISTS private_seen (
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  reader TEXT NOT NULL,                    -- the grantee's address
  seen INTEGER NOT NULL CHECK (seen IN (0, 1)),
  modseq INTEGER NOT NULL,                 -- MODSEQ of the last change of `seen`
  PRIMARY KEY (mailbox_id, uid, reader),
  FOREIGN KEY (mailbox_id, uid) REFERENCES messages(mailbox_id, uid) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS private_seen_reader ON private_seen(mailbox_id, reader);
)sql";

// v11 (issue 18): THREADIDs (RFC 8474 §5.2). A message's thread is found at insert through
// the ids its header links it by (mime::thread_links: parent, references, its own
// Message-ID) in thread_links, which remembers for every id seen in this user's store the
// thread it was first seen in (mailbox_index_threads.cpp). COPY and MOVE carry thread_id
// with the row (rfc8474.txt:324: the same THREADID for the same EMAILID). Rows from before
// v11 keep NULL until they are first listed (mailbox_store_threads.cpp), like v2's sizes.
// A link row outlives the messages that made it: a late reply still finds its thread.
constexpr std::string_view kSchemaV11 = R"sql(
ALTER TABLE messages ADD COLUMN thread_id TEXT;   -- THREADID: "T" + 24 hex digits; never changes once set
CREATE TABLE IF NOT EXISTS thread_links (
  message_id TEXT PRIMARY KEY,             -- a normalised msg-id (common/mime/message_ids.hpp)
  thread_id TEXT NOT NULL                  -- the thread it was first seen in; never changes
) WITHOUT ROWID;
)sql";

constexpr std::array<std::string_view, 11> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                          kSchemaV5, kSchemaV6, kSchemaV7, kSchemaV8,
                                                          kSchemaV9, kSchemaV10, kSchemaV11};

// Past this size an index is read with pread(2) again (about 130,000 messages' rows).
constexpr std::int64_t kIndexMmapBytes = 256LL * 1024 * 1024;

constexpr std::string_view kMessageColumns =
    "SELECT uid, modseq, flags, keywords, internal_date, size, file, structure, rfc822_size, pop3_uidl,"
    " email_id, save_date, thread_id FROM messages ";

MessageRecord read_message(const sqlite::Statement& s) {
    MessageRecord m;
    m.uid = static_cast<std::uint32_t>(s.column_int64(0));
    m.modseq = static_cast<std::uint64_t>(s.column_int64(1));
    m.flags = static_cast<std::uint32_t>(s.column_int64(2));
    m.keywords = split_keywords(s.column_text(3));
    m.internal_date = s.column_int64(4);
    m.size = s.column_int64(5);
    m.file = s.column_text(6);
    m.structure = s.column_blob(7);
    m.rfc822_size = s.column_int64(8);
    m.pop3_uidl = s.column_text(9);
    m.email_id = s.column_text(10);
    m.save_date = s.column_int64(11);
    m.thread_id = s.column_text(12);
    return m;
}

Result<std::vector<MessageRecord>> collect(sqlite::Statement& s) { return sqlite::collect_rows(s, read_message); }

MailboxRecord read_mailbox(const sqlite::Statement& s) {
    return MailboxRecord{s.column_int64(0),
                         s.column_text(1),
                         static_cast<std::uint32_t>(s.column_int64(2)),
                         static_cast<std::uint32_t>(s.column_int64(3)),
                         static_cast<std::uint64_t>(s.column_int64(4)),
                         s.column_text(5),
                         s.column_int64(6) != 0,
                         s.column_text(7)};
}

constexpr std::string_view kMailboxColumns =
    "SELECT id, name, uidvalidity, uidnext, highestmodseq, special_use, subscribed, object_id FROM mailboxes ";

}  // namespace

std::string join_keywords(std::span<const std::string> keywords) {
    std::vector<std::string> sorted(keywords.begin(), keywords.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::string out;
    for (const auto& k : sorted) {
        if (k.empty()) continue;
        if (!out.empty()) out += ' ';
        out += k;
    }
    return out;
}

std::vector<std::string> split_keywords(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto sp = text.find(' ');
        if (sp != 0) out.emplace_back(text.substr(0, sp));
        if (sp == std::string_view::npos) break;
        text.remove_prefix(sp + 1);
    }
    return out;
}

namespace index {

std::size_t schema_version() { return kMigrations.size(); }

std::string new_object_id(char letter) {
    unsigned char random[12];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    return letter + std::string(hex);
}

Result<sqlite::Db> open(const std::filesystem::path& file) {
    auto db = sqlite::Db::open(file, sqlite::Durability::Normal);
    if (!db) return db.error();
    if (auto r = db->migrate(kMigrations); !r) return r.error();
    // Reads through a shared mapping of the file instead of pread(2) into each
    // connection's small page cache: a FETCH 1:* pages through megabytes of header cache
    // and structure blobs, and with pread it spent a third of its time copying pages
    // (10,000 Thunderbird header rows: 27 -> 17 ms). The mapping is address space, not
    // private memory, and SQLite still writes with pwrite(2).
    if (auto r = db->exec("PRAGMA mmap_size=" + std::to_string(kIndexMmapBytes)); !r) return r.error();
    return std::move(*db);
}

Result<std::uint64_t> next_modseq(sqlite::Db& db) {
    auto s = db.prepare("UPDATE counters SET modseq = modseq + 1 WHERE id = 1 RETURNING modseq");
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return Error::internal("index: counters row missing");
    return static_cast<std::uint64_t>(s->column_int64(0));
}

Result<std::uint32_t> next_uidvalidity(sqlite::Db& db) {
    // Time-based so that a reindexed user (whose counter restarted) still gets
    // values above the ones clients remember; +1 when several are made per second.
    auto s = db.prepare(
        "UPDATE counters SET uidvalidity = max(uidvalidity + 1, ?) WHERE id = 1 RETURNING uidvalidity");
    if (!s) return s.error();
    s->bind(1, static_cast<std::int64_t>(std::time(nullptr)) & 0xffffffffLL);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return Error::internal("index: counters row missing");
    const auto v = s->column_int64(0);
    if (v < 1 || v > 0xffffffffLL) return Error::internal("index: UIDVALIDITY exhausted");
    return static_cast<std::uint32_t>(v);
}

Result<std::optional<MailboxRecord>> find_mailbox(sqlite::Db& db, std::string_view name) {
    auto s = db.prepare(std::string(kMailboxColumns) + "WHERE name = ?");
    if (!s) return s.error();
    s->bind(1, name);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<MailboxRecord>();
    return std::optional<MailboxRecord>(read_mailbox(*s));
}

Result<std::vector<MailboxRecord>> list_mailboxes(sqlite::Db& db) {
    auto s = db.prepare(std::string(kMailboxColumns) + "ORDER BY name");
    if (!s) return s.error();
    return sqlite::collect_rows(*s, read_mailbox);
}

Result<MailboxRecord> insert_mailbox(sqlite::Db& db, std::string_view name,
                                     std::string_view special_use, bool subscribed) {
    auto uidvalidity = next_uidvalidity(db);
    if (!uidvalidity) return uidvalidity.error();
    auto modseq = next_modseq(db);
    if (!modseq) return modseq.error();
    auto s = db.prepare(
        "INSERT INTO mailboxes(name, uidvalidity, uidnext, highestmodseq, special_use, subscribed, object_id)"
        " VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id, object_id");
    if (!s) return s.error();
    s->bind(1, name).bind(2, std::int64_t{*uidvalidity}).bind(3, static_cast<std::int64_t>(*modseq));
    s->bind(4, special_use).bind(5, std::int64_t{subscribed ? 1 : 0}).bind(6, new_object_id('F'));
    auto row = s->step();
    if (!row) {
        if (s->constraint_failed()) return Error::refused(ErrorCode::MailboxExists, "mailbox exists: " + std::string(name));
        return row.error();
    }
    if (!*row) return Error::internal("index: mailbox insert returned no row");
    MailboxRecord record{s->column_int64(0), std::string(name), *uidvalidity, 1, *modseq,
                         std::string(special_use), subscribed, s->column_text(1)};
    if (auto r = s->step(); !r) return r.error();  // runs the statement to its end
    return record;
}

Result<void> set_highestmodseq(sqlite::Db& db, std::int64_t mailbox_id, std::uint64_t modseq) {
    auto s = db.prepare("UPDATE mailboxes SET highestmodseq = max(highestmodseq, ?) WHERE id = ?");
    if (!s) return s.error();
    s->bind(1, static_cast<std::int64_t>(modseq)).bind(2, mailbox_id);
    return s->run();
}

Result<std::uint32_t> reserve_uids(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t count) {
    auto s = db.prepare("UPDATE mailboxes SET uidnext = uidnext + ? WHERE id = ? RETURNING uidnext");
    if (!s) return s.error();
    s->bind(1, std::int64_t{count}).bind(2, mailbox_id);
    auto row = s->step();
    if (!row) {
        // The CHECK on uidnext: the 32-bit UID space of this UIDVALIDITY is used up.
        if (s->constraint_failed()) return Error::refused(ErrorCode::Limit, "mailbox UID space exhausted");
        return row.error();
    }
    if (!*row) return Error::internal("index: mailbox vanished");
    return static_cast<std::uint32_t>(s->column_int64(0) - count);
}

Result<bool> insert_message(sqlite::Db& db, std::int64_t mailbox_id, const MessageRecord& m,
                            const std::optional<std::string>& delivery_key) {
    auto s = db.prepare(
        "INSERT INTO messages(mailbox_id, uid, modseq, flags, keywords, internal_date, size, file,"
        " structure, delivery_key, rfc822_size, pop3_uidl, email_id, save_date, thread_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, std::int64_t{m.uid}).bind(3, static_cast<std::int64_t>(m.modseq));
    s->bind(4, std::int64_t{m.flags}).bind(5, join_keywords(m.keywords)).bind(6, m.internal_date);
    s->bind(7, m.size).bind(8, m.file).bind_blob(9, m.structure);
    if (delivery_key) s->bind(10, *delivery_key);
    else s->bind_null(10);
    s->bind(11, m.rfc822_size);
    if (m.pop3_uidl.empty()) s->bind_null(12);
    else s->bind(12, m.pop3_uidl);
    s->bind(13, m.email_id.empty() ? new_object_id('M') : m.email_id);
    s->bind(14, m.save_date != 0 ? m.save_date : static_cast<std::int64_t>(std::time(nullptr)));
    if (m.thread_id.empty()) s->bind_null(15);
    else s->bind(15, m.thread_id);
    if (auto r = s->run(); !r) {
        if (s->constraint_failed() && delivery_key) return false;
        return r.error();
    }
    if (!m.header.empty()) {
        auto h = db.prepare("INSERT OR REPLACE INTO message_headers(mailbox_id, uid, header) VALUES (?, ?, ?)");
        if (!h) return h.error();
        h->bind(1, mailbox_id).bind(2, std::int64_t{m.uid}).bind_blob(3, m.header);
        if (auto r = h->run(); !r) return r.error();
    }
    return true;
}

Result<void> load_headers(sqlite::Db& db, std::int64_t mailbox_id, std::vector<MessageRecord>& records) {
    if (records.empty()) return {};
    auto s = db.prepare("SELECT uid, header FROM message_headers WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, std::int64_t{records.front().uid}).bind(3, std::int64_t{records.back().uid});
    auto it = records.begin();
    for (;;) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) return {};
        const auto uid = static_cast<std::uint32_t>(s->column_int64(0));
        while (it != records.end() && it->uid < uid) ++it;
        if (it == records.end()) return {};
        if (it->uid == uid) it->header = s->column_blob(1);
    }
}

Result<std::int64_t> stored_bytes(sqlite::Db& db) {
    auto s = db.prepare("SELECT coalesce(sum(size), 0) FROM messages");
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    return s->column_int64(0);
}

Result<bool> names_new_file(sqlite::Db& db, std::string_view name) {
    // Both lookups are range scans of messages_file (the ':' ';' bounds cover every
    // ":2,<flags>" suffix).
    const std::string in_new = "new/" + std::string(name);
    const std::string cur_from = "cur/" + std::string(name) + ":";
    const std::string cur_to = "cur/" + std::string(name) + ";";
    auto s = db.prepare("SELECT 1 FROM messages WHERE file = ? LIMIT 1");
    if (!s) return s.error();
    s->bind(1, in_new);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) return true;
    auto c = db.prepare("SELECT 1 FROM messages WHERE file >= ? AND file < ? LIMIT 1");
    if (!c) return c.error();
    c->bind(1, cur_from).bind(2, cur_to);
    auto crow = c->step();
    if (!crow) return crow.error();
    return *crow;
}

Result<std::optional<KeyedMessage>> find_delivery_key(sqlite::Db& db, std::string_view key) {
    auto s = db.prepare(
        "SELECT b.name, m.uid, b.uidvalidity FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
        " WHERE m.delivery_key = ?");
    if (!s) return s.error();
    s->bind(1, key);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<KeyedMessage>();
    return std::optional<KeyedMessage>(KeyedMessage{s->column_text(0),
                                                    static_cast<std::uint32_t>(s->column_int64(1)),
                                                    static_cast<std::uint32_t>(s->column_int64(2))});
}

Result<std::vector<MessageRecord>> load_messages(sqlite::Db& db, std::int64_t mailbox_id) {
    auto s = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ? ORDER BY uid");
    if (!s) return s.error();
    s->bind(1, mailbox_id);
    return collect(*s);
}

Result<std::vector<MessageRecord>> load_with_flags(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t flags) {
    auto s = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ? AND (flags & ?) <> 0 ORDER BY uid");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, std::int64_t{flags});
    return collect(*s);
}

Result<std::vector<MessageRecord>> load_messages(sqlite::Db& db, std::int64_t mailbox_id,
                                                 std::span<const std::uint32_t> uids) {
    std::vector<std::uint32_t> sorted(uids.begin(), uids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<MessageRecord> out;
    if (sorted.empty()) return out;
    // A dense set (FETCH 1:*, a batch of it) is one range scan that skips the rows not
    // asked for: one B-tree descent instead of one per UID.
    const std::uint64_t span = std::uint64_t{sorted.back()} - sorted.front() + 1;
    if (sorted.size() >= 16 && span <= 4 * sorted.size()) {
        auto r = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid");
        if (!r) return r.error();
        r->bind(1, mailbox_id).bind(2, std::int64_t{sorted.front()}).bind(3, std::int64_t{sorted.back()});
        out.reserve(sorted.size());
        auto want = sorted.begin();
        for (;;) {
            auto row = r->step();
            if (!row) return row.error();
            if (!*row) return out;
            const auto uid = static_cast<std::uint32_t>(r->column_int64(0));
            while (want != sorted.end() && *want < uid) ++want;
            if (want == sorted.end()) return out;
            if (*want == uid) out.push_back(read_message(*r));
        }
    }
    // One statement re-used per UID for sparse sets; it keeps the SQL free of
    // dynamically built IN lists.
    auto s = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ? AND uid = ?");
    if (!s) return s.error();
    for (auto uid : sorted) {
        s->reset();
        s->bind(1, mailbox_id).bind(2, std::int64_t{uid});
        auto row = s->step();
        if (!row) return row.error();
        if (*row) out.push_back(read_message(*s));
    }
    return out;
}

Result<std::vector<MessageRecord>> load_changed(sqlite::Db& db, std::int64_t mailbox_id,
                                                std::uint64_t since) {
    // No ORDER BY: with one, SQLite walks the whole mailbox in uid order instead of the
    // messages_modseq index, and every selected session runs this after every command
    // (10,000 messages: a tenth of imapd's CPU in a Thunderbird first sync). The few
    // changed rows are sorted here.
    auto s = db.prepare(std::string(kMessageColumns) + "WHERE mailbox_id = ? AND modseq > ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, static_cast<std::int64_t>(since));
    auto changed = collect(*s);
    if (!changed) return changed;
    std::sort(changed->begin(), changed->end(),
              [](const MessageRecord& a, const MessageRecord& b) { return a.uid < b.uid; });
    return changed;
}

Result<void> set_rfc822_sizes(sqlite::Db& db, std::int64_t mailbox_id,
                              std::span<const std::pair<std::uint32_t, std::int64_t>> sizes) {
    // "< 0" keeps the first value written: two processes filling at once agree anyway.
    auto s = db.prepare(
        "UPDATE messages SET rfc822_size = ? WHERE mailbox_id = ? AND uid = ? AND rfc822_size < 0");
    if (!s) return s.error();
    for (const auto& [uid, size] : sizes) {
        s->reset();
        s->bind(1, size).bind(2, mailbox_id).bind(3, std::int64_t{uid});
        if (auto r = s->run(); !r) return r;
    }
    return {};
}

Result<void> set_structures(sqlite::Db& db, std::int64_t mailbox_id, std::span<const StructureUpdate> updates) {
    // Only over the blob that was read: two processes filling at once write the same.
    auto s = db.prepare("UPDATE messages SET structure = ? WHERE mailbox_id = ? AND uid = ? AND structure = ?");
    if (!s) return s.error();
    for (const StructureUpdate& u : updates) {
        s->reset();
        s->bind_blob(1, u.structure).bind(2, mailbox_id).bind(3, std::int64_t{u.uid}).bind_blob(4, u.old_structure);
        if (auto r = s->run(); !r) return r;
    }
    return {};
}

Result<void> update_flags(sqlite::Db& db, std::int64_t mailbox_id, const MessageRecord& m) {
    auto s = db.prepare(
        "UPDATE messages SET flags = ?, keywords = ?, modseq = ?, file = ? WHERE mailbox_id = ? AND uid = ?");
    if (!s) return s.error();
    s->bind(1, std::int64_t{m.flags}).bind(2, join_keywords(m.keywords));
    s->bind(3, static_cast<std::int64_t>(m.modseq)).bind(4, m.file).bind(5, mailbox_id);
    s->bind(6, std::int64_t{m.uid});
    return s->run();
}

Result<void> expunge_message(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid,
                             std::uint64_t modseq) {
    auto del = db.prepare("DELETE FROM messages WHERE mailbox_id = ? AND uid = ?");
    if (!del) return del.error();
    del->bind(1, mailbox_id).bind(2, std::int64_t{uid});
    if (auto r = del->run(); !r) return r;
    auto ins = db.prepare("INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq) VALUES (?, ?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, mailbox_id).bind(2, std::int64_t{uid}).bind(3, static_cast<std::int64_t>(modseq));
    return ins->run();
}

}  // namespace index
}  // namespace mr::storage
