// UserStores: see user_stores.hpp for the invariants.
#include "imapd/server/user_stores.hpp"

#include <algorithm>
#include <utility>

namespace mr::imapd::server {

Result<std::unique_ptr<UserStores::Loan>> UserStores::borrow() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto store = std::move(idle_.back());
            idle_.pop_back();
            return std::make_unique<Loan>(*this, std::move(store));
        }
    }
    // Opened outside the lock: another job of this user need not wait for it.
    auto opened = storage::MailboxStore::open(dir_);
    if (!opened) return opened.error();
    return std::make_unique<Loan>(*this, std::make_unique<storage::MailboxStore>(std::move(opened.value())));
}

void UserStores::give_back(std::unique_ptr<storage::MailboxStore> store) {
    if (!store) return;
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < kMaxIdle) {
            idle_.push_back(std::move(store));
            return;
        }
    }
    store.reset();  // closed outside the lock
}

std::shared_ptr<UserStores> UserStoresRegistry::get(const std::filesystem::path& dir) {
    auto& slot = by_dir_[dir.string()];
    if (auto live = slot.lock()) return live;
    auto fresh = std::make_shared<UserStores>(dir);
    slot = fresh;
    if (by_dir_.size() > prune_at_) {
        std::erase_if(by_dir_, [](const auto& entry) { return entry.second.expired(); });
        prune_at_ = std::max<std::size_t>(64, 2 * by_dir_.size());
    }
    return fresh;
}

}  // namespace mr::imapd::server
