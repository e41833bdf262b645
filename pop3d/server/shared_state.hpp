// What every session of one pop3d process shares, across all its event loops (one thread
// each, pop3d/server/event_loops.hpp): settings, maildrop locks, the password checker and
// the door to the failed-login table.
//
// Invariants:
// - Thread-safe: the settings are written once before any loop thread starts and only read
//   afterwards; the locks are guarded by one mutex, held for a set operation only (never
//   across I/O), so two sessions of one user on different loops race on lock() and exactly
//   one wins. `auth` is thread-safe itself.
// - Held by shared_ptr from the servers and from every session, so a session that closes
//   during shutdown (after its Pop3Server is gone, inside ~Loop) still finds it.
// - One POP3 session per maildrop in this process (RFC 1939 §4 exclusive access, rfc1939.txt:547; RFC 2449
//   §8.1.2 [IN-USE], rfc2449.txt:851): lock() before the snapshot, unlock() when the
//   session ends. imapd and deliverd keep working on the same mailbox meanwhile.
// - Every login goes through `auth` (common/net/authenticator.hpp): the failed-login table
//   pop3d shares with smtpd and imapd, and the process's one password checker; the first
//   Pop3Server destroyed stops its checks, and every server is destroyed before its loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "common/net/authenticator.hpp"

namespace mr::pop3d::server {

struct SharedState {
    // Settings: set before the loops start, read-only afterwards.
    std::filesystem::path data_dir;
    std::string hostname;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = false;  // [auth] allow_plaintext_on_loopback
    unsigned max_failures = 3;                  // [auth] max_failures
    // Every login: refusals, password checks, failed-login delays ([auth]).
    std::shared_ptr<net::Authenticator> auth;

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

private:
    std::mutex mutex_;  // guards locked_
    std::set<std::string> locked_;
};

}  // namespace mr::pop3d::server
