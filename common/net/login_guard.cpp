// LoginGuard; see login_guard.hpp for the invariants.
#include "common/net/login_guard.hpp"

#include <mutex>
#include <optional>

#include "common/log/log.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/thread_pool.hpp"
#include "storage/login_failures.hpp"

namespace mr::net {

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

text::LoginPolicy login_policy(const config::AuthConfig& auth) {
    text::LoginPolicy p;
    p.failure_delay = std::chrono::milliseconds(auth.failure_delay_ms);
    p.window = std::chrono::seconds(auth.failure_window_s);
    p.max_failures_per_address = static_cast<unsigned>(auth.max_failures_per_address);
    p.refusal_period = std::chrono::seconds(auth.refusal_period_s);
    return p;
}

struct LoginGuard::Shared {
    std::filesystem::path data_dir;
    text::LoginPolicy policy;
    std::string service;
    std::mutex mutex;  // guards table
    std::optional<storage::LoginFailures> table;

    // Pool thread only. Opens the table on first use (and again after an open failed).
    template <class F>
    auto with_table(F f) -> decltype(f(*table)) {
        std::lock_guard lock(mutex);
        if (!table) {
            auto t = storage::LoginFailures::open(data_dir);
            if (!t) return t.error();
            table.emplace(std::move(*t));
        }
        return f(*table);
    }

    void log_attempt(std::string_view event, std::uint64_t conn, const std::string& ip, const std::string& user) {
        log::warn(event, {log::conn(conn), {"service", service}, {"ip", ip}, {"user", user}});
    }
};

LoginGuard::LoginGuard(std::filesystem::path data_dir, text::LoginPolicy policy, std::string service)
    : shared_(std::make_shared<Shared>()) {
    shared_->data_dir = std::move(data_dir);
    shared_->policy = policy;
    shared_->service = std::move(service);
}

LoginGuard::~LoginGuard() = default;

const text::LoginPolicy& LoginGuard::policy() const { return shared_->policy; }

void LoginGuard::screen(Loop& loop, std::weak_ptr<void> alive, std::uint64_t conn, const std::string& ip,
                        const std::string& user, std::function<void(bool refused)> done) {
    run_off_loop(
        loop,
        [s = shared_, key = ConnectionLimits::key_for(ip), user] {
            return s->with_table([&](storage::LoginFailures& t) { return t.lookup(key, user); });
        },
        [s = shared_, alive = std::move(alive), conn, ip, user, done = std::move(done)](Result<text::LoginHistory> h) {
            bool refused = false;
            if (!h) {
                log::error("login_failures_error", {log::conn(conn), {"error", h.error().message}});
            } else {
                refused = text::login_refused(s->policy, *h, now_ms());
            }
            if (refused) s->log_attempt("auth_refused", conn, ip, user);
            if (!alive.expired()) done(refused);
        });
}

void LoginGuard::failed(Loop& loop, std::weak_ptr<void> alive, std::uint64_t conn, const std::string& ip,
                        const std::string& user, bool refused, std::function<void(std::chrono::milliseconds)> done) {
    if (!refused) shared_->log_attempt("auth_failed", conn, ip, user);
    run_off_loop(
        loop, std::move(alive),
        [s = shared_, key = ConnectionLimits::key_for(ip), user, refused] {
            return s->with_table([&](storage::LoginFailures& t) {
                return refused ? t.lookup(key, user) : t.record(key, user, s->policy, now_ms());
            });
        },
        [s = shared_, conn, done = std::move(done)](Result<text::LoginHistory> h) {
            if (!h) {
                log::error("login_failures_error", {log::conn(conn), {"error", h.error().message}});
                return done(s->policy.failure_delay);
            }
            done(text::failure_delay(s->policy, *h, now_ms()));
        });
}

}  // namespace mr::net
