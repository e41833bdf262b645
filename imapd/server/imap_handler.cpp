#include "imapd/server/imap_handler.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/text/ascii.hpp"
#include "imapd/server/imap_server.hpp"
#include "storage/store_pool.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::server {

namespace {

// How often an idling session looks for changes without being woken: only the fallback
// for lost wake-ups (wakeup.hpp: best effort) and writers that send none.
constexpr std::chrono::milliseconds kIdlePoll{30'000};

bool is_loopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

session::SessionOptions session_options(SharedState& s, net::Connection& conn, bool implicit_tls) {
    session::SessionOptions o;
    o.hostname = s.hostname;
    o.tls_available = s.tls_available && !implicit_tls;
    o.tls_active = implicit_tls;
    o.insecure_auth_allowed = s.allow_plaintext_on_loopback && is_loopback(conn.peer_ip());
    o.max_message_size = s.max_message_size;
    o.max_command_line = s.max_command_line;
    o.max_failures = s.max_failures;
    return o;
}

}  // namespace

ImapHandler::ImapHandler(std::shared_ptr<SharedState> shared, net::Connection& conn, std::string listener,
                         bool implicit_tls)
    : SessionDriver(conn),
      shared_(std::move(shared)),
      listener_(std::move(listener)),
      session_(session_options(*shared_, conn, implicit_tls)) {}

ImapHandler::~ImapHandler() {
    unregister();
    if (store_) shared_->stores.keep(std::move(store_));
    if (other_store_) shared_->stores.keep(std::move(other_store_));
}

void ImapHandler::unregister() {
    if (registered_) shared_->sessions.remove(user_, this);
    if (!watched_owner_.empty()) shared_->sessions.remove(watched_owner_, this);
    watched_owner_.clear();
    registered_ = false;
}

void ImapHandler::watch_selected_owner() {
    if (!registered_ || closed_) return;
    const std::string& owner = session_.selected_owner();
    if (owner == watched_owner_) return;
    if (!watched_owner_.empty()) shared_->sessions.remove(watched_owner_, this);
    watched_owner_ = owner;
    if (!watched_owner_.empty()) shared_->sessions.add(watched_owner_, this);
}

std::shared_ptr<storage::StorePool> ImapHandler::pool_for(const std::string& owner) {
    if (owner.empty()) return store_;
    if (owner != other_owner_ || !other_store_) {
        if (other_store_) shared_->stores.keep(std::move(other_store_));
        other_owner_ = owner;
        other_store_ = shared_->stores.get(storage::user_mail_dir(shared_->data_dir, owner));
    }
    return other_store_;
}

void ImapHandler::wake() {
    if (closed_) return;
    if (waiting_) {
        wake_pending_ = true;  // end_async() asks again once the session is free
        return;
    }
    wake_pending_ = false;
    run(session_.on_wake());
}

void ImapHandler::on_start(net::Connection& c) {
    log::info("connect", {log::conn(c.id()), {"peer", c.peer()}, {"listener", listener_}, {"tls", c.tls_version()}});
    run(session_.start());
}

void ImapHandler::on_bytes(net::Connection& /*c*/, std::string_view chunk, std::size_t /*remaining*/) {
    pending_.append(chunk);
    feed();
}

void ImapHandler::on_tls_ready(net::Connection& c) {
    log::info("tls", {log::conn(c.id()), {"version", c.tls_version()}, {"cipher", c.tls_cipher()}});
    pending_.clear();
    run(session_.on_tls_ready());
}

void ImapHandler::on_timeout(net::Connection& c) {
    log::info("timeout", {log::conn(c.id()), {"state", session_.state_name()}});
    if (waiting_) {
        closed_ = true;
        c.close();
        return;
    }
    run(session_.on_timeout());
}

void ImapHandler::on_closed(net::Connection& c) {
    closed_ = true;
    unregister();
    log::info("disconnect", {log::conn(c.id()), {"state", session_.state_name()}, {"user", user_}});
}

// Hands pending input to the session until it is all consumed or the session waits.
void ImapHandler::feed() {
    if (feeding_) return;  // re-entered from an action: the outer loop continues
    feeding_ = true;
    while (!waiting_ && !closed_ && !pending_.empty() && !session_.logged_out()) {
        std::string_view in(pending_);
        auto actions = session_.on_input(in);
        const bool tls = std::any_of(actions.begin(), actions.end(), [](const session::Action& a) {
            return std::holds_alternative<session::StartTls>(a.v);
        });
        const bool progress = !actions.empty() || in.size() < pending_.size();
        pending_.erase(0, tls ? pending_.size() : pending_.size() - in.size());
        run(std::move(actions));
        if (!progress) break;  // defensive: the session took nothing
    }
    feeding_ = false;
    if (!pending_.empty() && waiting_) conn_.pause_reading();
}

void ImapHandler::update_idle_poll() {
    if (closed_ || !session_.idling()) {
        if (idle_poll_) idle_poll_->stop();
        if (idle_keepalive_) idle_keepalive_->stop();
        return;
    }
    if (!idle_poll_) idle_poll_ = std::make_unique<net::Timer>(conn_.loop());
    if (!idle_keepalive_) idle_keepalive_ = std::make_unique<net::Timer>(conn_.loop());
    if (!idle_poll_->active()) {
        idle_poll_->start_repeating(kIdlePoll, [this] {
            if (!waiting_ && !closed_) run(session_.on_idle_tick());
        });
    }
    if (!idle_keepalive_->active()) {
        idle_keepalive_->start_repeating(shared_->idle_keepalive, [this] {
            if (!waiting_ && !closed_) run(session_.on_idle_keepalive());
        });
    }
}

void ImapHandler::when_free() {
    if (wake_pending_) wake();
    if (!waiting_ && !closed_) feed();
}

void ImapHandler::perform(session::Action& action) {
    std::visit(
        [this](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, session::Send>) {
                conn_.write(a.bytes);
            } else if constexpr (std::is_same_v<T, session::StartCompression>) {
                // What the session left unread follows COMPRESS: compressed already.
                if (!conn_.start_compression(pending_)) {
                    log::error("compress_failed", {log::conn(conn_.id())});
                    closed_ = true;
                    conn_.close();
                    return;
                }
                pending_.clear();
                log::info("compress", {log::conn(conn_.id()), {"mechanism", "deflate"}});
            } else if constexpr (std::is_same_v<T, session::EndCompression>) {
                // What the session left unread follows UNAUTHENTICATE: not compressed.
                conn_.end_compression(pending_);
                pending_.clear();
                log::info("compress_end", {log::conn(conn_.id())});
            } else if constexpr (std::is_same_v<T, session::StartTls>) {
                pending_.clear();
                start_tls();
            } else if constexpr (std::is_same_v<T, session::VerifyPassword>) {
                verify_password(*shared_->auth, listener_, session_, a.user, a.password);
            } else if constexpr (std::is_same_v<T, session::StoreJob>) {
                store_job(a);
            } else if constexpr (std::is_same_v<T, session::QuotaStoreJob>) {
                quota_store_job(a);
            } else if constexpr (std::is_same_v<T, session::AccountsJob>) {
                accounts_job(a);
            } else if constexpr (std::is_same_v<T, session::Delay>) {
                delay(a.duration);
            } else if constexpr (std::is_same_v<T, session::AuthFailed>) {
                login_failed(*shared_->auth, a.user);
            } else if constexpr (std::is_same_v<T, session::LoggedIn>) {
                user_ = a.user;
                store_ = shared_->stores.get(storage::user_mail_dir(shared_->data_dir, user_));
                conn_.set_idle_timeout(shared_->idle_timeout);
                shared_->sessions.add(user_, this);
                registered_ = true;
                log::info("login", {log::conn(conn_.id()), {"user", user_}});
            } else if constexpr (std::is_same_v<T, session::LoggedOut>) {
                // UNAUTHENTICATE (RFC 8437): as at a disconnect, then as before the login.
                // unregister() also drops the registration under a selected shared
                // mailbox's account; that account's stores go back too.
                unregister();
                if (store_) shared_->stores.keep(std::move(store_));
                if (other_store_) shared_->stores.keep(std::move(other_store_));
                other_owner_.clear();
                conn_.count_logout();
                conn_.set_idle_timeout(shared_->login_timeout);
                log::info("logout", {log::conn(conn_.id()), {"user", user_}});
                user_.clear();
            } else if constexpr (std::is_same_v<T, session::Changed>) {
                shared_->sessions.wake(user_, this);
                if (!a.owner.empty()) shared_->sessions.wake(a.owner, this);
            } else if constexpr (std::is_same_v<T, session::Close>) {
                close_after_flush();
            }
        },
        action.v);
}

