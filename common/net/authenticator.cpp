#include "common/net/authenticator.hpp"

#include "common/log/log.hpp"
#include "common/metrics/counters.hpp"
#include "common/text/ascii.hpp"
#include "common/text/sasl.hpp"
#include "storage/directory.hpp"

namespace mr::net {

namespace {

PasswordCheckLimits check_limits(const config::AuthConfig& auth) {
    return PasswordCheckLimits{.threads = static_cast<unsigned>(auth.check_threads),
                               .max_queued = static_cast<std::size_t>(auth.max_queued_checks),
                               .max_per_client = static_cast<unsigned>(auth.max_checks_per_address)};
}

PasswordChecker::Verify directory_verify(std::filesystem::path db) {
    return [db = std::move(db)](const std::string& user, const std::string& password) -> Result<bool> {
        auto dir = storage::Directory::open(db);
        if (!dir) return dir.error();
        auto verdict = dir->verify_password(user, password);
        // A malformed address is just a wrong login, not a store failure: same reply.
        if (!verdict && verdict.error().kind != ErrorKind::Internal) return false;
        return verdict;
    };
}

}  // namespace

Authenticator::Authenticator(const config::Config& cfg, std::string service, PasswordChecker::Verify verify)
    : guard_(std::make_shared<LoginGuard>(cfg.server.data_dir, login_policy(cfg.auth), std::move(service))),
      passwords_(std::make_shared<PasswordChecker>(
          check_limits(cfg.auth), verify ? std::move(verify) : directory_verify(cfg.server.data_dir / "directory.db"))) {}

Authenticator::~Authenticator() { stop(); }

void Authenticator::stop() { passwords_->stop(); }

void Authenticator::check(Connection& conn, std::string listener, std::string user, std::string password,
                          std::function<void(LoginVerdict)> done) {
    auto secret = std::make_shared<std::string>(std::move(password));
    text::secure_wipe(password);
    guard_->screen(conn.loop(), conn.alive(), conn.id(), conn.peer_ip(), user,
                   [this, &conn, listener = std::move(listener), user, secret,
                    done = std::move(done)](bool refused) mutable {
                       if (refused) {
                           text::secure_wipe(*secret);
                           return done(LoginVerdict{LoginVerdict::Kind::Refused, false});
                       }
                       check_password(conn, std::move(listener), std::move(user), std::move(*secret),
                                      std::move(done));
                       text::secure_wipe(*secret);
                   });
}

void Authenticator::check_password(Connection& conn, std::string listener, std::string user,
                                   std::string password, std::function<void(LoginVerdict)> done) {
    std::string login = text::to_lower(user);  // the session's name for the user once logged in
    auto shared_done = std::make_shared<std::function<void(LoginVerdict)>>(std::move(done));
    const bool queued = passwords_->submit(
        conn.loop(), conn.alive(), conn.peer_ip(), std::move(user), std::move(password),
        [&conn, listener, login = std::move(login), shared_done](Result<bool> verdict) {
            if (!verdict) log::error("directory_error", {log::conn(conn.id()), {"error", verdict.error().message}});
            // The connection changes counts before the session says OK (connection_limits.hpp).
            if (verdict && *verdict && !conn.count_login(login)) {
                metrics::add(metrics::Slot::RejectRate);
                log::warn("login_limit", {log::conn(conn.id()), {"user", login}, {"peer", conn.peer_ip()},
                                          {"listener", listener},
                                          {"max_connections_per_user_ip", conn.max_logins_per_user_ip()}});
                return (*shared_done)(LoginVerdict{LoginVerdict::Kind::LimitReached, false});
            }
            (*shared_done)(LoginVerdict{LoginVerdict::Kind::Checked, std::move(verdict)});
        });
    text::secure_wipe(password);
    if (queued) return;
    log::warn("auth_busy", {log::conn(conn.id()), {"peer", conn.peer_ip()}, {"listener", listener}});
    (*shared_done)(LoginVerdict{LoginVerdict::Kind::Busy, false});
}

void Authenticator::failed(Connection& conn, const std::string& user, bool refused,
                           std::function<void(std::chrono::milliseconds)> done) {
    metrics::add(metrics::Slot::AuthFailures);
    guard_->failed(conn.loop(), conn.alive(), conn.id(), conn.peer_ip(), user, refused, std::move(done));
}

}  // namespace mr::net
