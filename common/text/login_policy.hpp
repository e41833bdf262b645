// The failed-login policy of smtpd, imapd and pop3d: how long to wait before answering a
// failed login, and when to refuse an address outright. Pure: it reads failure records
// (storage/login_failures.hpp keeps them, shared by the three daemons) and a clock value
// passed in, so the same rule is unit-tested here and applied by every daemon.
//
// Invariants:
// - A record counts failures that came less than `window` apart: once the newest failure is
//   older than the window, the record counts nothing (add_failure starts it over at 1).
// - Only the client address is ever refused, never an account: an attacker guessing one
//   user's password from many addresses slows that user's logins down (the account's delay)
//   but cannot lock the user out from the user's own address.
// - A refused login is answered like a wrong password (the caller runs no password check),
//   so a refusal never tells which guess was right.
// - The delay is failure_delay doubled per recent failure of the address (or of the account,
//   whichever is larger), from the first failure on, and never more than max_delay_factor
//   times failure_delay.
#pragma once

#include <chrono>
#include <cstdint>

namespace mr::text {

struct LoginPolicy {
    std::chrono::milliseconds failure_delay{500};  // [auth] failure_delay_ms
    unsigned max_delay_factor = 16;                // the delay stops doubling here
    std::chrono::seconds window{900};              // [auth] failure_window_s
    unsigned max_failures_per_address = 10;        // [auth] max_failures_per_address
    std::chrono::seconds refusal_period{300};      // [auth] refusal_period_s
};

// What is known of one key (a client address or an account).
struct FailureRecord {
    unsigned failures = 0;
    std::int64_t last_ms = 0;  // Unix time in ms of the newest failure; 0 with no failure
};

struct LoginHistory {
    FailureRecord address;  // the client's /32 (IPv4) or /64 (IPv6)
    FailureRecord account;  // the lower-cased login name
};

// Failures of `r` that still count at `now_ms`.
unsigned recent_failures(const LoginPolicy& policy, const FailureRecord& r, std::int64_t now_ms);

// `r` after one more failure at `now_ms`.
FailureRecord add_failure(const LoginPolicy& policy, const FailureRecord& r, std::int64_t now_ms);

// True while the address has had max_failures_per_address failures within the window and
// the newest is less than refusal_period old: the login is refused unchecked.
bool login_refused(const LoginPolicy& policy, const LoginHistory& h, std::int64_t now_ms);

// The wait before answering a failed (or refused) login, given the history that includes it.
std::chrono::milliseconds failure_delay(const LoginPolicy& policy, const LoginHistory& h, std::int64_t now_ms);

}  // namespace mr::text
