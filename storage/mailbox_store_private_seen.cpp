// Private \Seen (issue 19): a grantee's own \Seen on another account's mailbox, kept in
// the owner's index (private_seen, schema v10) and shown instead of the message's flag
// while MailboxStore::seen_reader() is set. The invariants: mailbox_store.hpp.
// set_flags() (mailbox_store_messages.cpp) is the one place that writes it; overlay_seen()
// the one place that reads it into a MessageRecord.
#include <algorithm>

#include "storage/mailbox_store.hpp"

namespace mr::storage {

Result<void> MailboxStore::overlay_seen(std::int64_t mailbox_id, std::vector<MessageRecord>& records) {
    if (seen_reader_.empty() || records.empty()) return {};
    auto rows = index::load_private_seen(db_, mailbox_id, seen_reader_);
    if (!rows) return rows.error();
    auto row = rows->begin();
    for (MessageRecord& m : records) {  // both in UID order
        while (row != rows->end() && row->uid < m.uid) ++row;
        const bool has = row != rows->end() && row->uid == m.uid;
        const bool seen = has && row->seen;
        m.flags = seen ? (m.flags | kSeen) : (m.flags & ~kSeen);
        if (has) m.modseq = std::max(m.modseq, row->modseq);
    }
    return {};
}

Result<void> MailboxStore::add_seen_changes(std::int64_t mailbox_id, std::uint64_t since,
                                            std::vector<MessageRecord>& changed) {
    if (seen_reader_.empty()) return {};
    auto rows = index::load_private_seen(db_, mailbox_id, seen_reader_);
    if (!rows) return rows.error();
    std::vector<std::uint32_t> listed;  // ascending, as `changed` is
    for (const MessageRecord& m : changed) listed.push_back(m.uid);
    std::vector<std::uint32_t> uids;
    for (const auto& r : *rows) {
        if (r.modseq > since && !std::binary_search(listed.begin(), listed.end(), r.uid)) uids.push_back(r.uid);
    }
    if (uids.empty()) return {};
    auto more = index::load_messages(db_, mailbox_id, uids);
    if (!more) return more.error();
    changed.insert(changed.end(), std::make_move_iterator(more->begin()), std::make_move_iterator(more->end()));
    std::sort(changed.begin(), changed.end(), [](const MessageRecord& a, const MessageRecord& b) { return a.uid < b.uid; });
    return {};
}

Result<std::uint32_t> MailboxStore::private_seen_count(std::int64_t mailbox_id) {
    auto rows = index::load_private_seen(db_, mailbox_id, seen_reader_);
    if (!rows) return rows.error();
    return static_cast<std::uint32_t>(std::count_if(rows->begin(), rows->end(), [](const auto& r) { return r.seen; }));
}

Result<std::uint32_t> MailboxStore::private_first_unseen(std::int64_t mailbox_id, std::span<const std::uint32_t> uids) {
    auto rows = index::load_private_seen(db_, mailbox_id, seen_reader_);
    if (!rows) return rows.error();
    auto row = rows->begin();
    for (std::size_t i = 0; i < uids.size(); ++i) {
        while (row != rows->end() && row->uid < uids[i]) ++row;
        if (row == rows->end() || row->uid != uids[i] || !row->seen) return static_cast<std::uint32_t>(i + 1);
    }
    return std::uint32_t{0};
}

}  // namespace mr::storage
