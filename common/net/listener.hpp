// mr::net::Listener — accepts TCP connections on one socket and gives each a handler.
//
// Invariants:
// - One Listener = one listening socket, made by listen("127.0.0.1:25" | "[::1]:143" |
//   "0.0.0.0:25" | "[::]:25") or adopted from the supervisor with adopt(fd). IPv6 sockets are
//   IPV6_V6ONLY so "0.0.0.0:25" and "[::]:25" can both be configured.
// - Limits are checked at accept, before a handler exists: over max_connections in total or
//   max_unauthenticated_per_ip not-yet-logged-in connections from one address, the
//   connection gets busy_line (plaintext listeners) and is closed; it never reaches the
//   protocol and is not counted. Nor is one whose peer reset it before it was accepted (no
//   address to count it under). A connection that logs in (Connection::count_login) leaves
//   the per-address count and takes a per-(user, address) one from `logins`
//   (connection_limits.hpp).
// - A PROXY protocol listener (options.proxy) drops a connection whose TCP peer is outside
//   its trusted networks at accept (one log line, no byte sent); the others get a
//   ProxyGate (proxy_gate.hpp), which reads the header, takes the limits under the address
//   it names, and then makes the handler. Such a listener is plaintext at accept (the
//   header comes first), so it cannot also be implicit TLS.
// - Destroying the Listener stops accepting at once; open connections live on (they own
//   themselves, and the shared ConnectionLimits) until they close or the Loop shuts down.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/connection.hpp"
#include "common/net/loop.hpp"
#include "common/text/ip_network.hpp"
#include "common/util/result.hpp"

namespace mr::net {

class ConnectionLimits;
class LoginLimits;

// Connections start with a HAProxy PROXY header (load balancers); see proxy_gate.hpp.
struct ProxyProtocolOptions {
    std::vector<text::IpNetwork> trusted;  // peers allowed to send one; empty = nobody
    std::chrono::milliseconds header_timeout{5000};
};

struct ListenerOptions {
    std::string name = "listener";  // for logs: "smtp", "submission", "imaps", ...
    std::size_t max_connections = 1000;            // 0: unlimited
    std::size_t max_unauthenticated_per_ip = 20;  // 0: unlimited
    // Logged-in connections per (user, address), shared by the daemon's listeners. Null: not
    // bounded (Connection::count_login always succeeds).
    std::shared_ptr<LoginLimits> logins;
    // Written to a connection refused by a limit, e.g. "421 4.7.0 Too many connections\r\n".
    std::string busy_line;
    int backlog = 511;
    ConnectionOptions connection;  // per-connection framing, timeout, TLS
    // Null: this Listener counts its own connections. Set: the limits are shared with other
    // Listeners (several loops of one daemon accepting on dups of one socket).
    std::shared_ptr<ConnectionLimits> shared_limits;
    std::optional<ProxyProtocolOptions> proxy;  // set: a PROXY protocol listener
};

using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection&)>;

class Listener {
public:
    Listener(Loop& loop, ListenerOptions options, HandlerFactory factory);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Binds and listens. Port 0 picks a free port (see port()).
    Result<void> listen(std::string_view address);
    // Takes over an already bound and listening TCP socket (inherited from `mailroom up`).
    // The fd is owned by the Listener from then on and gets FD_CLOEXEC.
    Result<void> adopt(int fd);

    std::string local_address() const;  // "127.0.0.1:20025"
    int port() const;
    // The listening socket (still owned by the Listener), e.g. to dup() for another loop; -1
    // before listen()/adopt().
    int fd() const;
    std::size_t connection_count() const;
    const ListenerOptions& options() const { return options_; }

private:
    static void on_connection(uv_stream_t* server, int status);
    void accept_proxied(Connection* c);
    Result<void> start_listening(std::string_view what);

    Loop& loop_;
    ListenerOptions options_;
    HandlerFactory factory_;
    uv_tcp_t* server_;  // heap: freed in its close callback (may outlive this object briefly)
    std::shared_ptr<ConnectionLimits> limits_;
    bool bound_ = false;
};

}  // namespace mr::net
