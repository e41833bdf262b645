// THREADIDs (RFC 8474 §5.2, schema v11); see mailbox_index.hpp.
//
// The rule, as Cyrus's conversations and JMAP's threads have it: messages that share a
// Message-ID through their Message-ID, In-Reply-To or References fields share a thread.
// thread_links maps each id seen in the user's store (every mailbox: rfc8474.txt:327, the
// same thread "even if they are in different mailboxes") to the thread it was first seen
// in, and a row there never changes, because a THREADID once reported never may
// (rfc8474.txt:332). So threads are found, never merged: a reply stored before its parent
// starts a thread of its own, which its parent (whose Message-ID the reply linked) and
// later siblings then join; but a second reply that names neither the first reply nor
// anything the first one named (another branch, stored before the parent) starts another.
//
// Cost per message: one indexed lookup per link up to the first known one, one
// INSERT OR IGNORE per link; mime::thread_links bounds the links (12 at most).
#include "storage/mailbox_index.hpp"

namespace mr::storage::index {

namespace {

// The thread of the first link already known, or "" when none is.
Result<std::string> known_thread(sqlite::Db& db, std::span<const std::string> links) {
    for (const auto& id : links) {
        auto s = db.prepare("SELECT thread_id FROM thread_links WHERE message_id = ?");
        if (!s) return s.error();
        s->bind(1, id);
        auto row = s->step();
        if (!row) return row.error();
        if (*row) return s->column_text(0);
    }
    return std::string();
}

Result<void> record_links(sqlite::Db& db, std::span<const std::string> links, const std::string& thread) {
    for (const auto& id : links) {
        auto s = db.prepare("INSERT OR IGNORE INTO thread_links(message_id, thread_id) VALUES (?, ?)");
        if (!s) return s.error();
        s->bind(1, id).bind(2, thread);
        if (auto r = s->run(); !r) return r;
    }
    return {};
}

// The thread a message of `email_id` joins or starts. A new thread is named after the
// message that starts it: its EMAILID's digits after "T" (rfc8474.txt:348: EMAILIDs and
// THREADIDs never share a value), so a row and its copies land in the same thread
// whichever of them is filled first (fill_thread).
Result<std::string> thread_for(sqlite::Db& db, std::span<const std::string> links, std::string_view email_id) {
    auto thread = known_thread(db, links);
    if (!thread) return thread;
    if (thread->empty()) *thread = email_id.size() > 1 ? "T" + std::string(email_id.substr(1)) : new_object_id('T');
    if (auto r = record_links(db, links, *thread); !r) return r.error();
    return thread;
}

}  // namespace

Result<void> assign_ids(sqlite::Db& db, MessageRecord& m, std::span<const std::string> links) {
    m.email_id = new_object_id('M');
    auto thread = thread_for(db, links, m.email_id);
    if (!thread) return thread.error();
    m.thread_id = std::move(*thread);
    return {};
}

Result<std::string> fill_thread(sqlite::Db& db, std::int64_t mailbox_id, std::uint32_t uid,
                                std::span<const std::string> links) {
    auto s = db.prepare("SELECT email_id, thread_id FROM messages WHERE mailbox_id = ? AND uid = ?");
    if (!s) return s.error();
    s->bind(1, mailbox_id).bind(2, std::int64_t{uid});
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::string();
    if (std::string current = s->column_text(1); !current.empty()) return current;
    const std::string email_id = s->column_text(0);
    s->reset();  // done with the row before writing
    auto thread = thread_for(db, links, email_id);
    if (!thread) return thread;
    auto u = db.prepare("UPDATE messages SET thread_id = ? WHERE mailbox_id = ? AND uid = ? AND thread_id IS NULL");
    if (!u) return u.error();
    u->bind(1, *thread).bind(2, mailbox_id).bind(3, std::int64_t{uid});
    if (auto r = u->run(); !r) return r.error();
    return thread;
}

}  // namespace mr::storage::index
