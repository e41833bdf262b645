#include "pop3d/server/maildrop.hpp"

#include "common/log/log.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/message_reader.hpp"

namespace mr::pop3d::server {

LoadedMaildrop load_maildrop(const std::filesystem::path& user_dir) {
    LoadedMaildrop out;
    auto listing = storage::list_with_sizes(user_dir, kInbox);
    if (!listing) {
        out.drop = Error::internal(listing.error().message);
        return out;
    }
    Maildrop drop;
    drop.uidvalidity = listing->uidvalidity;
    drop.messages.reserve(listing->messages.size());
    out.files.reserve(listing->messages.size());
    for (auto& m : listing->messages) {
        drop.messages.push_back({m.uid, m.size});
        out.files.push_back(std::move(m.file));
    }
    out.drop = std::move(drop);
    return out;
}

Result<void> update_maildrop(const std::filesystem::path& user_dir, std::span<const std::uint32_t> seen,
                             std::span<const std::uint32_t> expunge) {
    if (seen.empty() && expunge.empty()) return {};
    auto store = storage::MailboxStore::open(user_dir);
    if (!store) return store.error();
    if (!seen.empty()) {
        // \Seen is a hint for IMAP clients: failing to store it must not stop the removals.
        if (auto r = store->set_flags(kInbox, seen, storage::FlagOp::Add, storage::kSeen); !r) {
            log::warn("seen_failed", {{"error", r.error().message}});
        }
    }
    if (expunge.empty()) return {};
    if (auto r = store->remove(kInbox, expunge); !r) return r.error();
    return {};
}

}  // namespace mr::pop3d::server
