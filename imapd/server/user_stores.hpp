// UserStores: the MailboxStores (SQLite connections) of one user, shared by all of that
// user's sessions in this process (issue 6 (c): memory per idle connection).
//
// Why: a SQLite connection costs tens of KiB (schema, page cache, its own mapping of the
// WAL index), and an IDLE client keeps its connection for hours without using the store.
// So sessions do not own a store: a store job borrows one for the time it runs and gives
// it back, and an idle session holds nothing but a shared_ptr to its user's pool.
//
// Invariants:
// - A MailboxStore is used by one job at a time: borrow() takes it out of `idle_` under
//   the mutex, the Loan puts it back when the job is done. Jobs of different sessions of
//   one user run concurrently on different stores (as they did with a store per session),
//   so at most "pool threads" stores are ever open per user and kept idle.
// - Stores keep no session state (every MailboxStore method opens and ends its own
//   transaction), so any session may use any of its user's stores.
// - An idle store is lent only while index.sqlite is still the file it opened (device and
//   inode): a user removed and added again gets stores of the new index, never of the old.
// - borrow() and the Loan run on pool threads; UserStoresRegistry on the loop thread only.
//   A pool lives as long as a session or a running job holds it, and after its last
//   session ended for kLinger more (at most kLingering pools): a fresh SQLite connection
//   costs more than the work of a client's first FETCH (on this VM, mapping a 20 MB index
//   anew: 15 -> 45 ms for 10,000 header rows), and clients reconnect often.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/util/result.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::server {

class UserStores {
public:
    explicit UserStores(std::filesystem::path dir) : dir_(std::move(dir)) {}

    // Which file index.sqlite is (device, inode).
    struct FileId {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const FileId&) const = default;
    };

    // A store lent to one job; returned to the pool when the Loan ends.
    class Loan {
    public:
        Loan(UserStores& owner, std::unique_ptr<storage::MailboxStore> store, FileId index)
            : owner_(owner), store_(std::move(store)), index_(index) {}
        Loan(const Loan&) = delete;
        Loan& operator=(const Loan&) = delete;
        ~Loan() { owner_.give_back(std::move(store_), index_); }
        storage::MailboxStore& operator*() { return *store_; }

    private:
        UserStores& owner_;
        std::unique_ptr<storage::MailboxStore> store_;
        FileId index_;
    };

    // Pool threads only: an idle store, or a newly opened one.
    Result<std::unique_ptr<Loan>> borrow();
    const std::filesystem::path& dir() const { return dir_; }

private:
    // More idle stores than this are closed instead of kept (the pool's thread count
    // bounds how many jobs, so stores, are busy at once anyway).
    static constexpr std::size_t kMaxIdle = 4;
    void give_back(std::unique_ptr<storage::MailboxStore> store, FileId index);

    struct Idle {
        std::unique_ptr<storage::MailboxStore> store;
        FileId index;  // of index.sqlite when the store was opened
    };
    // index.sqlite's identity now; {} when it cannot be read.
    FileId index_file() const;

    const std::filesystem::path dir_;
    std::mutex mutex_;
    std::vector<Idle> idle_;
};

// The live pools by user directory. Loop thread only.
class UserStoresRegistry {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kLinger{300};
    static constexpr std::size_t kLingering = 16;

    std::shared_ptr<UserStores> get(const std::filesystem::path& dir, Clock::time_point now = Clock::now());
    // A session of the pool's user ended: the pool stays open for kLinger.
    void keep(std::shared_ptr<UserStores> pool, Clock::time_point now = Clock::now());
    std::size_t lingering() const { return lingering_.size(); }

private:
    struct Lingering {
        std::shared_ptr<UserStores> pool;
        Clock::time_point until;
    };
    void expire(Clock::time_point now);

    std::unordered_map<std::string, std::weak_ptr<UserStores>> by_dir_;
    std::deque<Lingering> lingering_;  // most recently kept last
    std::size_t prune_at_ = 64;  // drop expired entries when the map grows past this
};

}  // namespace mr::imapd::server
