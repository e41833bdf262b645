#include "sieved/server/sieve_handler.hpp"

#include <utility>

#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/sieve/compiler.hpp"
#include "common/text/ascii.hpp"
#include "sieved/server/script_commands.hpp"
#include "storage/directory.hpp"

namespace mr::sieved::server {

namespace {

// Loopback peers may log in without TLS when [auth] allow_plaintext_on_loopback says so
// (the same rule as imapd and pop3d).
bool is_loopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

std::string extension_list() {
    std::string out;
    for (auto e : sieve::supported_extensions()) {
        if (!out.empty()) out += ' ';
        out += e;
    }
    return out;
}

SessionOptions session_options(const Settings& s, net::Connection& conn) {
    SessionOptions o;
    o.sieve_extensions = extension_list();
    o.tls_available = s.tls_available;
    o.insecure_auth_allowed = s.allow_plaintext_on_loopback && is_loopback(conn.peer_ip());
    o.max_failures = s.max_failures;
    // A script upload is one literal: the quota's size plus room for a refused one to be
    // answered NO (QUOTA/MAXSIZE) rather than cut off.
    o.limits.max_literal = s.quota.max_script_bytes * 4;
    return o;
}

}  // namespace

SieveHandler::SieveHandler(std::shared_ptr<const Settings> settings, net::Connection& conn, std::string listener)
    : settings_(std::move(settings)),
      conn_(conn),
      loop_(conn.loop()),
      listener_(std::move(listener)),
      session_(session_options(*settings_, conn)) {}

void SieveHandler::on_start(net::Connection& c) {
    log::info("connect", {log::conn(c.id()), {"peer", c.peer()}, {"listener", listener_}});
    run(session_.start());
}

void SieveHandler::on_bytes(net::Connection& /*c*/, std::string_view chunk, std::size_t /*remaining*/) {
    run(session_.on_bytes(chunk));
}

void SieveHandler::on_tls_ready(net::Connection& c) {
    log::info("tls", {log::conn(c.id()), {"version", c.tls_version()}, {"cipher", c.tls_cipher()}});
    run(session_.on_tls_ready());
}

void SieveHandler::on_timeout(net::Connection& c) {
    log::info("timeout", {log::conn(c.id()), {"state", session_.state_name()}});
    c.write("BYE \"Idle timeout\"\r\n");
    c.close_after_flush();
}

void SieveHandler::on_closed(net::Connection& c) {
    closed_ = true;
    log::info("disconnect", {log::conn(c.id()), {"state", session_.state_name()}, {"user", user_}});
}

void SieveHandler::run(Actions actions) {
    for (auto& a : actions) queue_.push_back(std::move(a));
    pump();
}

void SieveHandler::begin_async() {
    waiting_ = true;
    conn_.pause_reading();
}

void SieveHandler::end_async(Actions actions) {
    waiting_ = false;
    run(std::move(actions));
    if (!waiting_ && !closed_) conn_.resume_reading();
}

void SieveHandler::resume_with_first(Actions actions) {
    for (auto it = actions.rbegin(); it != actions.rend(); ++it) queue_.push_front(std::move(*it));
    end_async({});
}

void SieveHandler::pump() {
    while (!waiting_ && !closed_ && !queue_.empty()) {
        Action action = std::move(queue_.front());
        queue_.pop_front();
        std::visit(
            [this](auto& a) {
                using T = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<T, Send>) {
                    conn_.write(a.bytes);
                } else if constexpr (std::is_same_v<T, StartTls>) {
                    // The session waits for on_tls_ready; reading goes on for the handshake.
                    if (!conn_.start_tls()) {
                        log::error("tls_failed", {log::conn(conn_.id())});
                        closed_ = true;
                        conn_.close();
                    }
                } else if constexpr (std::is_same_v<T, VerifyPassword>) {
                    verify_password(a);
                } else if constexpr (std::is_same_v<T, AuthFailed>) {
                    login_failed(a);
                } else if constexpr (std::is_same_v<T, LoggedIn>) {
                    user_ = text::to_lower(a.user);
                    conn_.set_idle_timeout(settings_->idle_timeout);
                    log::info("login", {log::conn(conn_.id()), {"user", user_}});
                } else if constexpr (std::is_same_v<T, RunScriptCommand>) {
                    run_script_command(a);
                } else if constexpr (std::is_same_v<T, Close>) {
                    closed_ = true;
                    queue_.clear();
                    conn_.close_after_flush();
                }
            },
            action);
    }
}

// Every step of a login is the Authenticator's; this only hands its verdict over.
void SieveHandler::verify_password(VerifyPassword& v) {
    begin_async();
    settings_->auth->check(conn_, listener_, v.user, std::move(v.password), [this](net::LoginVerdict verdict) {
        switch (verdict.kind) {
        case net::LoginVerdict::Kind::Refused:
            refused_ = true;
            return resume_with_first(session_.on_password_checked(false));
        case net::LoginVerdict::Kind::Busy:
        case net::LoginVerdict::Kind::LimitReached:
            return resume_with_first(session_.on_password_busy());
        case net::LoginVerdict::Kind::Checked:
            if (!verdict.verdict) return resume_with_first(session_.on_password_error());
            return resume_with_first(session_.on_password_checked(*verdict.verdict));
        }
    });
    text::secure_wipe(v.password);
}

void SieveHandler::login_failed(AuthFailed& a) {
    begin_async();
    settings_->auth->failed(conn_, a.user, std::exchange(refused_, false), [this](std::chrono::milliseconds delay) {
        if (!timer_) timer_ = std::make_unique<net::Timer>(loop_);
        timer_->start(delay, [this] { end_async({}); });
    });
}

void SieveHandler::run_script_command(RunScriptCommand& r) {
    begin_async();
    log::info("command", {log::conn(conn_.id()), {"user", user_}, {"command", r.command.name}});
    net::run_off_loop(
        loop_, conn_.alive(),
        [scripts = storage::SieveScripts(storage::user_mail_dir(settings_->data_dir, user_), settings_->quota),
         command = std::move(r.command)]() mutable { return answer_script_command(scripts, command); },
        [this](std::string reply) { end_async(session_.on_script_reply(std::move(reply))); });
}

}  // namespace mr::sieved::server
