// The queue: queue.db (+ spool files for large messages). See queue.hpp for the layout and
// invariants.
#include "storage/queue.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <set>
#include <system_error>

#include "storage/atomic_file.hpp"
#include "storage/queue_spool.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE entries (
  id TEXT PRIMARY KEY,               -- 22 lower-case hex digits; time-ordered; also the file name in msg/
  sender TEXT NOT NULL,              -- reverse-path without <>; '' is the null sender (bounces)
  received INTEGER NOT NULL,         -- seconds since the epoch when enqueued
  size INTEGER NOT NULL,             -- bytes of msg/<id>
  dsn_ret TEXT NOT NULL DEFAULT '',  -- RFC 3461 RET: 'FULL', 'HDRS' or ''
  dsn_envid TEXT NOT NULL DEFAULT '',-- RFC 3461 ENVID or ''
  lease_until INTEGER NOT NULL DEFAULT 0  -- a worker owns the entry until then; 0 = free
);
CREATE TABLE recipients (
  entry_id TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  address TEXT NOT NULL,             -- forward-path without <>; unique within the entry
  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),  -- RecipientState; 2, 3 are final
  attempts INTEGER NOT NULL DEFAULT 0,        -- delivery attempts so far
  next_attempt INTEGER NOT NULL DEFAULT 0,    -- not tried before this time (seconds since epoch)
  last_error TEXT NOT NULL DEFAULT '',        -- last reply/diagnostic, for DSNs and the operator
  dsn_notify TEXT NOT NULL DEFAULT '',        -- RFC 3461 NOTIFY as received, or ''
  orcpt TEXT NOT NULL DEFAULT '',             -- RFC 3461 ORCPT as received, or ''
  PRIMARY KEY (entry_id, address)
) WITHOUT ROWID;
CREATE INDEX recipients_due ON recipients(state, next_attempt);
)sql";

// V2 (deliverd): delay DSNs are sent once per recipient.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE recipients ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;  -- 1: delay DSN queued
ALTER TABLE recipients ADD COLUMN bounce INTEGER NOT NULL DEFAULT 0;  -- 1: operator asked to bounce
)sql";

// V3 (issue 3): messages up to Queue::kInlineLimit are stored here instead of msg/<id>. A
// table of its own, so that scans of entries never page through message bytes; a rowid
// table, since its rows are mostly overflow pages (WITHOUT ROWID suits small rows only).
// Entries from before V3 have no row here and keep their files.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE bodies (
  entry_id TEXT PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  bytes BLOB NOT NULL                -- the message exactly as received (CRLF lines)
);
)sql";

// V4 (smtpd's mail authentication): where local delivery files the message by default.
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE entries ADD COLUMN folder TEXT NOT NULL DEFAULT '';  -- '' = INBOX; 'Junk' = quarantined
)sql";

// V5 (SRS): a recipient an alias of ours sent on to another domain keeps that alias, so
// every attempt (retries too) rewrites the sender for the alias's domain.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE recipients ADD COLUMN forwarded_by TEXT NOT NULL DEFAULT '';  -- the alias, or ''
)sql";

constexpr std::array<std::string_view, 5> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5};

// Ids sort by arrival (the queue runs in id order): the microsecond clock, made strictly
// increasing within the process so that ids taken in the same microsecond (a batch) keep
// the order they were taken in instead of that of their random suffix.
std::string new_queue_id() {
    static std::atomic<unsigned long long> last{0};
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    auto usec = static_cast<unsigned long long>(tv.tv_sec) * 1000000ULL + static_cast<unsigned long long>(tv.tv_usec);
    auto prev = last.load(std::memory_order_relaxed);
    do {
        if (usec <= prev) usec = prev + 1;
    } while (!last.compare_exchange_weak(prev, usec, std::memory_order_relaxed));
    unsigned char random[4];
    randombytes_buf(random, sizeof random);
    char out[32];
    std::snprintf(out, sizeof out, "%014llx%02x%02x%02x%02x", usec, random[0], random[1], random[2],
                  random[3]);
    return out;
}

