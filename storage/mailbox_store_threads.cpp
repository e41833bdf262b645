// MailboxStore: THREADIDs for rows from before schema v11 (mailbox_index.cpp), given the
// first time a row is listed, as mailbox_store_sizes.cpp fills sizes and for the same
// reason: threading years of mail at open would stall whichever daemon opened the store
// first. Invariants: mailbox_store.hpp.
//
// A row's thread, once stored, is final (RFC 8474 §5.2, rfc8474.txt:332), so a record is
// handed out with its THREADID only after the commit that stored it: if that write fails
// (a writer busy past the timeout), the record goes out without one (FETCH THREADID NIL)
// and the next listing tries again.
#include <algorithm>

#include "common/mime/message_ids.hpp"
#include "common/mime/message_structure.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::storage {

namespace {

// The thread fields sit at the top of any real header; a header block without an end
// (a message without a blank line) is not read whole for them.
constexpr std::uint64_t kMaxHeaderRead = 256 * 1024;

}  // namespace

Result<void> MailboxStore::fill_threads(const MailboxRecord& box, std::vector<MessageRecord>& records) {
    std::vector<MessageRecord*> missing;
    for (auto& m : records)
        if (m.thread_id.empty()) missing.push_back(&m);
    if (missing.empty()) return {};

    // The header blocks: the record's, the index's cache, else the file's; read outside any
    // transaction (lock order, mailbox_store.hpp).
    std::vector<MessageRecord> heads;
    for (const MessageRecord* m : missing) {
        MessageRecord h;
        h.uid = m->uid;
        h.header = m->header;
        heads.push_back(std::move(h));
    }
    if (auto r = index::load_headers(db_, box.id, heads); !r) return r;
    // A row whose header cannot be read now (its file missing, its structure unparsed) is
    // left without a thread rather than given one its links might contradict later.
    std::vector<std::pair<MessageRecord*, std::vector<std::string>>> todo;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        std::string& header = heads[i].header;
        if (header.empty()) {
            auto sizes = mime::peek_root_sizes(missing[i]->structure);
            if (!sizes) continue;
            auto bytes = read_message_range(box.name, *missing[i], 0, std::min(sizes->body_start, kMaxHeaderRead));
            if (!bytes) continue;
            header = std::move(*bytes);
        }
        todo.emplace_back(missing[i], mime::thread_links(header));
    }
    if (todo.empty()) return {};

    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Full);
    if (!tx) return tx.error();
    std::vector<std::string> threads;
    for (const auto& [m, links] : todo) {
        auto thread = index::fill_thread(db_, box.id, m->uid, links);
        if (!thread) return thread.error();
        threads.push_back(std::move(*thread));
    }
    if (auto r = tx->commit(); !r) return r;
    for (std::size_t i = 0; i < todo.size(); ++i) todo[i].first->thread_id = std::move(threads[i]);
    return {};
}

}  // namespace mr::storage
