// Authenticator: one daemon's way from "the client sent a user and a password" to the
// session's verdict, and from a failed login to the wait before answering. smtpd, imapd and
// pop3d each own one and drive every login through it.
//
// The steps, in order, for one attempt (check()):
//  1. screen the client address and account in the shared failed-login table
//     (login_guard.hpp): a refused one gets the answer of a wrong password and its password
//     is never checked, because refusing only wrong ones would tell which guess was right;
//  2. queue the argon2id check on the daemon's PasswordChecker (password_checker.hpp): slow
//     on purpose, never on the loop, never more than the checker's share of the machine; a
//     full queue or a client over its share is answered "busy" at once;
//  3. on a right password, take the connection's per-(user, address) login slot
//     (Connection::count_login, connection_limits.hpp) before the session answers OK.
// After a failed login, failed() counts it (a refused one only logs) and gives the delay.
//
// Invariants:
//  - The password is wiped from every buffer this class was given, whatever the outcome.
//  - done runs on the connection's loop, at most once, never after the connection is gone,
//    and never from inside check().
//  - The directory's failure to answer is logged here (directory_error) and reaches the
//    session as the verdict's error, so every daemon answers it the same way.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/net/connection.hpp"
#include "common/net/login_guard.hpp"
#include "common/net/password_checker.hpp"
#include "common/util/result.hpp"

namespace mr::net {

struct LoginVerdict {
    enum class Kind {
        Refused,       // the address or account is refused for now: answer as a wrong password
        Busy,          // the checker would not take the check: answer "try later"
        LimitReached,  // right password, but the user has all the connections allowed from here
        Checked,       // `verdict` says right (true), wrong (false) or the directory failed
    };
    Kind kind = Kind::Checked;
    Result<bool> verdict = false;
};

class Authenticator {
public:
    // `service` names the daemon in the failed-login log lines ("imap", "pop3", "smtp").
    // `verify` runs on the checker's threads (PasswordChecker::Verify); by default it asks
    // the data dir's directory.db, opening it per check.
    Authenticator(const config::Config& cfg, std::string service, PasswordChecker::Verify verify = {});
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    // `listener` only names the listener in log lines ("submission"); may be empty.
    void check(Connection& conn, std::string listener, std::string user, std::string password,
               std::function<void(LoginVerdict)> done);

    // Counts a failed login in the shared table (only logs a refused one) and gives the wait
    // before the session answers it.
    void failed(Connection& conn, const std::string& user, bool refused,
                std::function<void(std::chrono::milliseconds)> done);

    // Refuses new checks and waits for running ones: call before the loops they post to
    // are destroyed. Idempotent.
    void stop();

private:
    void check_password(Connection& conn, std::string listener, std::string user, std::string password,
                        std::function<void(LoginVerdict)> done);

    std::shared_ptr<LoginGuard> guard_;
    std::shared_ptr<PasswordChecker> passwords_;
};

}  // namespace mr::net
