// MailboxStore: filling in what an older index lacks: rfc822_size for rows written before
// schema v2, and the structure of rows whose blob has an older version (schema v6,
// mailbox_index.cpp). Invariants: mailbox_store.hpp.
//
// Why lazily, on listing: an upgraded store may hold years of mail; measuring or parsing
// all of it at open would stall whichever daemon opened it first (deliverd in the middle
// of a delivery). Listing a mailbox is the first moment a size or structure is needed,
// and it happens once: the results are written back, and every later listing reads them
// from the index.
#include <cstdio>
#include <memory>

#include "storage/atomic_file.hpp"
#include "storage/mailbox_store.hpp"
#include "common/mime/message_structure.hpp"
#include "common/mime/structure_blob.hpp"
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

bool stale_structure(const MessageRecord& m) {
    return m.structure.empty() || static_cast<std::uint8_t>(m.structure[0]) != mime::kStructureBlobVersion;
}

}  // namespace

Result<void> MailboxStore::fill_derived(const MailboxRecord& box, std::vector<MessageRecord>& records) {
    std::vector<std::pair<std::uint32_t, std::int64_t>> sizes;
    std::vector<index::StructureUpdate> structures;
    for (auto& m : records) {
        const bool stale = stale_structure(m);
        if (m.rfc822_size >= 0 && !stale) continue;
        // File reads outside any transaction (lock order, mailbox_store.hpp). A file
        // renamed by a flag change meanwhile is found by its base name; one that cannot
        // be read keeps its values and the caller measures it (or reports it missing).
        auto path = maildir_.locate(box.name, m.file);
        if (!path) continue;
        if (!stale) {
            auto size = measure_file(*path);
            if (!size) continue;
            m.rfc822_size = *size;
            sizes.emplace_back(m.uid, *size);
            continue;
        }
        // The parser needs the whole message, as at append and reindex.
        auto bytes = read_file(*path);
        if (!bytes) continue;
        if (m.rfc822_size < 0) {
            m.rfc822_size = static_cast<std::int64_t>(text::rfc822_size(*bytes));
            sizes.emplace_back(m.uid, m.rfc822_size);
        }
        std::string blob = mime::structure_blob(*bytes);
        structures.push_back({m.uid, std::move(m.structure), blob});
        m.structure = std::move(blob);
    }
    if (sizes.empty() && structures.empty()) return {};
    // Normal durability: losing this write to a power cut only means measuring again.
    auto tx = sqlite::Transaction::begin(db_, sqlite::Durability::Normal);
    if (!tx) return tx.error();
    if (auto r = index::set_rfc822_sizes(db_, box.id, sizes); !r) return r;
    if (auto r = index::set_structures(db_, box.id, structures); !r) return r;
    return tx->commit();
}

Result<std::vector<MessageRecord>> MailboxStore::with_derived(const MailboxRecord& box,
                                                              std::vector<MessageRecord> records) {
    // The records already carry the new values; failing to store them (a busy writer
    // past the timeout) only defers the write to the next listing. Threads after sizes
    // and structures: a structure parsed anew says where the header block ends.
    (void)fill_derived(box, records);
    (void)fill_threads(box, records);
    return records;
}

}  // namespace mr::storage
