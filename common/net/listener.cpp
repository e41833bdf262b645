// See listener.hpp.
#include "common/net/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/log/log.hpp"
#include "common/metrics/counters.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/proxy_gate.hpp"

namespace mr::net {

Listener::Listener(Loop& loop, ListenerOptions options, HandlerFactory factory)
    : loop_(loop),
      options_(std::move(options)),
      factory_(std::move(factory)),
      server_(new uv_tcp_t{}),
      limits_(options_.shared_limits
                  ? options_.shared_limits
                  : std::make_shared<ConnectionLimits>(options_.max_connections,
                                                       options_.max_unauthenticated_per_ip)) {
    uv_tcp_init(loop_.raw(), server_);
    server_->data = this;
}

Listener::~Listener() {
    server_->data = nullptr;
    close_and_delete(server_);
}

Result<void> Listener::listen(std::string_view address) {
    if (bound_) return Error::internal("listener already has a socket");
    auto addr = parse_listen_address(address);
    if (!addr) return addr.error();
    unsigned flags = addr->family() == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    if (int rc = uv_tcp_bind(server_, addr->get(), flags); rc != 0) {
        return Error::internal("cannot bind " + std::string(address) + ": " + uv_strerror(rc));
    }
    return start_listening(address);
}

Result<void> Listener::adopt(int fd) {
    if (bound_) return Error::internal("listener already has a socket");
    int type = 0, accepting = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
        return Error::internal("fd " + std::to_string(fd) + " is not a stream socket");
    }
    len = sizeof accepting;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || accepting == 0) {
        return Error::internal("fd " + std::to_string(fd) + " is not a listening socket");
    }
    // Daemons start helpers of their own; the listening socket must not leak into them.
    int fdflags = fcntl(fd, F_GETFD);
    if (fdflags >= 0) fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC);
    if (int rc = uv_tcp_open(server_, fd); rc != 0) {
        return Error::internal("cannot adopt fd " + std::to_string(fd) + ": " + uv_strerror(rc));
    }
    return start_listening("fd " + std::to_string(fd));
}

Result<void> Listener::start_listening(std::string_view what) {
    if (options_.proxy && options_.connection.implicit_tls) {
        return Error::internal("listener " + options_.name + ": a PROXY protocol listener cannot be implicit TLS");
    }
    if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(server_), options_.backlog,
                           &Listener::on_connection);
        rc != 0) {
        return Error::internal("cannot listen on " + std::string(what) + ": " + uv_strerror(rc));
    }
    bound_ = true;
    log::info("listening", {log::Field("listener", options_.name),
                            log::Field("address", local_address()),
                            log::Field("tls", options_.connection.implicit_tls ? "implicit" : (options_.connection.tls ? "starttls" : "none"))});
    return {};
}

std::string Listener::local_address() const {
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getsockname(server_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
    return format_address(reinterpret_cast<sockaddr*>(&ss), true);
}

int Listener::port() const {
    std::string a = local_address();
    std::size_t colon = a.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(a.c_str() + colon + 1);
}

int Listener::fd() const {
    uv_os_fd_t fd = -1;
    if (!bound_ || uv_fileno(reinterpret_cast<const uv_handle_t*>(server_), &fd) != 0) return -1;
    return fd;
}

std::size_t Listener::connection_count() const { return limits_->total(); }

void Listener::on_connection(uv_stream_t* server, int status) {
    auto* self = static_cast<Listener*>(server->data);
    if (self == nullptr) return;
    if (status < 0) {
        // EMFILE and friends: log and keep listening; the kernel queue holds the client.
        log::warn("accept_failed", {log::Field("listener", self->options_.name),
                                    log::Field("error", uv_strerror(status))});
        return;
    }
    Connection* c = Connection::accept(self->loop_, server, self->options_.connection);
    if (c == nullptr) return;
    if (self->options_.proxy) {
        self->accept_proxied(c);
        return;
    }
    auto verdict = self->limits_->try_acquire(c->peer_ip());
    if (verdict != ConnectionLimits::Verdict::Accepted) {
        metrics::add(metrics::Slot::RejectRate);
        log::info("connection_refused",
                  {log::conn(c->id()), log::Field("listener", self->options_.name),
                   log::Field("peer", c->peer()),
                   log::Field("reason", verdict == ConnectionLimits::Verdict::TooManyTotal
                                            ? "max_connections"
                                            : "max_unauthenticated_per_ip")});
        c->reject(self->options_.busy_line);
        return;
    }
    metrics::add(metrics::Slot::Connections);
    log::debug("connection_accepted", {log::conn(c->id()), log::Field("listener", self->options_.name),
                                       log::Field("peer", c->peer())});
    ConnectionSlot slot(self->limits_, self->options_.logins, c->peer_ip());
    auto handler = self->factory_(*c);
    if (!handler) {
        c->slot_ = std::move(slot);  // the slot was taken; finish() gives it back
        c->close();
        return;
    }
    c->start(std::move(handler), std::move(slot));
}

void Listener::accept_proxied(Connection* c) {
    const auto& trusted = options_.proxy->trusted;
    const bool ok = std::any_of(trusted.begin(), trusted.end(),
                                [&](const text::IpNetwork& n) { return text::network_contains(n, c->peer_ip()); });
    if (!ok) {
        log::info("proxy_refused", {log::conn(c->id()), log::Field("listener", options_.name),
                                    log::Field("peer", c->peer()), log::Field("reason", "peer not in proxy_trusted")});
        c->reject("");
        return;
    }
    ProxyGate::Params p;
    p.listener = options_.name;
    p.limits = limits_;
    p.logins = options_.logins;
    p.factory = factory_;
    p.busy_line = options_.busy_line;
    p.header_timeout = options_.proxy->header_timeout;
    c->start(std::make_unique<ProxyGate>(std::move(p)), ConnectionSlot{});
}

}  // namespace mr::net
