// The private_seen rows (schema v10, mailbox_index.cpp): what a grantee of a shared
// mailbox has \Seen. mailbox_index.hpp for the invariants (caller's transaction, no file I/O).
#include "storage/mailbox_index.hpp"

namespace mr::storage::index {

Result<std::vector<PrivateSeen>> load_private_seen(sqlite::Db& db, std::int64_t mailbox_id, std::string_view reader) {
    auto s = db.prepare("SELECT uid, seen, modseq FROM private_seen WHERE mailbox_id = ? AND reader = ? ORDER BY uid");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, reader);
    return sqlite::collect_rows(*s, [](const sqlite::Statement& row) {
        return PrivateSeen{static_cast<std::uint32_t>(row.column_int64(0)), row.column_int64(1) != 0,
                           static_cast<std::uint64_t>(row.column_int64(2))};
    });
}

Result<void> set_private_seen(sqlite::Db& db, std::int64_t mailbox_id, std::string_view reader, const PrivateSeen& row) {
    auto s = db.prepare(
        "INSERT OR REPLACE INTO private_seen(mailbox_id, uid, reader, seen, modseq) VALUES (?, ?, ?, ?, ?)");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, std::int64_t{row.uid}).bind(3, reader);
    s->bind(4, std::int64_t{row.seen ? 1 : 0}).bind(5, static_cast<std::int64_t>(row.modseq));
    return s->run();
}

}  // namespace mr::storage::index