// The quota is read in the job itself, on the pool thread: a directory lookup, never on
// the loop.
void ImapHandler::quota_store_job(session::QuotaStoreJob& q) {
    session::StoreJob j{[quotas = shared_->quotas, user = q.owner.empty() ? user_ : q.owner, id = conn_.id(),
                         job = std::move(q.job)](storage::MailboxStore& store) {
        auto quota = quotas->quota_bytes(user);
        if (!quota) log::error("directory_error", {log::conn(id), {"error", quota.error().message}});
        return job(store, quota);
    },
                        q.owner};
    store_job(j);
}

void ImapHandler::on_drain(net::Connection& /*c*/) {
    if (!drained_job_.job || closed_) return;
    session::StoreJob j = std::move(drained_job_);
    drained_job_ = {};
    store_job(j);
}

bool ImapHandler::logged_in_for_jobs() {
    if (store_) return true;
    // The session asks for store work only after LoggedIn.
    log::error("store_job_before_login", {log::conn(conn_.id())});
    closed_ = true;
    conn_.close();
    return false;
}

void ImapHandler::job_done(session::StoreResume next) {
    if (!next) {
        // A store could not be opened: the session cannot go on meaningfully.
        closed_ = true;
        conn_.write("* BYE [UNAVAILABLE] Mail store unavailable\r\n");
        conn_.close_after_flush();
        return;
    }
    end_async(session_.resume(next));
}

