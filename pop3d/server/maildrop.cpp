#include "pop3d/server/maildrop.hpp"

#include "common/log/log.hpp"
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
        drop.messages.push_back({m.uid, m.size, std::move(m.pop3_uidl)});
        out.files.push_back(std::move(m.file));
    }
    out.drop = std::move(drop);
    return out;
}

Result<void> update_maildrop(storage::StorePool& stores, std::span<const std::uint32_t> seen,
                             std::span<const std::uint32_t> expunge) {
    if (seen.empty() && expunge.empty()) return {};
    auto loan = stores.borrow();
    if (!loan) return loan.error();
    storage::MailboxStore& store = ***loan;
    bool failed = false;  // then the pool closes this store (it may mean a broken connection)
    if (!seen.empty()) {
        // \Seen is a hint for IMAP clients: failing to store it must not stop the removals.
        if (auto r = store.set_flags(kInbox, seen, storage::FlagOp::Add, storage::kSeen); !r) {
            log::warn("seen_failed", {{"error", r.error().message}});
            failed = true;
        }
    }
    Result<void> out;
    if (!expunge.empty()) {
        if (auto r = store.remove(kInbox, expunge); !r) {
            failed = true;
            out = r.error();
        }
    }
    if (failed) (*loan)->discard();
    return out;
}

}  // namespace mr::pop3d::server
