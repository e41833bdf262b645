// Pop3Server: the listeners of pop3d. Runs on the loop thread only; what sessions share
// lives in SharedState (shared_state.hpp).
//
// Invariants:
// - Listeners come from MR_LISTEN_FDS ("pop3" = plaintext + STLS, "pop3s" = implicit TLS,
//   RFC 8314 §3.3) or, without it, from [listen] pop3 / pop3s of the config.
// - stop() closes the listeners and asks every open session to close; nothing is expunged
//   for a session that did not reach QUIT.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/listener.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "pop3d/server/shared_state.hpp"

namespace mr::pop3d::server {

// RFC 1939 §3 (rfc1939.txt:188): at least 10 minutes; [pop3] idle_timeout_s overrides.
inline constexpr std::chrono::minutes kIdleTimeout{10};

class Pop3Server {
public:
    Pop3Server(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls);
    ~Pop3Server();
    Pop3Server(const Pop3Server&) = delete;
    Pop3Server& operator=(const Pop3Server&) = delete;

    Result<void> start();
    void stop();

    void set_idle_timeout(std::chrono::milliseconds t) { idle_timeout_ = t; }  // tests

private:
    Result<void> add_listener(const std::string& name, int fd, const std::string& endpoint);
    net::ListenerOptions listener_options(const std::string& name) const;

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    std::shared_ptr<SharedState> shared_;
    std::chrono::milliseconds idle_timeout_ = kIdleTimeout;
};

}  // namespace mr::pop3d::server
