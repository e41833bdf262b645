// MailboxStore: filling in rfc822_size for index rows written before schema v2
// (mailbox_index.cpp, kSchemaV2). Invariants: mailbox_store.hpp.
//
// Why lazily, on listing: an upgraded store may hold years of mail; measuring all of it
// at open would stall whichever daemon opened it first (deliverd in the middle of a
// delivery). Listing a mailbox is the first moment a size is needed, and it happens once:
// the numbers are written back, and every later listing reads them from the index.
#include <cstdio>
#include <memory>

#include "storage/mailbox_store.hpp"
#include "common/text/message_data.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

// Streams the file (a 50 MB message never sits whole in memory); nullopt if unreadable.
std::optional<std::int64_t> measure_file(const fs::path& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rbe"), &std::fclose);
    if (!f) return std::nullopt;
    text::Rfc822SizeCounter counter;
    std::string buf(64 * 1024, '\0');
    for (;;) {
        const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
        counter.feed(std::string_view(buf.data(), n));
        if (n < buf.size()) break;
    }
    if (std::ferror(f.get())) return std::nullopt;
    return static_cast<std::int64_t>(counter.finish());
}

}  // namespace

Result<void> MailboxStore::fill_rfc822_sizes(const MailboxRecord& box, std::vector<MessageRecord>& records) {
    std::vector<std::pair<std::uint32_t, std::int64_t>> filled;
    for (auto& m : records) {
        if (m.rfc822_size >= 0) continue;
        // File reads outside any transaction (lock order, mailbox_store.hpp). A file
        // renamed by a flag change meanwhile is found by its base name; one that cannot
        // be read keeps -1 and the caller measures it (or reports it missing).
        auto path = maildir_.locate(box.name, m.file);
        if (!path) continue;
        auto size = measure_file(*path);
        if (!size) continue;
        m.rfc822_size = *size;
        filled.emplace_back(m.uid, *size);
    }
    if (filled.empty()) return {};
    // Normal durability: losing this write to a power cut only means measuring again.
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Normal);
    if (!tx) return tx.error();
    if (auto r = index::set_rfc822_sizes(db_, box.id, filled); !r) return r;
    return tx->commit();
}

Result<std::vector<MessageRecord>> MailboxStore::with_rfc822_sizes(const MailboxRecord& box,
                                                                   std::vector<MessageRecord> records) {
    // The records already carry the measured sizes; failing to store them (a busy
    // writer past the timeout) only defers the write to the next listing.
    (void)fill_rfc822_sizes(box, records);
    return records;
}

}  // namespace mr::storage
