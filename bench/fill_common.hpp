// What imap_fill and pop3_fill both do with the messages they generate: append them to a
// mailroom store the way deliverd does, and deliver them into a Maildir the way any MDA
// does. Errors go to stderr; the callers exit 1 on them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "storage/mailbox_store.hpp"

namespace mr::bench {

// Opens the user's store and appends messages 0..count-1 (make(n)) to INBOX with
// append_batch, `batch` per commit. A batch's internal date is `dated` plus its first n,
// or the time of the append when `dated` is 0.
inline std::optional<storage::MailboxStore> fill_inbox(const std::filesystem::path& user_dir, int count, int batch,
                                                       std::string (*make)(int), std::int64_t dated = 0) {
    auto store = storage::MailboxStore::open(user_dir);
    if (!store) {
        std::cerr << "open " << user_dir << ": " << store.error().message << "\n";
        return std::nullopt;
    }
    for (int first = 0; first < count; first += batch) {
        std::vector<std::string> bytes;
        std::vector<storage::AppendMessage> messages;
        for (int n = first; n < count && n < first + batch; ++n) bytes.push_back(make(n));
        for (const auto& b : bytes) {
            storage::AppendMessage m;
            m.bytes = b;
            if (dated != 0) m.internal_date = dated + first;
            messages.push_back(std::move(m));
        }
        if (auto r = store->append_batch(messages); !r) {
            std::cerr << "append_batch: " << r.error().message << "\n";
            return std::nullopt;
        }
    }
    return std::move(*store);
}

// Writes `bytes` to maildir/tmp/name, then renames the file to `target` (in new/ or cur/).
inline bool deliver_to_maildir(const std::filesystem::path& maildir, const std::string& name,
                               const std::string& bytes, const std::filesystem::path& target) {
    const std::filesystem::path tmp = maildir / "tmp" / name;
    std::FILE* f = std::fopen(tmp.c_str(), "wbe");
    if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
        std::perror(tmp.c_str());
        return false;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, target, ec);
    if (ec) {
        std::cerr << "rename " << tmp << ": " << ec.message() << "\n";
        return false;
    }
    return true;
}

}  // namespace mr::bench
