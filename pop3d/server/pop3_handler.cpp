#include "pop3d/server/pop3_handler.hpp"

#include <utility>

#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/wakeup.hpp"
#include "common/text/ascii.hpp"
#include "common/text/message_data.hpp"
#include "pop3d/server/maildrop.hpp"
#include "pop3d/server/shared_state.hpp"
#include "storage/directory.hpp"
#include "storage/maildir.hpp"
#include "storage/message_reader.hpp"

namespace mr::pop3d::server {

namespace {

// Loopback peers may log in without TLS when [auth] allow_plaintext_on_loopback says so:
// the connection never leaves the host (RFC 2595 §2.3, rfc2595.txt:126, leaves clear-text
// logins to configuration).
bool is_loopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

SessionOptions session_options(SharedState& server, net::Connection& conn, bool implicit_tls) {
    SessionOptions o;
    o.hostname = server.hostname;
    o.tls_available = server.tls_available && !implicit_tls;
    o.tls_active = implicit_tls;
    o.insecure_auth_allowed = server.allow_plaintext_on_loopback && is_loopback(conn.peer_ip());
    o.max_failures = server.max_failures;
    return o;
}

// Buffers of the RETR fast path, shared by every session of the loop thread: each message
// is read, stuffed and handed to its connection before the next one starts, so one set
// serves all and an idle connection holds none (issue 5: memory per idle connection).
struct FastPathBuffers {
    storage::CachedReadBuffers file;
    std::string out;
};

FastPathBuffers& fast_path_buffers() {
    static thread_local FastPathBuffers buffers;
    return buffers;
}

// The TOP reply of a message in memory: normalised, cut after the header and k body lines,
// stuffed.
void append_top(std::string_view message, std::optional<std::uint64_t> body_lines, std::string& out) {
    text::CrlfNormalizer normalizer(body_lines);
    std::string normalized;
    normalizer.feed(message, normalized);
    normalizer.finish(normalized);
    text::DotStuffer stuffer;
    stuffer.feed(normalized, out);
    stuffer.finish(out);
}

}  // namespace

// One RETR/TOP in progress. `message` is touched only by pool jobs (one at a time), the
// normaliser and stuffer only on the loop thread.
struct Transfer {
    std::filesystem::path user_dir;
    std::string file;
    storage::MessageReader message;
    text::CrlfNormalizer normalizer;
    text::DotStuffer stuffer;
    std::uint32_t uid = 0;
    bool mark_seen = false;
    bool waiting_drain = false;
};

Pop3Handler::Pop3Handler(std::shared_ptr<SharedState> shared, std::shared_ptr<storage::StorePoolRegistry> stores,
                         net::Connection& conn, std::string listener, bool implicit_tls, unsigned loop_index,
                         std::chrono::milliseconds idle_timeout)
    : SessionDriver(conn),
      shared_(std::move(shared)),
      stores_(std::move(stores)),
      loop_(conn.loop()),
      listener_(std::move(listener)),
      idle_timeout_(idle_timeout),
      loop_index_(loop_index),
      session_(session_options(*shared_, conn, implicit_tls)) {}

Pop3Handler::~Pop3Handler() {
    flush_seen();
    release_maildrop();
}

void Pop3Handler::release_maildrop() {
    if (locked_.empty()) return;
    shared_->unlock(locked_);
    locked_.clear();
}

// The session ended without QUIT (hang-up, timeout, shutdown): store \Seen anyway, nothing
// else. Fire and forget: the job owns copies of what it needs, the pool included (it is not
// kept in the registry afterwards: this may run inside the loop's shutdown).
void Pop3Handler::flush_seen() {
    if (seen_.empty()) return;
    net::run_off_loop(
        loop_,
        [pool = stores_->get(user_dir_), uids = std::move(seen_)] { return update_maildrop(*pool, uids, {}); },
        [](Result<void> r) {
            if (!r) log::warn("seen_failed", {{"error", r.error().message}});
        });
    seen_.clear();
}

void Pop3Handler::on_start(net::Connection& c) {
    log::info("connect", {log::conn(c.id()), {"peer", c.peer()}, {"listener", listener_},
                          {"loop", loop_index_}, {"tls", c.tls_version()}});
    run(session_.start());
}

void Pop3Handler::on_line(net::Connection& /*c*/, std::string_view line, net::LineEnd /*end*/) {
    run(session_.on_line(line));
}

void Pop3Handler::on_line_too_long(net::Connection& /*c*/) { run(session_.on_line_too_long()); }

void Pop3Handler::on_tls_ready(net::Connection& c) {
    log::info("tls", {log::conn(c.id()), {"version", c.tls_version()}, {"cipher", c.tls_cipher()}});
    run(session_.on_tls_ready());
}

void Pop3Handler::on_timeout(net::Connection& c) {
    log::info("timeout", {log::conn(c.id()), {"state", session_.state_name()}});
    if (waiting_) {
        c.close();
        return;
    }
    run(session_.on_timeout());
}

void Pop3Handler::on_drain(net::Connection& /*c*/) {
    if (drain_then_continue_) {
        drain_then_continue_ = false;
        end_async({});
        return;
    }
    if (transfer_ && transfer_->waiting_drain) {
        transfer_->waiting_drain = false;
        read_chunk();
    }
}

void Pop3Handler::on_closed(net::Connection& c) {
    closed_ = true;
    log::info("disconnect", {log::conn(c.id()), {"state", session_.state_name()}, {"user", user_}});
}

void Pop3Handler::perform(Action& action) {
    std::visit(
        [this](auto& a) {
            using T = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<T, Send>) {
                conn_.write(a.bytes);
            } else if constexpr (std::is_same_v<T, StartTls>) {
                start_tls();
            } else if constexpr (std::is_same_v<T, VerifyPassword>) {
                verify_password(*shared_->auth, listener_, session_, a.user, a.password);
            } else if constexpr (std::is_same_v<T, OpenMaildrop>) {
                open_maildrop(a);
            } else if constexpr (std::is_same_v<T, SendMessage>) {
                send_message(a);
            } else if constexpr (std::is_same_v<T, Expunge>) {
                expunge(a);
            } else if constexpr (std::is_same_v<T, Delay>) {
                delay(a.duration);
            } else if constexpr (std::is_same_v<T, AuthFailed>) {
                login_failed(*shared_->auth, a.user);
            } else if constexpr (std::is_same_v<T, LoggedIn>) {
                user_ = std::move(a.user);
                // No per-user bound here (the maildrop lock is one already): this only moves
                // the connection out of its address's count of connections not logged in.
                conn_.count_login(text::to_lower(user_));
                conn_.set_idle_timeout(idle_timeout_);
                log::info("login", {log::conn(conn_.id()), {"user", user_}});
            } else if constexpr (std::is_same_v<T, Close>) {
                // The session is over (after QUIT's +OK, whose UPDATE is stored): free the
                // maildrop now, not when the socket has finished closing, so a client that
                // logs in again at once is not refused [IN-USE] by its own last session,
                // which may be on another, busier loop.
                release_maildrop();
                close_after_flush();
            }
        },
        action);
}