void ImapHandler::store_job(session::StoreJob& j) {
    if (!logged_in_for_jobs()) return;
    begin_async();
    if (!conn_.writable()) {
        // Back-pressure (issue 6): more output only once the queued output has drained.
        drained_job_ = std::move(j);
        return;
    }
    net::run_off_loop(
        conn_.loop(), conn_.alive(),
        [stores = pool_for(j.owner), job = std::move(j.job),
         reader = j.owner.empty() || j.owner == user_ ? std::string() : user_]() -> session::StoreResume {
            auto loan = stores->borrow();
            if (!loan) {
                log::error("store_open_failed", {{"dir", stores->dir().string()}, {"error", loan.error().message}});
                return {};
            }
            // Another account's store shows this user's own \Seen (mailbox_store.hpp).
            (**loan)->set_seen_reader(reader);
            return job(***loan);  // the store goes back to the pool before resume() runs
        },
        [this](session::StoreResume next) { job_done(std::move(next)); });
}

}  // namespace mr::imapd::server

namespace mr::imapd::server {

namespace {

// What an AccountsJob reaches on the pool thread (session.hpp, Accounts): the shared
// directory connection, and stores borrowed for the job: this user's and the job's
// owner's from their pools, any other account's opened for the job alone (LIST's walk
// over every account that shared something).
class JobAccounts final : public session::Accounts {
public:
    JobAccounts(std::shared_ptr<QuotaReader> directory, std::shared_ptr<storage::StorePool> own,
                std::string owner, std::shared_ptr<storage::StorePool> owner_pool, std::filesystem::path data_dir,
                std::string user)
        : user_(std::move(user)),
          directory_(std::move(directory)),
          own_(std::move(own)),
          owner_(std::move(owner)),
          owner_pool_(std::move(owner_pool)),
          data_dir_(std::move(data_dir)) {}

    Result<void> directory(const std::function<Result<void>(storage::Directory&)>& fn) override {
        return directory_->with_directory(fn);
    }

    // Another account's store shows this user's own \Seen (mailbox_store.hpp, private \Seen).
    Result<storage::MailboxStore*> store(const std::string& owner) override {
        auto found = find_store(owner);
        if (found && !owner.empty() && owner != user_) (*found)->set_seen_reader(user_);
        return found;
    }

private:
    Result<storage::MailboxStore*> find_store(const std::string& owner) {
        if (owner.empty()) return borrow(own_, own_loan_);
        if (owner == owner_ && owner_pool_) return borrow(owner_pool_, owner_loan_);
        auto it = opened_.find(owner);
        if (it != opened_.end()) return it->second.get();
        const auto dir = storage::user_mail_dir(data_dir_, owner);
        if (dir.empty()) return Error::refused(ErrorCode::NoSuchMailbox, "not an account: " + owner);
        auto store = storage::MailboxStore::open(dir);
        if (!store) return store.error();
        auto kept = std::make_unique<storage::MailboxStore>(std::move(store.value()));
        auto* raw = kept.get();
        opened_.emplace(owner, std::move(kept));
        return raw;
    }

    static Result<storage::MailboxStore*> borrow(const std::shared_ptr<storage::StorePool>& pool,
                                                 std::unique_ptr<storage::StorePool::Loan>& loan) {
        if (!loan) {
            auto got = pool->borrow();
            if (!got) return got.error();
            loan = std::move(got.value());
        }
        return &**loan;
    }

    std::string user_;
    std::shared_ptr<QuotaReader> directory_;
    std::shared_ptr<storage::StorePool> own_;
    std::string owner_;
    std::shared_ptr<storage::StorePool> owner_pool_;
    std::filesystem::path data_dir_;
    std::unique_ptr<storage::StorePool::Loan> own_loan_;
    std::unique_ptr<storage::StorePool::Loan> owner_loan_;
    std::map<std::string, std::unique_ptr<storage::MailboxStore>> opened_;
};

}  // namespace

void ImapHandler::accounts_job(session::AccountsJob& a) {
    if (!logged_in_for_jobs()) return;
    begin_async();
    net::run_off_loop(
        conn_.loop(), conn_.alive(),
        [directory = shared_->quotas, own = store_, owner = a.owner,
         owner_pool = a.owner.empty() ? nullptr : pool_for(a.owner), data_dir = shared_->data_dir,
         job = std::move(a.job), id = conn_.id(), user = user_]() -> session::StoreResume {
            JobAccounts accounts(directory, own, owner, owner_pool, data_dir, user);
            auto next = job(accounts);
            if (!next) log::error("accounts_job_failed", {log::conn(id)});
            return next;  // the stores go back to their pools before resume() runs
        },
        [this](session::StoreResume next) { job_done(std::move(next)); });
}

}  // namespace mr::imapd::server