bool valid_id(std::string_view id) {
    if (id.size() != 22) return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

Error bad_id(std::string_view id) { return Error::syntax("bad queue id: " + std::string(id)); }

}  // namespace

std::string_view to_string(RecipientState state) {
    switch (state) {
        case RecipientState::Pending: return "pending";
        case RecipientState::Deferred: return "deferred";
        case RecipientState::Delivered: return "delivered";
        case RecipientState::Failed: return "failed";
    }
    return "unknown";
}

std::size_t Queue::schema_version() { return kMigrations.size(); }

Result<Queue> Queue::open(const fs::path& data_dir) {
    if (sodium_init() < 0) return Error::internal("libsodium initialisation failed");
    const fs::path dir = data_dir / "queue";
    std::error_code ec;
    fs::create_directories(dir / "msg", ec);
    if (ec) return Error::internal("mkdir " + (dir / "msg").string() + ": " + ec.message());
    auto db = sqlite::Db::open(dir / "queue.db", sqlite::Durability::Full);
    if (!db) return db.error();
    if (auto r = db->migrate(kMigrations); !r) return r.error();
    return Queue(dir, std::move(*db));
}

std::string Queue::new_id() { return new_queue_id(); }

fs::path Queue::message_path(std::string_view id) const { return dir_ / "msg" / std::string(id); }

Result<std::string> Queue::read_message(std::string_view id) {
    if (!valid_id(id)) return bad_id(id);
    auto s = db_.prepare("SELECT bytes FROM bodies WHERE entry_id = ?");
    if (!s) return s.error();
    s->bind(1, id);
    auto row = s->step();
    if (!row) return row.error();
    if (*row) return s->column_blob(0);
    return read_file(message_path(id));
}

Result<bool> Queue::stored_as_file(std::string_view id) {
    auto s = db_.prepare("SELECT 1 FROM bodies WHERE entry_id = ?");
    if (!s) return s.error();
    s->bind(1, id);
    auto row = s->step();
    if (!row) return row.error();
    return !*row;
}

Result<std::string> Queue::enqueue(std::string_view sender, std::span<const QueueRecipient> recipients,
                                   std::string_view bytes, const EnqueueParams& params) {
    EnqueueRequest request{std::string(sender), {recipients.begin(), recipients.end()}, bytes, params};
    auto ids = enqueue_batch(std::span<const EnqueueRequest>(&request, 1));
    if (!ids) return ids.error();
    return std::move(ids->front());
}