void Pop3Handler::open_maildrop(OpenMaildrop& o) {
    const std::string user = text::to_lower(o.user);
    if (!shared_->lock(user)) {
        push_first(session_.on_maildrop(Error::refused("in use")));
        return;
    }
    locked_ = user;
    user_dir_ = storage::user_mail_dir(shared_->data_dir, user);
    begin_async();
    net::run_off_loop(
        loop_, conn_.alive(), [dir = user_dir_] { return load_maildrop(dir); },
        [this](LoadedMaildrop loaded) {
            if (!loaded.drop) {
                log::error("maildrop_error", {log::conn(conn_.id()), {"user", locked_},
                                              {"error", loaded.drop.error().message}});
                shared_->unlock(locked_);
                locked_.clear();
                end_async(session_.on_maildrop(Error::internal(loaded.drop.error().message)));
                return;
            }
            files_ = std::move(loaded.files);
            end_async(session_.on_maildrop(std::move(loaded.drop)));
        });
}

void Pop3Handler::send_message(SendMessage& s) {
    const std::string& file = files_.at(s.number - 1);
    // Fast path (storage::read_if_cached): a small message in the page cache goes out from here,
    // and the next pipelined command is taken at once, as long as the client keeps reading.
    // Reply line and body leave in one write() into the (usually corked) connection.
    FastPathBuffers& fast = fast_path_buffers();
    if (storage::read_if_cached(user_dir_, kInbox, file, s.size, storage::kMessageChunk, fast.file)) {
        fast.out.assign(s.ok_line);
        if (s.body_lines) {
            append_top(fast.file.bytes, s.body_lines, fast.out);
        } else {
            text::append_dot_stuffed(fast.file.bytes, fast.out);
        }
        conn_.write(fast.out);
        message_sent(s.uid, s.mark_seen);
        return;
    }
    auto t = std::make_shared<Transfer>();
    t->normalizer = text::CrlfNormalizer(s.body_lines);
    t->uid = s.uid;
    t->mark_seen = s.mark_seen;
    t->user_dir = user_dir_;
    t->file = file;
    transfer_ = t;
    begin_async();
    net::run_off_loop(
        loop_, conn_.alive(),
        [t]() -> Result<storage::MessageChunk> {
            if (auto r = t->message.open(t->user_dir, kInbox, t->file); !r) return r.error();
            return t->message.read();
        },
        [this, ok_line = std::move(s.ok_line)](Result<storage::MessageChunk> chunk) {
            if (!chunk) {
                log::warn("message_unavailable", {log::conn(conn_.id()), {"uid", transfer_->uid},
                                                  {"error", chunk.error().message}});
                transfer_.reset();
                end_async(session_.on_message_unavailable());
                return;
            }
            conn_.write(ok_line);
            write_chunk(std::move(chunk.value()));
        });
}

