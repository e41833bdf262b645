// LoginGuard: one daemon's door to the failed-login table shared by smtpd, imapd and pop3d
// (storage/login_failures.hpp) and to the rule that reads it (common/text/login_policy.hpp).
// A handler asks screen() before it queues a password check, and failed() after a login
// failed, before it answers.
//
// Invariants:
// - Table work runs on the libuv thread pool, never on the loop; the table is opened on
//   first use and shared by the loops of the daemon under one mutex.
// - Addresses are counted by net::ConnectionLimits::key_for (IPv4 address, IPv6 /64),
//   accounts by their lower-cased name.
// - Every failed and every refused login is logged here, in one format for the three
//   daemons (etc/fail2ban/filter.d/mailroom.conf matches it):
//     event=auth_failed conn=7 service=imap ip=203.0.113.7 user="bob@example.org"
//     event=auth_refused conn=8 service=pop3 ip=203.0.113.7 user=bob@example.org
//   ip comes before user, and user is escaped by mr::log, so a login name cannot forge
//   the ip a filter reads.
// - A refused login is not counted again, so a refusal ends refusal_period after the
//   failure that caused it.
// - If the table cannot be used, logins are not refused (the per-connection limit and the
//   PasswordChecker's per-address cap still hold) and the delay is failure_delay; the
//   error is logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/text/login_policy.hpp"

namespace mr::net {

// The [auth] keys of the config, as the policy reads them.
text::LoginPolicy login_policy(const config::AuthConfig& auth);

class LoginGuard {
public:
    LoginGuard(std::filesystem::path data_dir, text::LoginPolicy policy, std::string service);
    ~LoginGuard();
    LoginGuard(const LoginGuard&) = delete;
    LoginGuard& operator=(const LoginGuard&) = delete;

    // done(refused) on the loop unless `alive` expired; a refusal is logged either way.
    void screen(Loop& loop, std::weak_ptr<void> alive, std::uint64_t conn, const std::string& ip,
                const std::string& user, std::function<void(bool refused)> done);

    // Counts a failed login (a refused one only logs) and gives the wait before answering.
    void failed(Loop& loop, std::weak_ptr<void> alive, std::uint64_t conn, const std::string& ip,
                const std::string& user, bool refused, std::function<void(std::chrono::milliseconds)> done);

    const text::LoginPolicy& policy() const;

private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
};

}  // namespace mr::net
