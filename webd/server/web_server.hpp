// WebServer: webd's listeners ("http", "https") on one event loop, and the Site its
// sessions read.
//
// Invariants:
// - Listeners come from MR_LISTEN_FDS ("http", "https") or, without it, from [http] listen
//   and tls_listen. "https" is implicit TLS with the [tls] certificate, like imaps/pop3s.
// - Limits: [http] max_connections per listening socket and [limits] max_connections_per_ip
//   per client address (HTTP has no login, so every connection counts); a whole request
//   within [http] request_timeout_s of the connection's start or of the previous answer,
//   else 408 and close (a client trickling bytes cannot hold a connection: the idle
//   timeout alone restarts on each byte); header and body sizes in the reader.
// - The hosted domains are read from directory.db at start and again every
//   kDomainRefresh on the thread pool; the loop never waits for SQLite. A domain added with
//   `mailroom domain add` is served within that time. A failed read keeps the last list.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/listener.hpp"
#include "common/net/loop.hpp"
#include "common/net/timer.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "webd/proto/request_reader.hpp"
#include "webd/proto/site.hpp"

namespace mr::webd::server {

inline constexpr std::chrono::seconds kDomainRefresh{30};

class WebServer {
public:
    WebServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    Result<void> start();
    void stop();

private:
    Result<void> add_listener(const std::string& name, int fd, const std::string& endpoint);
    void refresh_domains();

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    proto::ReaderLimits limits_;
    // Swapped whole on refresh; each session holds this shared pointer and reads the
    // current Site at every request.
    std::shared_ptr<std::shared_ptr<const proto::Site>> site_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    net::Timer refresh_timer_;
    std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace mr::webd::server
