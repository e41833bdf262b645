// What every session of one pop3d process shares, across all its event loops (one thread
// each, pop3d/server/event_loops.hpp): settings, maildrop locks and the tally of failed
// logins per address.
//
// Invariants:
// - Thread-safe: the settings are written once before any loop thread starts and only read
//   afterwards; the locks and the failure tally are guarded by one mutex, held for a set or
//   map operation only (never across I/O), so two sessions of one user on different loops
//   race on lock() and exactly one wins.
// - Held by shared_ptr from the servers and from every session, so a session that closes
//   during shutdown (after its Pop3Server is gone, inside ~Loop) still finds it.
// - One POP3 session per maildrop in this process (RFC 1939 §4 exclusive access, rfc1939.txt:547; RFC 2449
//   §8.1.2 [IN-USE], rfc2449.txt:851): lock() before the snapshot, unlock() when the
//   session ends. imapd and deliverd keep working on the same mailbox meanwhile.
// - `passwords` is the process's one PasswordChecker, made with the settings; the first
//   Pop3Server destroyed stops it, and every server is destroyed before its loop.
// - The failure tally forgets an address after kFailureMemory without failures and is
//   bounded (cleared when it would exceed kMaxTrackedAddresses), so it cannot grow forever.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "common/net/password_checker.hpp"

namespace mr::pop3d::server {

struct SharedState {
    static constexpr auto kFailureMemory = std::chrono::minutes(15);
    static constexpr std::size_t kMaxTrackedAddresses = 10000;

    // Settings: set before the loops start, read-only afterwards.
    std::filesystem::path data_dir;
    std::string hostname;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = false;  // [auth] allow_plaintext_on_loopback
    unsigned max_failures = 3;                  // [auth] max_failures
    std::chrono::milliseconds failure_delay{500};  // [auth] failure_delay_ms
    std::shared_ptr<net::PasswordChecker> passwords;  // [auth] check_threads, max_*_checks

    bool lock(const std::string& user) {
        std::lock_guard guard(mutex_);
        return locked_.insert(user).second;
    }
    void unlock(const std::string& user) {
        std::lock_guard guard(mutex_);
        locked_.erase(user);
    }
    bool is_locked(const std::string& user) {
        std::lock_guard guard(mutex_);
        return locked_.contains(user);
    }

    unsigned recent_failures(const std::string& ip) {
        std::lock_guard guard(mutex_);
        auto it = failures_.find(ip);
        if (it == failures_.end()) return 0;
        if (std::chrono::steady_clock::now() - it->second.last > kFailureMemory) {
            failures_.erase(it);
            return 0;
        }
        return it->second.count;
    }

    void record_failure(const std::string& ip) {
        std::lock_guard guard(mutex_);
        if (failures_.size() >= kMaxTrackedAddresses && !failures_.contains(ip)) failures_.clear();
        auto& f = failures_[ip];
        ++f.count;
        f.last = std::chrono::steady_clock::now();
    }

    std::size_t tracked_addresses() {
        std::lock_guard guard(mutex_);
        return failures_.size();
    }

private:
    struct Failures {
        unsigned count = 0;
        std::chrono::steady_clock::time_point last{};
    };
    std::mutex mutex_;  // guards locked_ and failures_
    std::set<std::string> locked_;
    std::unordered_map<std::string, Failures> failures_;
};

}  // namespace mr::pop3d::server
