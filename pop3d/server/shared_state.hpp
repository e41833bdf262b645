// What every session of one pop3d process shares: settings, maildrop locks and the tally
// of failed logins per address. Loop thread only.
//
// Invariants:
// - Held by shared_ptr from the server and from every session, so a session that closes
//   during shutdown (after the Pop3Server is gone, inside ~Loop) still finds it.
// - One POP3 session per maildrop in this process (RFC 1939 §4 exclusive access, rfc1939.txt:547; RFC 2449
//   §8.1.2 [IN-USE], rfc2449.txt:851): lock() before the snapshot, unlock() when the
//   session ends. imapd and deliverd keep working on the same mailbox meanwhile.
// - The failure tally forgets an address after kFailureMemory without failures and is
//   bounded (cleared when it would exceed kMaxTrackedAddresses), so it cannot grow forever.
#pragma once

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <unordered_map>

namespace mr::pop3d::server {

struct SharedState {
    static constexpr auto kFailureMemory = std::chrono::minutes(15);
    static constexpr std::size_t kMaxTrackedAddresses = 10000;

    std::filesystem::path data_dir;
    std::string hostname;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = false;  // [auth] allow_plaintext_on_loopback
    unsigned max_failures = 3;                  // [auth] max_failures
    std::chrono::milliseconds failure_delay{500};  // [auth] failure_delay_ms

    bool lock(const std::string& user) { return locked.insert(user).second; }
    void unlock(const std::string& user) { locked.erase(user); }

    unsigned recent_failures(const std::string& ip) {
        auto it = failures.find(ip);
        if (it == failures.end()) return 0;
        if (std::chrono::steady_clock::now() - it->second.last > kFailureMemory) {
            failures.erase(it);
            return 0;
        }
        return it->second.count;
    }

    void record_failure(const std::string& ip) {
        if (failures.size() >= kMaxTrackedAddresses && !failures.contains(ip)) failures.clear();
        auto& f = failures[ip];
        ++f.count;
        f.last = std::chrono::steady_clock::now();
    }

    struct Failures {
        unsigned count = 0;
        std::chrono::steady_clock::time_point last{};
    };
    std::set<std::string> locked;
    std::unordered_map<std::string, Failures> failures;
};

}  // namespace mr::pop3d::server
