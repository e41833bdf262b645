// StorePool: the open MailboxStores (SQLite connections) of one user's store, kept
// between the jobs that use them; StorePoolRegistry: the pools a process keeps, by user
// directory. imapd lends them to session jobs, deliverd to delivery batches.
//
// Why: a SQLite connection costs tens of KiB (schema, page cache, its own mapping of the
// WAL index), and opening one is dearer than the work of a client's first FETCH (on this
// VM, mapping a 20 MB index anew: 15 -> 45 ms for 10,000 header rows); closing the last
// one checkpoints and deletes the WAL (two more syncs and a dozen metadata calls), which
// deliverd would pay at every batch. So stores outlive the jobs that use them.
//
// Invariants:
// - A MailboxStore is used by one job at a time: borrow() takes it out of the idle list
//   under the mutex, the Loan puts it back when the job is done (or closes it if the job
//   discarded it after an error, which may mean a broken connection). Jobs of one user
//   run concurrently on different stores, so at most max_idle stores are kept idle.
// - Stores keep no session state (every MailboxStore method opens and ends its own
//   transaction), so any job may use any of its user's stores.
// - A store is lent again only while index.sqlite is still the file it opened (device and
//   inode): a user removed and added again, or a rebuilt index, gets stores of the new
//   index, never of the old. Each kept store holds index.sqlite open, so its inode cannot
//   be reused by a new file while the store is kept (which would pass the check wrongly).
// - borrow() and the Loan are thread-safe (pool threads); StorePoolRegistry is used from
//   one thread (a daemon's loop). A pool lives as long as someone holds it, and after it
//   is kept for `linger` more, at most `max_lingering` pools, the least recently kept
//   dropped first.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/util/result.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::storage {

class StorePool {
public:
    static constexpr std::size_t kDefaultMaxIdle = 4;
    explicit StorePool(std::filesystem::path dir, std::size_t max_idle = kDefaultMaxIdle)
        : dir_(std::move(dir)), max_idle_(max_idle) {}
    ~StorePool();
    StorePool(const StorePool&) = delete;
    StorePool& operator=(const StorePool&) = delete;

    // Which file index.sqlite is, and a descriptor that keeps that file alive.
    struct IndexFile {
        dev_t dev = 0;
        ino_t ino = 0;
        int fd = -1;
        bool same_file(const IndexFile& o) const { return fd >= 0 && dev == o.dev && ino == o.ino; }
    };

    // A store lent to one job; returned to the pool when the Loan ends.
    class Loan {
    public:
        Loan(StorePool& owner, std::unique_ptr<MailboxStore> store, IndexFile index)
            : owner_(owner), store_(std::move(store)), index_(index) {}
        Loan(const Loan&) = delete;
        Loan& operator=(const Loan&) = delete;
        ~Loan() { owner_.give_back(std::move(store_), index_); }
        MailboxStore& operator*() { return *store_; }
        MailboxStore* operator->() { return store_.get(); }
        // After an error: close this store instead of keeping it.
        void discard() { store_.reset(); }

    private:
        StorePool& owner_;
        std::unique_ptr<MailboxStore> store_;
        IndexFile index_;
    };

    // An idle store of the current index.sqlite, or a newly opened one.
    Result<std::unique_ptr<Loan>> borrow();
    const std::filesystem::path& dir() const { return dir_; }
    // Stores opened by this pool so far.
    std::uint64_t opens() const { return opens_.load(); }

private:
    void give_back(std::unique_ptr<MailboxStore> store, IndexFile index);
    // index.sqlite's identity now (fd stays -1); {} when it cannot be read.
    IndexFile index_now() const;

    struct Idle {
        std::unique_ptr<MailboxStore> store;
        IndexFile index;  // of index.sqlite when the store was opened
    };

    const std::filesystem::path dir_;
    const std::size_t max_idle_;
    std::atomic<std::uint64_t> opens_{0};
    std::mutex mutex_;
    std::vector<Idle> idle_;
};

// The live pools by user directory. One thread only.
class StorePoolRegistry {
public:
    using Clock = std::chrono::steady_clock;
    struct Settings {
        Clock::duration linger = std::chrono::seconds(300);  // Clock::duration::max(): no time limit
        std::size_t max_lingering = 16;
        std::size_t max_idle_per_pool = StorePool::kDefaultMaxIdle;
        // Gets each pool the registry lets go (closing stores checkpoints the WAL: a
        // caller on an event loop may close it elsewhere). Unset: dropped here.
        std::function<void(std::shared_ptr<StorePool>)> release;
    };

    StorePoolRegistry() = default;
    explicit StorePoolRegistry(Settings settings) : settings_(std::move(settings)) {}

    std::shared_ptr<StorePool> get(const std::filesystem::path& dir, Clock::time_point now = Clock::now());
    // The pool's user stopped using it for now: it stays open for `linger`.
    void keep(std::shared_ptr<StorePool> pool, Clock::time_point now = Clock::now());
    std::size_t lingering() const { return lingering_.size(); }
    const Settings& settings() const { return settings_; }

private:
    struct Lingering {
        std::shared_ptr<StorePool> pool;
        Clock::time_point until;
    };
    void expire(Clock::time_point now);

    Settings settings_;
    std::unordered_map<std::string, std::weak_ptr<StorePool>> by_dir_;
    std::deque<Lingering> lingering_;  // most recently kept last
    std::size_t prune_at_ = 64;  // drop expired entries when the map grows past this
};

}  // namespace mr::storage
