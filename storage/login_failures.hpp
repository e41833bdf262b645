// LoginFailures: the failed logins of smtpd, imapd and pop3d, shared by the three daemons
// (and by every connection of each) so that reconnecting, or switching protocol, resets
// nothing. The rules that read it are common/text/login_policy.hpp.
//
// On disk: data_dir/login_failures.db, SQLite (WAL, synchronous=NORMAL: losing the last
// failures in a power cut only shortens a delay).
//
// Invariants:
// - One row per key: (kind, key) with the failures counted so far and the time of the
//   newest. A key is a client address as net::ConnectionLimits::key_for spells it (IPv4
//   address, IPv6 /64) or an account (the login name, lower-cased); the caller makes it.
// - Counting goes through text::add_failure, in one IMMEDIATE transaction per failed
//   login, so two daemons recording at once both count.
// - Bounded: after a write the table holds at most max_entries rows; the rows with the
//   oldest last failure go first. It is never cleared wholesale, so an attacker who floods
//   it with new keys evicts only stale entries, never the newest.
// - A LoginFailures is used by one thread at a time (like sqlite::Db); callers that share
//   one between threads hold a mutex around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/text/login_policy.hpp"
#include "common/util/result.hpp"
#include "storage/sqlite/db.hpp"

namespace mr::storage {

class LoginFailures {
public:
    static constexpr std::size_t kMaxEntries = 100'000;
    static constexpr std::string_view kFileName = "login_failures.db";

    static Result<LoginFailures> open(const std::filesystem::path& data_dir, std::size_t max_entries = kMaxEntries);
    // How many schema steps this release knows (PRAGMA user_version of a current file).
    static std::size_t schema_version();

    // The records of a client address key and an account (lower-cased here).
    Result<text::LoginHistory> lookup(std::string_view address_key, std::string_view account);

    // Counts one failed login against both keys at `now_ms` and returns the records after it.
    Result<text::LoginHistory> record(std::string_view address_key, std::string_view account,
                                      const text::LoginPolicy& policy, std::int64_t now_ms);

    std::size_t size();

private:
    LoginFailures(sqlite::Db db, std::size_t max_entries) : db_(std::move(db)), max_entries_(max_entries) {}
    Result<text::FailureRecord> get(int kind, std::string_view key);
    Result<text::FailureRecord> bump(int kind, std::string_view key, const text::LoginPolicy& policy,
                                     std::int64_t now_ms);

    sqlite::Db db_;
    std::size_t max_entries_;
};

}  // namespace mr::storage
