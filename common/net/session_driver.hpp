// SessionDriver: what smtpd's, imapd's and pop3d's server glue share in driving a sans-I/O
// session from one Connection: the queue of its actions, the wait for asynchronous work,
// and the login steps it hands to the Authenticator.
//
// A handler derives from SessionDriver<Handler, Action> (CRTP) and provides
//   void perform(Action&);   // one action; an asynchronous one calls begin_async()
//   void after_run();        // after each run of the queue (timers that follow the session)
//   void when_free();        // end_async() found the session free again (more input to feed)
// and befriends the base so that they may stay private.
//
// Invariants:
// - Actions run in order from one queue. An asynchronous action pauses reading and the queue
//   (begin_async) until end_async hands its result's actions over, so the session never gets
//   input while it waits. Nothing runs after closed_.
// - Answers to an event that arrived while later actions were queued (a password check that
//   was refused unrun) go ahead of them: resume_with_first.
// - A refused login attempt (login_guard.hpp) reaches the session as a wrong password; its
//   AuthFailed is then only logged, not counted again (refused_ carries that across).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/log/log.hpp"
#include "common/net/authenticator.hpp"
#include "common/net/connection.hpp"
#include "common/net/timer.hpp"
#include "common/text/sasl.hpp"

namespace mr::net {

template <class Handler, class Action>
class SessionDriver {
public:
    using Actions = std::vector<Action>;

protected:
    explicit SessionDriver(Connection& conn) : conn_(conn) {}

    void run(Actions actions) {
        for (auto& a : actions) queue_.push_back(std::move(a));
        while (!waiting_ && !closed_ && !queue_.empty()) {
            Action a = std::move(queue_.front());
            queue_.pop_front();
            self().perform(a);
        }
        self().after_run();
    }

    // Ahead of whatever is queued, without running them yet.
    void push_first(Actions actions) {
        for (auto it = actions.rbegin(); it != actions.rend(); ++it) queue_.push_front(std::move(*it));
    }

    void begin_async() {
        waiting_ = true;
        conn_.pause_reading();
    }

    void end_async(Actions actions) {
        waiting_ = false;
        run(std::move(actions));
        if (!waiting_ && !closed_) self().when_free();
        if (!waiting_ && !closed_) conn_.resume_reading();
    }

    void resume_with_first(Actions actions) {
        push_first(std::move(actions));
        end_async({});
    }

    // The session's Delay: nothing runs and nothing is read until it is over.
    void delay(std::chrono::milliseconds duration) {
        begin_async();
        if (!timer_) timer_ = std::make_unique<Timer>(conn_.loop());
        timer_->start(duration, [this] { end_async({}); });
    }

    // The session's StartTls; a failed start ends the connection.
    void start_tls() {
        if (conn_.start_tls()) return;
        log::error("tls_failed", {log::conn(conn_.id())});
        closed_ = true;
        conn_.close();
    }

    // The session's Close: its last replies are already written.
    void close_after_flush() {
        closed_ = true;
        queue_.clear();
        conn_.close_after_flush();
    }

    // Every step of a login (refusal, the argon2id check, the per-user connection slot) is
    // the Authenticator's (authenticator.hpp); this only hands its verdict to the session.
    // A session without on_login_limited (pop3d bounds no logins per user and address)
    // answers that verdict as busy.
    template <class Session>
    void verify_password(Authenticator& auth, const std::string& listener, Session& session, const std::string& user,
                         std::string& password) {
        begin_async();
        auth.check(conn_, listener, user, std::move(password), [this, &session](LoginVerdict verdict) {
            switch (verdict.kind) {
            case LoginVerdict::Kind::Refused:
                refused_ = true;
                return resume_with_first(session.on_password_checked(false));
            case LoginVerdict::Kind::Busy:
                return resume_with_first(session.on_password_busy());
            case LoginVerdict::Kind::LimitReached:
                if constexpr (requires { session.on_login_limited(); }) {
                    return end_async(session.on_login_limited());
                } else {
                    return resume_with_first(session.on_password_busy());
                }
            case LoginVerdict::Kind::Checked:
                return end_async(session.on_password_checked(verdict.verdict));
            }
        });
        text::secure_wipe(password);
    }

    // Counted in the shared table; the answer waits the policy's delay, across connections.
    void login_failed(Authenticator& auth, const std::string& user) {
        begin_async();
        auth.failed(conn_, user, std::exchange(refused_, false), [this](std::chrono::milliseconds wait) {
            if (!timer_) timer_ = std::make_unique<Timer>(conn_.loop());
            timer_->start(wait, [this] { end_async({}); });
        });
    }

    Connection& conn_;
    std::deque<Action> queue_;
    bool waiting_ = false;
    bool closed_ = false;

private:
    Handler& self() { return static_cast<Handler&>(*this); }

    std::unique_ptr<Timer> timer_;
    bool refused_ = false;  // the pending AuthFailed is a refusal (login_guard.hpp), not a check
};

}  // namespace mr::net