Result<std::vector<std::string>> Queue::enqueue_batch(std::span<const EnqueueRequest> requests) {
    std::vector<std::string> ids;
    std::vector<PendingFile> files;  // the messages too large to go inline
    for (const auto& r : requests) {
        if (r.recipients.empty()) return Error::syntax("no recipients");
        if (!r.id.empty() && !valid_id(r.id)) return bad_id(r.id);
        if (r.spool != nullptr && r.spool->id() != r.id) return Error::internal("spool id mismatch: " + r.id);
        ids.push_back(r.id.empty() ? new_queue_id() : r.id);
        if (r.spool == nullptr && r.bytes.size() > kInlineLimit) {
            files.push_back(PendingFile{ids.back(), r.bytes, std::nullopt});
        }
    }
    std::vector<std::string> committed_spools;
    auto remove_written = [&] {
        for (const auto& f : files) remove_body_file(f.name);
        for (const auto& id : committed_spools) remove_body_file(id);
    };
    // Before the rows (see the header); a batch of inline messages touches no file at all.
    for (const auto& r : requests) {
        if (r.spool == nullptr) continue;
        if (auto c = r.spool->commit(); !c) {
            remove_written();
            return c.error();
        }
        committed_spools.push_back(r.id);
    }
    if (auto r = write_files_atomically(dir_ / "msg", files); !r) {
        remove_written();
        return r.error();
    }
    // write_files_atomically fsyncs msg/ only when it wrote something.
    if (!committed_spools.empty() && files.empty()) {
        if (auto r = fsync_directory(dir_ / "msg"); !r) {
            remove_written();
            return r.error();
        }
    }
    auto fail = [&](Error e) -> Result<std::vector<std::string>> {
        remove_written();
        return e;
    };
    struct timeval tv {};
    ::gettimeofday(&tv, nullptr);
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return fail(tx.error());
    auto prepared = [&](std::optional<sqlite::Statement>& slot, std::string_view sql) -> Result<void> {
        if (slot) return {};
        auto s = db_.prepare(sql);
        if (!s) return s.error();
        slot.emplace(std::move(*s));
        return {};
    };
    if (auto r = prepared(insert_entry_, "INSERT INTO entries(id, sender, received, size, dsn_ret, dsn_envid, folder)"
                                         " VALUES (?, ?, ?, ?, ?, ?, ?)");
        !r) {
        return fail(r.error());
    }
    if (auto r = prepared(insert_recipient_,
                          "INSERT OR IGNORE INTO recipients(entry_id, address, state, next_attempt, dsn_notify, orcpt,"
                          " forwarded_by) VALUES (?, ?, 0, 0, ?, ?, ?)");
        !r) {
        return fail(r.error());
    }
    if (auto r = prepared(insert_body_, "INSERT INTO bodies(entry_id, bytes) VALUES (?, ?)"); !r) return fail(r.error());
    sqlite::Statement& entry = *insert_entry_;
    sqlite::Statement& rcpt = *insert_recipient_;
    sqlite::Statement& body = *insert_body_;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& r = requests[i];
        entry.reset();
        entry.bind(1, ids[i]).bind(2, r.sender).bind(3, static_cast<std::int64_t>(tv.tv_sec));
        const std::uint64_t size = r.spool != nullptr ? r.spool->size() : r.bytes.size();
        entry.bind(4, static_cast<std::int64_t>(size)).bind(5, r.params.dsn_ret);
        entry.bind(6, r.params.dsn_envid).bind(7, r.params.folder);
        if (auto e = entry.run(); !e) return fail(e.error());
        if (r.spool == nullptr && r.bytes.size() <= kInlineLimit) {
            body.reset();
            body.bind(1, ids[i]).bind_blob(2, r.bytes);
            if (auto e = body.run(); !e) return fail(e.error());
        }
        for (const auto& to : r.recipients) {  // duplicates collapse (INSERT OR IGNORE)
            rcpt.reset();
            // forwarded_by: a Sieve redirect queues its message as forwarded by the user.
            rcpt.bind(1, ids[i]).bind(2, to.address).bind(3, to.dsn_notify).bind(4, to.orcpt).bind(5, to.forwarded_by);
            if (auto e = rcpt.run(); !e) return fail(e.error());
        }
    }
    if (auto e = tx->commit(); !e) return fail(e.error());
    return ids;
}

Result<std::vector<QueueEntry>> Queue::load(std::string_view where, std::string_view id) {
    auto e = db_.prepare("SELECT id, sender, received, size, dsn_ret, dsn_envid, lease_until, folder FROM entries " +
                         std::string(where) + " ORDER BY id");
    auto r = db_.prepare(
        "SELECT address, state, attempts, next_attempt, last_error, dsn_notify, orcpt, warned, bounce, forwarded_by"
        " FROM recipients"
        " WHERE entry_id = ? ORDER BY address");
    if (!e) return e.error();
    if (!r) return r.error();
    if (!id.empty()) e->bind(1, id);
    std::vector<QueueEntry> out;
    for (;;) {
        auto row = e->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(QueueEntry{e->column_text(0), e->column_text(1), e->column_int64(2), e->column_int64(3),
                                 e->column_text(4), e->column_text(5), e->column_int64(6), {}, e->column_text(7)});
    }
    for (auto& entry : out) {
        r->reset();
        r->bind(1, entry.id);
        for (;;) {
            auto row = r->step();
            if (!row) return row.error();
            if (!*row) break;
            entry.recipients.push_back(QueueRecipient{r->column_text(0),
                                                      static_cast<RecipientState>(r->column_int64(1)),
                                                      r->column_int64(2), r->column_int64(3),
                                                      r->column_text(4), r->column_text(5), r->column_text(6),
                                                      r->column_int64(7) != 0, r->column_int64(8) != 0,
                                                      r->column_text(9)});
        }
    }
    return out;
}