void Pop3Handler::read_chunk() {
    net::run_off_loop(
        loop_, conn_.alive(), [t = transfer_] { return t->message.read(); },
        [this](Result<storage::MessageChunk> chunk) {
            if (!chunk) {
                // The +OK is out: the only honest end is hanging up (RFC 1939 has no way to
                // abort a multi-line response).
                log::error("read_error", {log::conn(conn_.id()), {"error", chunk.error().message}});
                closed_ = true;
                conn_.close();
                return;
            }
            write_chunk(std::move(chunk.value()));
        });
}

void Pop3Handler::write_chunk(storage::MessageChunk chunk) {
    Transfer& t = *transfer_;
    std::string normalized;
    std::string out;
    bool done = t.normalizer.feed(chunk.bytes, normalized);
    if (chunk.eof && !done) {
        t.normalizer.finish(normalized);
        done = true;
    }
    t.stuffer.feed(normalized, out);
    if (!done) {
        conn_.write(out);
        if (conn_.writable()) {
            read_chunk();
        } else {
            t.waiting_drain = true;  // on_drain() continues
        }
        return;
    }
    t.stuffer.finish(out);
    conn_.write(out);
    message_sent(t.uid, t.mark_seen);
}

void Pop3Handler::message_sent(std::uint32_t uid, bool mark_seen) {
    // Issue 5: a message retrieved by POP3 is \Seen for IMAP (stored at the end, see header).
    if (mark_seen) seen_.push_back(uid);
    transfer_.reset();
    if (!waiting_) {
        // Sent from the fast path, inside pump(): queue what follows. When the client
        // is not reading, wait for on_drain() before the next message (back-pressure).
        push_first(session_.on_message_sent());
        if (!conn_.writable()) {
            begin_async();
            drain_then_continue_ = true;
        }
        return;
    }
    end_async(session_.on_message_sent());
}

void Pop3Handler::expunge(Expunge& e) {
    if (e.uids.empty() && seen_.empty()) {
        push_first(session_.on_expunged({}));
        return;
    }
    begin_async();
    log::info("update", {log::conn(conn_.id()), {"user", user_}, {"expunge", e.uids.size()},
                         {"seen", seen_.size()}});
    auto pool = stores_->get(user_dir_);
    net::run_off_loop(
        loop_, conn_.alive(),
        [pool, seen = std::move(seen_), uids = std::move(e.uids)] { return update_maildrop(*pool, seen, uids); },
        [this, pool](Result<void> r) mutable {
            stores_->keep(std::move(pool));  // lingers for this user's next session
            if (!r) log::error("expunge_failed", {log::conn(conn_.id()), {"error", r.error().message}});
            else (void)net::send_wakeup(net::wakeup_endpoint(shared_->data_dir, net::WakeupListener::Imapd),
                                        user_);  // IMAP IDLE sees it now
            end_async(session_.on_expunged(r));
        });
    seen_.clear();  // moved into the job, which stores them first
}

}  // namespace mr::pop3d::server
