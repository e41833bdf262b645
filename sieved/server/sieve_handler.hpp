// SieveHandler: drives one sieved::Session from one net::Connection and performs its
// actions.
//
// Invariants:
// - The session frames its own input (HandlerFrames: literals are byte counts inside a
//   command), so every received byte goes to Session::on_bytes.
// - Actions run in order from one queue; an asynchronous one (password check, failed-login
//   delay, script command) pauses reading and the queue until its result is handed back.
// - Script commands run on the thread pool (they read, write and fsync files) with the
//   user's store by value; a result for a connection that has gone is dropped.
// - Logins go through the process's Authenticator (common/net/authenticator.hpp), as in
//   imapd and pop3d; at login the connection leaves its address's count of connections not
//   logged in (no per-user bound: a ManageSieve session holds no mailbox).
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>

#include "common/net/authenticator.hpp"
#include "common/net/connection.hpp"
#include "common/net/timer.hpp"
#include "sieved/proto/session.hpp"
#include "storage/sieve_scripts.hpp"

namespace mr::sieved::server {

struct Settings {
    std::filesystem::path data_dir;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = false;
    unsigned max_failures = 3;
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(30)};
    storage::SieveQuota quota;
    std::shared_ptr<net::Authenticator> auth;
};

class SieveHandler final : public net::ConnectionHandler {
public:
    SieveHandler(std::shared_ptr<const Settings> settings, net::Connection& conn, std::string listener);

    void on_start(net::Connection& c) override;
    void on_bytes(net::Connection& c, std::string_view chunk, std::size_t remaining) override;
    void on_tls_ready(net::Connection& c) override;
    void on_timeout(net::Connection& c) override;
    void on_closed(net::Connection& c) override;

private:
    void run(Actions actions);
    void pump();
    void begin_async();
    void end_async(Actions actions);
    void resume_with_first(Actions actions);
    void verify_password(VerifyPassword& v);
    void login_failed(AuthFailed& a);
    void run_script_command(RunScriptCommand& r);

    std::shared_ptr<const Settings> settings_;
    net::Connection& conn_;
    net::Loop& loop_;
    std::string listener_;
    Session session_;
    std::deque<Action> queue_;
    bool waiting_ = false;
    bool closed_ = false;
    bool refused_ = false;  // the pending AuthFailed is a refusal (login_guard.hpp)
    std::string user_;
    std::unique_ptr<net::Timer> timer_;
};

}  // namespace mr::sieved::server