Result<std::vector<QueueEntry>> Queue::list() { return load("", {}); }

Result<std::optional<QueueEntry>> Queue::show(std::string_view id) {
    if (!valid_id(id)) return bad_id(id);
    auto found = load("WHERE id = ?", id);
    if (!found) return found.error();
    if (found->empty()) return std::optional<QueueEntry>();
    return std::optional<QueueEntry>(std::move(found->front()));
}

Result<std::vector<QueueEntry>> Queue::lease_due(std::int64_t now, std::int64_t lease_seconds, std::size_t limit) {
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Normal);
    if (!tx) return tx.error();
    auto due = db_.prepare(
        "SELECT id FROM entries e WHERE lease_until <= ?1 AND EXISTS (SELECT 1 FROM recipients r"
        " WHERE r.entry_id = e.id AND r.state IN (0, 1) AND r.next_attempt <= ?1) ORDER BY id LIMIT ?2");
    if (!due) return due.error();
    due->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    auto ids = sqlite::collect_rows(*due, sqlite::first_column_text);
    if (!ids) return ids.error();
    auto lease = db_.prepare("UPDATE entries SET lease_until = ? WHERE id = ?");
    if (!lease) return lease.error();
    std::vector<QueueEntry> out;
    for (const auto& id : *ids) {
        lease->reset();
        lease->bind(1, now + lease_seconds).bind(2, id);
        if (auto r = lease->run(); !r) return r.error();
        auto entry = load("WHERE id = ?", id);
        if (!entry) return entry.error();
        for (auto& e : *entry) out.push_back(std::move(e));
    }
    if (auto r = tx->commit(); !r) return r.error();
    return out;
}

Result<void> Queue::release(std::string_view id) {
    if (!valid_id(id)) return bad_id(id);
    auto s = db_.prepare("UPDATE entries SET lease_until = 0 WHERE id = ?");
    if (!s) return s.error();
    s->bind(1, id);
    return s->run();
}

Result<std::int64_t> Queue::release_all_leases() {
    auto s = db_.prepare("UPDATE entries SET lease_until = 0 WHERE lease_until > 0");
    if (!s) return s.error();
    if (auto r = s->run(); !r) return r.error();
    return static_cast<std::int64_t>(db_.changes());
}

Result<void> Queue::mark(std::string_view id, std::string_view recipient, RecipientState state,
                         std::int64_t next_attempt, std::string_view error) {
    if (!valid_id(id)) return bad_id(id);
    auto s = db_.prepare(
        "UPDATE recipients SET state = ?, attempts = attempts + 1, next_attempt = ?, last_error = ?"
        " WHERE entry_id = ? AND address = ? AND state IN (0, 1)");
    if (!s) return s.error();
    s->bind(1, static_cast<std::int64_t>(state)).bind(2, next_attempt).bind(3, error).bind(4, id).bind(5, recipient);
    if (auto r = s->run(); !r) return r;
    if (db_.changes() == 0) {
        return Error::refused("no pending recipient " + std::string(recipient) + " in " + std::string(id));
    }
    return {};
}

Result<void> Queue::mark_delivered(std::string_view id, std::string_view recipient) {
    return mark(id, recipient, RecipientState::Delivered, 0, "");
}

