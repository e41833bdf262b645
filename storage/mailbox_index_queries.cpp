// The index queries behind MailboxStore's mailbox management, STATUS, SELECT view,
// QRESYNC and \Recent paths: mailbox_index.hpp for the schema and the invariants (every
// function runs inside the caller's transaction or snapshot and does no file I/O).
#include <algorithm>
#include <set>

#include "storage/mailbox_index.hpp"
#include "storage/maildir.hpp"

namespace mr::storage::index {

Result<void> rename_mailbox_row(sqlite::Db& db, std::string_view from, std::string_view to) {
    auto s = db.prepare("UPDATE mailboxes SET name = ? WHERE name = ?");
    if (!s) return s.error();
    s->bind(1, to).bind(2, from);
    return s->run();
}

Result<bool> delete_mailbox_row(sqlite::Db& db, std::string_view name) {
    auto s = db.prepare("DELETE FROM mailboxes WHERE name = ?");
    if (!s) return s.error();
    s->bind(1, name);
    if (auto r = s->run(); !r) return r.error();
    return db.changes() != 0;
}

Result<void> set_subscribed(sqlite::Db& db, std::int64_t mailbox_id, bool subscribed) {
    auto s = db.prepare("UPDATE mailboxes SET subscribed = ? WHERE id = ?");
    if (!s) return s.error();
    s->bind(1, std::int64_t{subscribed ? 1 : 0}).bind(2, mailbox_id);
    return s->run();
}

Result<void> add_lost_subscription(sqlite::Db& db, std::string_view name) {
    auto s = db.prepare("INSERT OR IGNORE INTO lost_subscriptions(name) VALUES (?)");
    if (!s) return s.error();
    s->bind(1, name);
    return s->run();
}

Result<bool> remove_lost_subscription(sqlite::Db& db, std::string_view name) {
    auto s = db.prepare("DELETE FROM lost_subscriptions WHERE name = ?");
    if (!s) return s.error();
    s->bind(1, name);
    if (auto r = s->run(); !r) return r.error();
    return db.changes() != 0;
}

Result<std::vector<std::string>> lost_subscriptions(sqlite::Db& db) {
    auto s = db.prepare("SELECT name FROM lost_subscriptions ORDER BY name");
    if (!s) return s.error();
    return sqlite::collect_rows(*s, [](const sqlite::Statement& row) { return row.column_text(0); });
}

Result<MailboxCounts> mailbox_counts(sqlite::Db& db, std::int64_t mailbox_id) {
    auto s = db.prepare(
        // RFC 8438 SIZE must be at least the sum of RFC822.SIZE: the CRLF sizes, with the
        // file size only for rows not measured yet.
        "SELECT count(*), coalesce(sum((flags & 1) = 0), 0),"
        " coalesce(sum(CASE WHEN rfc822_size >= 0 THEN rfc822_size ELSE size END), 0)"
        " FROM messages WHERE mailbox_id = ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id);
    auto row = s->step();
    if (!row) return row.error();
    MailboxCounts c;
    c.messages = static_cast<std::uint32_t>(s->column_int64(0));
    c.unseen = static_cast<std::uint32_t>(s->column_int64(1));
    c.rfc822_bytes = s->column_int64(2);
    return c;
}

Result<std::int64_t> file_bytes(sqlite::Db& db, std::int64_t mailbox_id, std::span<const std::uint32_t> sorted) {
    std::int64_t total = 0;
    if (sorted.empty()) return total;
    // As load_messages: a dense set is one range scan, a sparse one a lookup per UID.
    const std::uint64_t span = std::uint64_t{sorted.back()} - sorted.front() + 1;
    if (sorted.size() >= 16 && span <= 4 * sorted.size()) {
        auto r = db.prepare("SELECT uid, size FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?");
        if (!r) return r.error();
        r->bind(1, mailbox_id).bind(2, std::int64_t{sorted.front()}).bind(3, std::int64_t{sorted.back()});
        for (;;) {
            auto row = r->step();
            if (!row) return row.error();
            if (!*row) return total;
            const auto uid = static_cast<std::uint32_t>(r->column_int64(0));
            if (std::binary_search(sorted.begin(), sorted.end(), uid)) total += r->column_int64(1);
        }
    }
    auto s = db.prepare("SELECT size FROM messages WHERE mailbox_id = ? AND uid = ?");
    if (!s) return s.error();
    for (auto uid : sorted) {
        s->reset();
        s->bind(1, mailbox_id).bind(2, std::int64_t{uid});
        auto row = s->step();
        if (!row) return row.error();
        if (*row) total += s->column_int64(0);
    }
    return total;
}

Result<std::vector<std::uint32_t>> expunged_since(sqlite::Db& db, std::int64_t mailbox_id, std::uint64_t since) {
    std::vector<std::uint32_t> out;
    // No ORDER BY, so that SQLite uses expunged_modseq (index v4); sorted below.
    auto s = db.prepare("SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, static_cast<std::int64_t>(since));
    for (;;) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(static_cast<std::uint32_t>(s->column_int64(0)));
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<ViewRows> load_view(sqlite::Db& db, std::int64_t mailbox_id) {
    ViewRows view;
    // From the covering index of schema v3: no structure blob is paged in.
    auto s = db.prepare(
        "SELECT uid, flags, keywords FROM messages INDEXED BY messages_view WHERE mailbox_id = ? ORDER BY uid");
    if (!s) return s.error();
    s->bind(1, mailbox_id);
    std::set<std::string> keywords;
    for (;;) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        view.uids.push_back(static_cast<std::uint32_t>(s->column_int64(0)));
        if (view.first_unseen == 0 && !(s->column_int64(1) & kSeen))
            view.first_unseen = static_cast<std::uint32_t>(view.uids.size());
        // Almost always empty, so the text is fetched only when it is not (a string per
        // row was an eighth of a 100,000-message view's instructions).
        if (s->column_bytes(2) != 0) {
            for (auto& k : split_keywords(s->column_text(2))) keywords.insert(std::move(k));
        }
    }
    view.keywords.assign(keywords.begin(), keywords.end());
    return view;
}

Result<std::uint32_t> first_unclaimed_recent(sqlite::Db& db, std::int64_t mailbox_id) {
    auto s = db.prepare("SELECT first_unclaimed FROM imap_recent WHERE mailbox_id = ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::uint32_t{1};
    return static_cast<std::uint32_t>(s->column_int64(0));
}

Result<void> set_first_unclaimed_recent(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid) {
    auto s = db.prepare("INSERT OR REPLACE INTO imap_recent(mailbox_id, first_unclaimed) VALUES (?, ?)");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, static_cast<std::int64_t>(uid));
    return s->run();
}

Result<std::uint32_t> count_from_uid(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t first) {
    auto s = db.prepare("SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid >= ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, static_cast<std::int64_t>(first));
    auto row = s->step();
    if (!row) return row.error();
    return static_cast<std::uint32_t>(*row ? s->column_int64(0) : 0);
}

}  // namespace mr::storage::index
