// ImapHandler: drives one imapd session::Session from one net::Connection and performs
// its actions.
//
// Invariants:
// - The connection hands over every byte (net::HandlerFrames), never lines: CommandReader
//   frames them with its text::LineBuffer, literals included. Bytes the session has not consumed yet (it is waiting for
//   a password check or a store job) stay in pending_ and reading is paused, so at most
//   one read chunk waits per connection and pipelined commands are answered in order.
// - Actions run in order from one queue; an asynchronous one (password check, store job,
//   delay) stops the queue and the input until its result was handed to the session.
// - Pool jobs get their inputs by value and shared_ptrs; their results are dropped if
//   the connection has gone (Connection::alive()). One store job at a time per session;
//   the job borrows a MailboxStore from the user's StorePool (storage/store_pool.hpp) for
//   the time it runs, so an idle session holds no SQLite connection.
// - Password checks go to the process's PasswordChecker (common/net/password_checker.hpp);
//   one it refuses is answered at once as busy: a temporary failure, not a failed login.
// - A logged-in handler is in SharedState::sessions under its user, and, while a shared
//   mailbox is selected, under that mailbox's account as well (watched_owner_): deliveries
//   to info@ and other grantees' changes wake it. Its own Changed wakes the sessions of the
//   account it changed too (Changed::owner).
// - A logged-in handler is in SharedState::sessions under its user. When its session
//   reports Changed (it wrote to the store), the user's other sessions are woken; so are
//   all of them on a wake-up datagram (deliverd, pop3d: ImapServer::wake_user). A wake()
//   that finds its session busy is remembered and acted on when the session is free, so
//   a change committed while a poll was already running is never missed.
// - While the session is in IDLE, a second timer ([imap] idle_keepalive_secs) has it send
//   "* OK Still here" (Session::on_idle_keepalive).
// - While the session is in IDLE, a slow repeating timer (kIdlePoll) also asks it to look
//   for changes: the fallback for lost wake-ups and for writers that send none.
// - Before login the idle timeout is [imap] login_timeout_s, after it idle_timeout_s.
#pragma once

#include <memory>
#include <string>

#include "common/net/connection.hpp"
#include "common/net/session_driver.hpp"
#include "common/net/timer.hpp"
#include "imapd/session/session.hpp"

namespace mr::storage {
class StorePool;
}  // namespace mr::storage

namespace mr::imapd::server {

struct SharedState;

class ImapHandler final : public net::ConnectionHandler,
                          private net::SessionDriver<ImapHandler, session::Action> {
public:
    ImapHandler(std::shared_ptr<SharedState> shared, net::Connection& conn, std::string listener,
                bool implicit_tls);
    ~ImapHandler() override;

    void on_start(net::Connection& c) override;
    void on_bytes(net::Connection& c, std::string_view chunk, std::size_t remaining) override;
    void on_tls_ready(net::Connection& c) override;
    void on_timeout(net::Connection& c) override;
    void on_closed(net::Connection& c) override;
    // Output fell to the low-water mark: run the store job that waited for it.
    void on_drain(net::Connection& c) override;
    // Another session or a delivery changed this user's store: look for changes now
    // (during IDLE, or with NOTIFY or update contexts on; otherwise the next command's
    // completion reports them anyway: Session::on_wake).
    void wake();

private:
    friend class net::SessionDriver<ImapHandler, session::Action>;
    void feed();
    void perform(session::Action& action);
    void after_run() {
        watch_selected_owner();
        update_idle_poll();
    }
    // A wake-up that came while the session was busy, then the input that waited.
    void when_free();
    void store_job(session::StoreJob& j);
    void quota_store_job(session::QuotaStoreJob& q);
    void accounts_job(session::AccountsJob& a);
    bool logged_in_for_jobs();  // false (and the connection closed) before login
    void job_done(session::StoreResume next);  // a job's result back to the session, or BYE
    // The pool of `owner`'s stores ("" = this user's): a shared mailbox's account.
    std::shared_ptr<storage::StorePool> pool_for(const std::string& owner);
    // Keeps the registration under the selected shared mailbox's account in step with the
    // session, so that account's changes wake this session too.
    void watch_selected_owner();

    std::shared_ptr<SharedState> shared_;
    std::string listener_;
    session::Session session_;
    std::string pending_;  // received, not yet consumed by the session
    bool feeding_ = false;
    std::string user_;
    bool registered_ = false;  // in shared_->sessions under user_
    bool wake_pending_ = false;
    void unregister();
    std::shared_ptr<storage::StorePool> store_;  // this user's stores, shared with their other sessions
    // The selected shared mailbox's account, its stores, and whether this handler is in
    // SharedState::sessions under it.
    std::string other_owner_;
    std::shared_ptr<storage::StorePool> other_store_;
    std::string watched_owner_;
    // A store job held back until the connection drains (back-pressure: a FETCH's next
    // step is produced only when the client has taken most of the previous one).
    session::StoreJob drained_job_;
    std::unique_ptr<net::Timer> idle_poll_;  // while the session is in IDLE
    std::unique_ptr<net::Timer> idle_keepalive_;  // while the session is in IDLE
    void update_idle_poll();
};

}  // namespace mr::imapd::server