Result<void> Queue::mark_deferred(std::string_view id, std::string_view recipient, std::int64_t next_attempt,
                                  std::string_view error) {
    return mark(id, recipient, RecipientState::Deferred, next_attempt, error);
}

Result<void> Queue::mark_failed(std::string_view id, std::string_view recipient, std::string_view error) {
    return mark(id, recipient, RecipientState::Failed, 0, error);
}

Result<void> Queue::mark_warned(std::string_view id, std::string_view recipient) {
    if (!valid_id(id)) return bad_id(id);
    auto s = db_.prepare("UPDATE recipients SET warned = 1 WHERE entry_id = ? AND address = ?");
    if (!s) return s.error();
    s->bind(1, id).bind(2, recipient);
    return s->run();
}

Result<void> Queue::expand_recipient(std::string_view id, std::string_view recipient,
                                     std::span<const QueueRecipient> targets, std::string_view note) {
    if (!valid_id(id)) return bad_id(id);
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto done = db_.prepare(
        "UPDATE recipients SET state = 2, attempts = attempts + 1, next_attempt = 0, last_error = ?"
        " WHERE entry_id = ? AND address = ? AND state IN (0, 1)");
    if (!done) return done.error();
    done->bind(1, note).bind(2, id).bind(3, recipient);
    if (auto r = done->run(); !r) return r;
    if (db_.changes() == 0) {
        return Error::refused("no pending recipient " + std::string(recipient) + " in " + std::string(id));
    }
    auto add = db_.prepare(
        "INSERT OR IGNORE INTO recipients(entry_id, address, state, next_attempt, dsn_notify, orcpt, forwarded_by)"
        " VALUES (?, ?, 0, 0, ?, ?, ?)");
    if (!add) return add.error();
    for (const auto& t : targets) {
        add->reset();
        add->bind(1, id).bind(2, t.address).bind(3, t.dsn_notify).bind(4, t.orcpt).bind(5, t.forwarded_by);
        if (auto r = add->run(); !r) return r;
    }
    return tx->commit();
}

