// Connection lifecycle: accept, start, TLS set-up, timers, closing. The byte paths (read,
// framing, write, back-pressure) are in connection_io.cpp. Invariants: connection.hpp.
#include "common/net/connection.hpp"

#include <atomic>

#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/deflate_stream.hpp"
#include "common/net/timer.hpp"
#include "common/net/tls_engine.hpp"

namespace mr::net {
namespace {

std::atomic<Connection::Id> g_next_id{1};

// Stands in until start() (and for rejected connections) so handler_ is never null.
class NullHandler final : public ConnectionHandler {
public:
    void on_start(Connection&) override {}
    void on_line(Connection&, std::string_view, LineEnd) override {}
    void on_line_too_long(Connection&) override {}
};

}  // namespace

void ConnectionHandler::on_bytes(Connection& c, std::string_view, std::size_t) {
    // A handler that asks for bytes must take them; one that did not ask has a bug.
    log::error("connection_unexpected_bytes", {log::conn(c.id())});
    c.close();
}

void ConnectionHandler::on_line(Connection& c, std::string_view, LineEnd) {
    log::error("connection_unexpected_line", {log::conn(c.id())});
    c.close();
}

void ConnectionHandler::on_line_too_long(Connection& c) {
    log::error("connection_unexpected_line", {log::conn(c.id())});
    c.close();
}

void ConnectionHandler::on_refused_line(Connection& c, const text::RefusedLine&) {
    log::error("connection_unexpected_refused_line", {log::conn(c.id())});
    c.close();
}

void ConnectionHandler::on_timeout(Connection& c) { c.close(); }

Connection::Connection(Loop& loop, ConnectionOptions options)
    : loop_(loop),
      handler_(std::make_unique<NullHandler>()),
      options_(std::move(options)),
      id_(g_next_id.fetch_add(1, std::memory_order_relaxed)) {
    if (const auto* policy = std::get_if<text::LinePolicy>(&options_.framing)) lines_.emplace(*policy);
}

Connection::~Connection() = default;

Connection* Connection::create(Loop& loop, ConnectionOptions options) {
    std::unique_ptr<Connection> owned(new Connection(loop, std::move(options)));
    Connection* c = owned.get();
    uv_tcp_init(loop.raw(), &c->tcp_);
    uv_timer_init(loop.raw(), &c->timer_);
    c->tcp_.data = c;
    c->timer_.data = c;
    c->open_handles_ = 2;
    c->self_ = std::move(owned);  // from here the connection owns itself until finish()
    return c;
}

Connection* Connection::accept(Loop& loop, uv_stream_t* server, const ConnectionOptions& options) {
    Connection* c = create(loop, options);
    loop.add_resident(c);

    auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp_);
    if (int rc = uv_accept(server, stream); rc != 0) {
        log::warn("accept_failed", {log::Field("error", uv_strerror(rc))});
        c->close();
        return nullptr;
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(&c->tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        c->peer_ = format_address(reinterpret_cast<sockaddr*>(&ss), true);
        c->peer_ip_ = format_address(reinterpret_cast<sockaddr*>(&ss), false);
    } else {
        // The peer reset the connection while it waited in the accept queue. Nobody is left
        // to serve, and there is no address to count it under: counted as "unknown", it
        // would get a handler however many connections its real address already holds.
        log::debug("accept_peer_gone", {log::conn(c->id_)});
        c->close();
        return nullptr;
    }
    // Replies are small and interactive: do not let Nagle hold them back. Keepalive finds
    // dead peers of long idle sessions (IMAP IDLE) that never send a FIN.
    uv_tcp_nodelay(&c->tcp_, 1);
    uv_tcp_keepalive(&c->tcp_, 1, 300);
    return c;
}

void Connection::start(std::unique_ptr<ConnectionHandler> handler,
                       ConnectionSlot slot) {
    handler_ = std::move(handler);
    slot_ = std::move(slot);
    if (std::holds_alternative<std::monostate>(options_.framing)) {
        log::error("connection_framing_unset", {log::conn(id_)});
        close();
        return;
    }
    restart_idle_timer();
    update_reading();
    if (options_.implicit_tls) {
        if (!begin_tls()) close();
        return;  // on_start runs when the handshake completes
    }
    started_ = true;
    handler_->on_start(*this);
    process_input();
}

void Connection::set_peer(std::string peer, std::string peer_ip) {
    peer_ = std::move(peer);
    peer_ip_ = std::move(peer_ip);
}

void Connection::unread(std::size_t n) {
    if (n == 0) return;
    if (lines_ || !processing_ || n > in_pos_) {  // not inside a HandlerFrames on_bytes
        log::error("connection_unread_outside_bytes", {log::conn(id_)});
        close();
        return;
    }
    in_pos_ -= n;
}

void Connection::reject(std::string_view busy_line) {
    // No handler, no reading: just the line (plaintext listeners only, since a TLS client
    // could not read it) and a clean close.
    if (!options_.implicit_tls) write(busy_line);
    close_after_flush();
    restart_idle_timer();  // bounds how long a non-reading client can hold the socket
}

bool Connection::begin_tls() {
    auto engine = TlsEngine::create(options_.tls, options_.tls_server_name);
    if (!engine) {
        log::error("tls_setup_failed", {log::conn(id_), log::Field("error", engine.error().message)});
        return false;
    }
    tls_ = std::move(engine).value();
    // A client engine speaks first (ClientHello); a server engine produces nothing yet.
    if (tls_->handshake() == TlsEngine::Status::Failed) {
        log::warn("tls_handshake_failed", {log::conn(id_), log::Field("error", tls_->error())});
        return false;
    }
    flush_tls();
    return true;
}

bool Connection::start_tls() {
    if (tls_ || !options_.tls || closing()) return false;
    if (!begin_tls()) {
        tls_.reset();
        return false;
    }
    // RFC 3207 §4.2 (rfc3207.txt:212): whatever the client sent after STARTTLS travelled in the
    // clear; drop it rather than let it count as protected input. Inside process_input the
    // flag is honoured after the current callback returns (its line view stays valid).
    discard_pending_ = true;
    bytes_wanted_ = 0;
    if (!processing_) discard_input();
    return true;
}

bool Connection::is_tls() const { return tls_ != nullptr && tls_->handshake_done(); }

std::string Connection::tls_version() const { return is_tls() ? tls_->version() : std::string(); }

std::string Connection::tls_cipher() const { return is_tls() ? tls_->cipher() : std::string(); }

std::string Connection::local_ip() const {
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
    return format_address(reinterpret_cast<sockaddr*>(&ss), false);
}

long Connection::tls_verify_result() const { return tls_ ? tls_->verify_result() : 0; }

void Connection::pause_reading() {
    user_paused_ = true;
    update_reading();
}

void Connection::resume_reading() {
    user_paused_ = false;
    update_reading();
    process_input();
}

void Connection::read_bytes(std::size_t n) {
    if (!lines_) {  // HandlerFrames: every byte goes to on_bytes() already
        log::error("connection_read_bytes_without_lines", {log::conn(id_)});
        close();
        return;
    }
    bytes_wanted_ = n;
    process_input();  // a no-op when called from inside a callback: the outer loop continues
}

void Connection::set_idle_timeout(std::chrono::milliseconds timeout) {
    options_.idle_timeout = timeout;
    if (timeout.count() <= 0) {
        uv_timer_stop(&timer_);
    } else {
        restart_idle_timer();
    }
}

void Connection::restart_idle_timer() {
    if (closing_ || options_.idle_timeout.count() <= 0) return;
    uv_timer_start(&timer_, &Connection::on_timer,
                   static_cast<std::uint64_t>(options_.idle_timeout.count()), 0);
}

void Connection::on_timer(uv_timer_t* t) {
    auto* c = static_cast<Connection*>(t->data);
    if (c->closing_) return;
    if (c->close_after_flush_ || !c->started_) {
        // A peer that stops reading our farewell, or never finishes a TLS handshake.
        log::info("connection_timeout", {log::conn(c->id_), log::Field("peer", c->peer_)});
        c->close();
        return;
    }
    c->handler_->on_timeout(*c);
}

std::weak_ptr<void> Connection::alive() {
    if (!alive_) alive_ = std::make_shared<char>(0);
    return alive_;
}

void Connection::close_after_flush() {
    if (closing()) return;
    if (deflate_) flush_compressor();  // before close_notify: the last reply goes out whole
    close_after_flush_ = true;
    update_reading();
    if (tls_ && tls_->handshake_done()) {
        tls_->shutdown();  // close_notify, so the peer can tell our end from a truncation
        flush_tls();
    }
    if (!closing_ && buffered_output() == 0) begin_shutdown();
}

void Connection::begin_shutdown() {
    if (shutdown_started_ || closing_) return;
    shutdown_started_ = true;
    // FIN before close: closing with unread input would send RST and could destroy the
    // farewell line before the peer reads it.
    int rc = uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp_),
                         [](uv_shutdown_t* req, int) {
                             static_cast<Connection*>(req->handle->data)->close();
                         });
    if (rc != 0) close();
}

void Connection::close() {
    if (closing_) return;
    // Output corked by process_input() has not been tried yet: give it the one
    // immediate attempt it would have had uncorked (a farewell line before the close).
    if (out_inflight_.empty() && !out_queued_.empty()) {
        uv_buf_t buf = uv_buf_init(out_queued_.data(), static_cast<unsigned>(out_queued_.size()));
        (void)uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1);
    }
    closing_ = true;
    if (reading_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::on_handle_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::on_handle_closed);
}

void Connection::on_handle_closed(uv_handle_t* h) {
    auto* c = static_cast<Connection*>(h->data);
    if (--c->open_handles_ == 0) c->finish();
}

void Connection::finish() {
    std::unique_ptr<Connection> me = std::move(self_);  // frees *this when we return
    handler_->on_closed(*this);
    slot_.release();
    loop_.remove_resident(this);
    alive_.reset();
    log::debug("connection_closed", {log::conn(id_), log::Field("peer", peer_)});
}

}  // namespace mr::net
