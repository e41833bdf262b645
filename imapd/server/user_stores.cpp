// UserStores: see user_stores.hpp for the invariants.
#include "imapd/server/user_stores.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <utility>

#include "storage/mailbox_index.hpp"

namespace mr::imapd::server {

UserStores::FileId UserStores::index_file() const {
    struct stat st {};
    if (::stat((dir_ / storage::index::kFileName).c_str(), &st) != 0) return {};
    return FileId{st.st_dev, st.st_ino};
}

Result<std::unique_ptr<UserStores::Loan>> UserStores::borrow() {
    const FileId now = index_file();
    std::vector<Idle> stale;  // closed outside the lock
    {
        std::lock_guard lock(mutex_);
        while (!idle_.empty()) {
            Idle idle = std::move(idle_.back());
            idle_.pop_back();
            if (idle.index == now && now != FileId{})
                return std::make_unique<Loan>(*this, std::move(idle.store), idle.index);
            stale.push_back(std::move(idle));
        }
    }
    // Opened outside the lock: another job of this user need not wait for it.
    auto opened = storage::MailboxStore::open(dir_);
    if (!opened) return opened.error();
    return std::make_unique<Loan>(*this, std::make_unique<storage::MailboxStore>(std::move(opened.value())),
                                  index_file());
}

void UserStores::give_back(std::unique_ptr<storage::MailboxStore> store, FileId index) {
    if (!store) return;
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < kMaxIdle) {
            idle_.push_back(Idle{std::move(store), index});
            return;
        }
    }
    store.reset();  // closed outside the lock
}

std::shared_ptr<UserStores> UserStoresRegistry::get(const std::filesystem::path& dir, Clock::time_point now) {
    expire(now);
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

void UserStoresRegistry::keep(std::shared_ptr<UserStores> pool, Clock::time_point now) {
    if (!pool) return;
    std::erase_if(lingering_, [&](const Lingering& l) { return l.pool == pool; });
    lingering_.push_back(Lingering{std::move(pool), now + kLinger});
    expire(now);
}

void UserStoresRegistry::expire(Clock::time_point now) {
    while (!lingering_.empty() && (lingering_.size() > kLingering || lingering_.front().until <= now))
        lingering_.pop_front();
}

}  // namespace mr::imapd::server
