// What every session of one smtpd process shares: settings, the queue writer and the tally
// of failed logins per address. Loop thread only.
//
// Invariants:
// - Held by shared_ptr from the server and from every session, so a session that closes
//   during shutdown (after the SmtpServer is gone, inside ~Loop) still finds it.
// - `handlers` holds exactly the live SmtpHandlers (each adds itself in its constructor and
//   removes itself in its destructor), so stop() can send every session its 421.
// - `passwords` is the process's one PasswordChecker (thread-safe itself); ~SmtpServer
//   stops it before the loop it posts to is destroyed.
// - The failure tally forgets an address after kFailureMemory without failures and is
//   bounded (cleared when it would exceed kMaxTrackedAddresses), so it cannot grow forever.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/net/password_checker.hpp"
#include "smtpd/proto/session.hpp"
#include "smtpd/server/queue_writer.hpp"
#include "smtpd/server/spool_writer.hpp"

namespace mr::smtpd::server {

class SmtpHandler;

struct SharedState {
    static constexpr auto kFailureMemory = std::chrono::minutes(15);
    static constexpr std::size_t kMaxTrackedAddresses = 10000;

    std::filesystem::path data_dir;
    std::filesystem::path directory_db;
    SessionOptions session;                    // role, TLS and peer filled per connection
    bool allow_plaintext_on_loopback = false;  // [auth] allow_plaintext_on_loopback
    bool allow_any_from = false;               // [submission] allow_any_from
    bool tls_available = false;
    std::chrono::milliseconds command_timeout{300'000};
    std::chrono::milliseconds data_timeout{180'000};
    std::shared_ptr<QueueWriter> writer;
    std::shared_ptr<SpoolWriter> spools;  // appends of spooled messages
    std::shared_ptr<net::PasswordChecker> passwords;  // [auth] check_threads, max_*_checks
    std::unordered_set<SmtpHandler*> handlers;  // open sessions, told about shutdown

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
    std::unordered_map<std::string, Failures> failures;
};

}  // namespace mr::smtpd::server