Result<std::vector<std::string>> Queue::apply_updates(std::span<const RecipientUpdate> updates,
                                                      std::span<const std::string> entry_ids) {
    for (const auto& id : entry_ids) {
        if (!valid_id(id)) return bad_id(id);
    }
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    auto mark = db_.prepare(
        "UPDATE recipients SET state = ?, attempts = attempts + 1, next_attempt = ?, last_error = ?,"
        " warned = MAX(warned, ?) WHERE entry_id = ? AND address = ? AND state IN (0, 1)");
    auto remove = db_.prepare(
        "DELETE FROM entries WHERE id = ?1 AND NOT EXISTS"
        " (SELECT 1 FROM recipients WHERE entry_id = ?1 AND state IN (0, 1))");
    auto release = db_.prepare("UPDATE entries SET lease_until = 0 WHERE id = ?");
    auto inline_body = db_.prepare("SELECT 1 FROM bodies WHERE entry_id = ?");
    if (!mark) return mark.error();
    if (!remove) return remove.error();
    if (!release) return release.error();
    if (!inline_body) return inline_body.error();
    for (const auto& u : updates) {
        mark->reset();
        mark->bind(1, static_cast<std::int64_t>(u.state)).bind(2, u.next_attempt).bind(3, u.error);
        mark->bind(4, std::int64_t{u.warned ? 1 : 0}).bind(5, u.id).bind(6, u.address);
        if (auto r = mark->run(); !r) return r.error();
    }
    std::vector<std::string> removed;
    std::vector<std::string> files;  // of removed entries whose bytes were not inline
    for (const auto& id : entry_ids) {
        inline_body->reset();  // asked before the DELETE cascades to bodies
        inline_body->bind(1, id);
        auto is_inline = inline_body->step();
        if (!is_inline) return is_inline.error();
        inline_body->reset();  // no statement left mid-row across the DELETE and the COMMIT
        remove->reset();
        remove->bind(1, id);
        if (auto r = remove->run(); !r) return r.error();
        if (db_.changes() > 0) {
            removed.push_back(id);
            if (!*is_inline) files.push_back(id);
            continue;
        }
        release->reset();
        release->bind(1, id);
        if (auto r = release->run(); !r) return r.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    // After the commit (see the header): a crash here leaves orphan files only.
    for (const auto& id : files) remove_body_file(id);
    return removed;
}

void Queue::remove_body_file(std::string_view id) {
    std::error_code ec;
    fs::remove(message_path(id), ec);
}

Result<bool> Queue::delete_entry(std::string_view id, std::string_view sql) {
    if (!valid_id(id)) return bad_id(id);
    auto as_file = stored_as_file(id);
    if (!as_file) return as_file.error();
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    s->bind(1, id);
    if (auto r = s->run(); !r) return r.error();
    if (db_.changes() == 0) return false;
    // After the row (see the header): a crash here leaves an orphan file only.
    if (*as_file) remove_body_file(id);
    return true;
}

Result<bool> Queue::remove_if_complete(std::string_view id) {
    return delete_entry(id,
                        "DELETE FROM entries WHERE id = ?1 AND NOT EXISTS"
                        " (SELECT 1 FROM recipients WHERE entry_id = ?1 AND state IN (0, 1))");
}

Result<void> Queue::remove(std::string_view id) {
    auto removed = delete_entry(id, "DELETE FROM entries WHERE id = ?1");
    if (!removed) return removed.error();
    if (!*removed) return Error::refused("no such queue entry: " + std::string(id));
    return {};
}

Result<std::int64_t> Queue::flush(std::int64_t now) {
    auto s = db_.prepare("UPDATE recipients SET next_attempt = ? WHERE state IN (0, 1) AND next_attempt > ?");
    if (!s) return s.error();
    s->bind(1, now).bind(2, now);
    if (auto r = s->run(); !r) return r.error();
    return static_cast<std::int64_t>(db_.changes());
}

Result<void> Queue::release_and_update_open(std::string_view id, sqlite::Durability durability,
                                            std::string_view sql, std::int64_t now) {
    if (!valid_id(id)) return bad_id(id);
    auto tx = sqlite::Transaction::begin(db_, durability);
    if (!tx) return tx.error();
    auto e = db_.prepare("UPDATE entries SET lease_until = 0 WHERE id = ?");
    if (!e) return e.error();
    e->bind(1, id);
    if (auto r = e->run(); !r) return r;
    if (db_.changes() == 0) return Error::refused("no such queue entry: " + std::string(id));
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    s->bind(1, now).bind(2, id);
    if (auto r = s->run(); !r) return r;
    return tx->commit();
}

Result<void> Queue::retry(std::string_view id, std::int64_t now) {
    return release_and_update_open(id, sqlite::Durability::Normal,
                                   "UPDATE recipients SET next_attempt = ? WHERE entry_id = ? AND state IN (0, 1)", now);
}

Result<void> Queue::request_bounce(std::string_view id, std::int64_t now) {
    return release_and_update_open(
        id, sqlite::Durability::Full,
        "UPDATE recipients SET bounce = 1, next_attempt = ? WHERE entry_id = ? AND state IN (0, 1)", now);
}

Result<std::size_t> Queue::sweep_orphans(std::int64_t now, std::int64_t max_age_seconds) {
    auto s = db_.prepare("SELECT id FROM entries");
    if (!s) return s.error();
    auto ids = sqlite::collect_rows(*s, sqlite::first_column_text);
    if (!ids) return ids.error();
    const std::set<std::string> known(ids->begin(), ids->end());
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir_ / "msg", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (known.count(name)) continue;
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || now - st.st_mtime < max_age_seconds) continue;
        std::error_code rm;
        if (fs::remove(it->path(), rm)) ++removed;
    }
    if (ec) return Error::internal("list queue: " + ec.message());
    return removed;
}

}  // namespace mr::storage
