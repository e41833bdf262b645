// Outbound connections: Connection::connect, the client-side twin of Listener's accept.
// Invariants (besides connection.hpp's):
// - While connecting_, the Connection's timer is the connect timeout (on_connect_timeout),
//   not the idle timer; once connected, start() arms the idle timer as for accepted ones.
// - Exactly one of on_start / on_connect_failed reaches the handler (or neither, when the
//   owner close()s first); on_closed always comes last.
// - The uv_connect_t lives on the heap and is freed in its own callback, which libuv runs
//   (with UV_ECANCELED) even when the handle is closed while connecting.
#include <algorithm>

#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection.hpp"

namespace mr::net {

Connection* Connection::connect(Loop& loop, const sockaddr* address,
                                std::chrono::milliseconds connect_timeout, ConnectionOptions options,
                                std::unique_ptr<ConnectionHandler> handler) {
    Connection* c = create(loop, std::move(options));
    c->handler_ = std::move(handler);
    c->peer_ = format_address(address, true);
    c->peer_ip_ = format_address(address, false);
    loop.add_resident(c);

    auto* req = new uv_connect_t{};
    req->data = c;
    c->connecting_ = true;
    if (int rc = uv_tcp_connect(req, &c->tcp_, address, &Connection::on_connected); rc != 0) {
        delete req;
        // Report from the loop, not from inside connect(): the caller may not be ready for
        // callbacks before connect() has returned its pointer. A zero timer does that.
        c->connect_error_ = uv_strerror(rc);
        uv_timer_start(&c->timer_, &Connection::on_connect_timeout, 0, 0);
        return c;
    }
    uv_timer_start(&c->timer_, &Connection::on_connect_timeout,
                   static_cast<std::uint64_t>(std::max<std::int64_t>(connect_timeout.count(), 1)), 0);
    return c;
}

void Connection::on_connected(uv_connect_t* req, int status) {
    auto* c = static_cast<Connection*>(req->data);
    delete req;
    if (status == UV_ECANCELED || c->closing_) return;  // closed while connecting
    c->connecting_ = false;
    uv_timer_stop(&c->timer_);
    if (status != 0) {
        c->fail_connect(uv_strerror(status));
        return;
    }
    uv_tcp_nodelay(&c->tcp_, 1);
    log::debug("connection_connected", {log::conn(c->id_), log::Field("peer", c->peer_)});
    auto handler = std::move(c->handler_);
    c->start(std::move(handler), ConnectionSlot{});
}

void Connection::on_connect_timeout(uv_timer_t* t) {
    auto* c = static_cast<Connection*>(t->data);
    if (c->closing_ || !c->connecting_) return;
    c->fail_connect(c->connect_error_.empty() ? "connection timed out" : c->connect_error_);
}

void Connection::fail_connect(std::string_view reason) {
    connecting_ = false;
    log::debug("connection_connect_failed", {log::conn(id_), log::Field("peer", peer_),
                                             log::Field("error", reason)});
    handler_->on_connect_failed(*this, reason);
    close();
}

}  // namespace mr::net
