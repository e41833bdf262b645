// The index queries of a rebuild from the Maildir (reindex.hpp): reading what an old index
// knows that the Maildir does not, and seeding the new index's UIDVALIDITY counter.
// Schema and invariants: mailbox_index.hpp.
#include <system_error>

#include "storage/mailbox_index.hpp"

namespace mr::storage::index {

bool missing(const std::filesystem::path& user_dir) {
    std::error_code ec;
    const std::filesystem::path file = user_dir / kFileName;
    return !std::filesystem::exists(file, ec) || std::filesystem::file_size(file, ec) == 0;
}

Result<OldIndexRows> read_old_index(sqlite::Db& old) {
    // Only columns every schema version has (v1): the old index may predate this build.
    auto boxes = old.prepare("SELECT name, subscribed, special_use FROM mailboxes");
    auto keys = old.prepare("SELECT file, keywords FROM messages WHERE keywords <> ''");
    auto counter = old.prepare("SELECT uidvalidity FROM counters WHERE id = 1");
    if (!boxes || !keys || !counter) return Error::refused("old index has no usable schema");
    OldIndexRows out;
    for (;;) {
        auto row = boxes->step();
        if (!row) return row.error();
        if (!*row) break;
        out.mailboxes.push_back({boxes->column_text(0), boxes->column_int64(1) != 0, boxes->column_text(2)});
    }
    for (;;) {
        auto row = keys->step();
        if (!row) return row.error();
        if (!*row) break;
        out.keywords.emplace_back(keys->column_text(0), keys->column_text(1));
    }
    if (auto row = counter->step(); row && *row) out.last_uidvalidity = counter->column_int64(0);
    // Only an index of schema v7 or later has the column; an older one has no UIDLs to keep.
    if (auto uidls = old.prepare("SELECT file, pop3_uidl FROM messages WHERE pop3_uidl IS NOT NULL")) {
        for (;;) {
            auto row = uidls->step();
            if (!row) return row.error();
            if (!*row) break;
            out.pop3_uidls.emplace_back(uidls->column_text(0), uidls->column_text(1));
        }
    }
    // Likewise lost_subscriptions (v8).
    if (auto lost = old.prepare("SELECT name FROM lost_subscriptions")) {
        for (;;) {
            auto row = lost->step();
            if (!row) return row.error();
            if (!*row) break;
            out.lost_subscriptions.push_back(lost->column_text(0));
        }
    }
    return out;
}

Result<void> set_last_uidvalidity(sqlite::Db& db, std::int64_t last) {
    auto s = db.prepare("UPDATE counters SET uidvalidity = ? WHERE id = 1");
    if (!s) return s.error();
    s->bind(1, last);
    return s->run();
}

Result<bool> adopt_uidvalidity(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uidvalidity) {
    auto s = db.prepare(
        "UPDATE mailboxes SET uidvalidity = ?1 WHERE id = ?2"
        " AND NOT EXISTS (SELECT 1 FROM mailboxes WHERE uidvalidity = ?1 AND id <> ?2)");
    if (!s) return s.error();
    s->bind(1, std::int64_t{uidvalidity}).bind(2, mailbox_id);
    if (auto r = s->run(); !r) return r.error();
    if (db.changes() == 0) return false;
    auto c = db.prepare("UPDATE counters SET uidvalidity = max(uidvalidity, ?) WHERE id = 1");
    if (!c) return c.error();
    c->bind(1, std::int64_t{uidvalidity});
    if (auto r = c->run(); !r) return r.error();
    return true;
}

Result<void> raise_uidnext(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uidnext) {
    auto s = db.prepare("UPDATE mailboxes SET uidnext = max(uidnext, ?) WHERE id = ?");
    if (!s) return s.error();
    s->bind(1, std::int64_t{uidnext}).bind(2, mailbox_id);
    return s->run();
}

}  // namespace mr::storage::index
