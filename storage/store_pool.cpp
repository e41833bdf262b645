// StorePool, StorePoolRegistry: see store_pool.hpp for the invariants.
#include "storage/store_pool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "storage/mailbox_index.hpp"

namespace mr::storage {

namespace {

void close_index(StorePool::IndexFile& f) {
    if (f.fd >= 0) ::close(f.fd);
    f.fd = -1;
}

}  // namespace

StorePool::~StorePool() {
    for (auto& idle : idle_) {
        idle.store.reset();
        close_index(idle.index);
    }
}

StorePool::IndexFile StorePool::index_now() const {
    struct stat st {};
    if (::stat((dir_ / index::kFileName).c_str(), &st) != 0) return {};
    return IndexFile{st.st_dev, st.st_ino, -1};
}

Result<std::unique_ptr<StorePool::Loan>> StorePool::borrow() {
    const IndexFile now = index_now();
    std::vector<Idle> stale;  // closed outside the lock
    auto close_stale = [&stale] {
        for (auto& s : stale) {
            s.store.reset();
            close_index(s.index);
        }
    };
    {
        std::unique_lock lock(mutex_);
        while (!idle_.empty()) {
            Idle idle = std::move(idle_.back());
            idle_.pop_back();
            if (idle.index.same_file(now)) {
                lock.unlock();
                close_stale();
                return std::make_unique<Loan>(*this, std::move(idle.store), idle.index);
            }
            stale.push_back(std::move(idle));
        }
    }
    close_stale();
    // Opened outside the lock: another job of this user need not wait for it.
    auto opened = MailboxStore::open(dir_);
    if (!opened) return opened.error();
    ++opens_;
    const auto path = dir_ / index::kFileName;
    IndexFile held;
    held.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (held.fd < 0 || ::fstat(held.fd, &st) != 0) {
        close_index(held);
        return Error::internal("index " + path.string() + " vanished after opening it");
    }
    held.dev = st.st_dev;
    held.ino = st.st_ino;
    return std::make_unique<Loan>(*this, std::make_unique<MailboxStore>(std::move(opened.value())), held);
}

void StorePool::give_back(std::unique_ptr<MailboxStore> store, IndexFile index) {
    if (store) store->set_seen_reader({});  // a reader is one job's (mailbox_store.hpp)
    if (store) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_) {
            idle_.push_back(Idle{std::move(store), index});
            return;
        }
    }
    store.reset();  // closed outside the lock
    close_index(index);
}

std::shared_ptr<StorePool> StorePoolRegistry::get(const std::filesystem::path& dir, Clock::time_point now) {
    expire(now);
    auto& slot = by_dir_[dir.string()];
    if (auto live = slot.lock()) return live;
    auto fresh = std::make_shared<StorePool>(dir, settings_.max_idle_per_pool);
    slot = fresh;
    if (by_dir_.size() > prune_at_) {
        std::erase_if(by_dir_, [](const auto& entry) { return entry.second.expired(); });
        prune_at_ = std::max<std::size_t>(64, 2 * by_dir_.size());
    }
    return fresh;
}

void StorePoolRegistry::keep(std::shared_ptr<StorePool> pool, Clock::time_point now) {
    if (!pool) return;
    std::erase_if(lingering_, [&](const Lingering& l) { return l.pool == pool; });
    const auto until = settings_.linger == Clock::duration::max() ? Clock::time_point::max() : now + settings_.linger;
    lingering_.push_back(Lingering{std::move(pool), until});
    expire(now);
}

void StorePoolRegistry::expire(Clock::time_point now) {
    while (!lingering_.empty() &&
           (lingering_.size() > settings_.max_lingering || lingering_.front().until <= now)) {
        auto pool = std::move(lingering_.front().pool);
        lingering_.pop_front();
        if (settings_.release) settings_.release(std::move(pool));
    }
}

}  // namespace mr::storage
