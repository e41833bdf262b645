// ProxyGate: the first handler of a connection to a PROXY protocol listener
// (ListenerOptions::proxy). It reads the HAProxy PROXY header the load balancer sends
// first (common/text/proxy_header.hpp), makes the client it names the connection's peer,
// counts the connection under that address, and only then hands the connection to the
// listener's own handler, which starts the protocol (greeting) as on any other listener.
//
// Invariants:
// - The Listener lets only peers of its trusted networks get here; a gate never sends a
//   byte before the header is complete, and closes (with one log line, event=proxy_refused)
//   on a malformed header or none within header_timeout.
// - Connection limits count the address from the header: the connection takes its slot
//   (ConnectionLimits::try_acquire under that address) when the header is complete; over a
//   limit it gets busy_line and is closed, like a connection refused at accept. Before
//   that it counts nowhere: only trusted balancers reach this state, for header_timeout.
// - v2 LOCAL and v1 UNKNOWN headers leave the real peer (the balancer) in place.
// - The bytes after the header are handed back to the connection (Connection::unread), so
//   the protocol handler receives them through the ordinary input path, after its on_start
//   and subject to its pause_reading().
// - Connection framing is HandlerFrames (every byte to on_bytes); once the protocol handler
//   exists every callback is forwarded to it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/net/connection.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/listener.hpp"
#include "common/text/proxy_header.hpp"

namespace mr::net {

class ProxyGate final : public ConnectionHandler {
public:
    struct Params {
        std::string listener;  // for logs
        std::shared_ptr<ConnectionLimits> limits;
        std::shared_ptr<LoginLimits> logins;
        HandlerFactory factory;  // the listener's protocol handler
        std::string busy_line;
        std::chrono::milliseconds header_timeout{5000};
    };
    explicit ProxyGate(Params params) : p_(std::move(params)) {}

    void on_start(Connection& c) override;
    void on_bytes(Connection& c, std::string_view chunk, std::size_t remaining) override;
    void on_timeout(Connection& c) override;
    void on_closed(Connection& c) override;
    void on_line(Connection& c, std::string_view line, LineEnd end) override;
    void on_line_too_long(Connection& c) override;
    void on_refused_line(Connection& c, const text::RefusedLine& why) override;
    void on_tls_ready(Connection& c) override;
    void on_drain(Connection& c) override;

private:
    void header_done(Connection& c, std::size_t rest);

    Params p_;
    text::ProxyHeaderReader reader_;  // the header so far (bounded by its framing)
    std::chrono::milliseconds protocol_timeout_{0};
    std::unique_ptr<ConnectionHandler> inner_;
};

}  // namespace mr::net
