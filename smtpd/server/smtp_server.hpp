// SmtpServer: the listeners of smtpd. Runs on the loop thread only; what sessions share
// lives in SharedState (shared_state.hpp).
//
// Invariants:
// - Listeners come from MR_LISTEN_FDS ("smtp" = inbound, "submission" = STARTTLS then AUTH,
//   "submissions" = implicit TLS, RFC 8314 §3.3, "smtp_proxy" = inbound behind a load
//   balancer) or, without it, from [listen] of the config.
// - The listener name alone decides a session's role: "smtp" and "smtp_proxy" are inbound.
// - smtp_proxy connections start with a PROXY protocol header (net::ProxyGate), accepted
//   from [listen] proxy_trusted peers only; the session, its Received: field and the
//   connection limits see the client the header names.
// - Connection limits ([limits] max_connections, max_connections_per_ip) are enforced at
//   accept with "421 4.7.0" (plaintext listeners), per listening socket: connections to the
//   other listeners (or to imapd, pop3d) never use up inbound SMTP's. Inbound sessions never
//   log in, so max_connections_per_ip bounds all of them per address; a submission session
//   leaves that count on AUTH and holds one of its user's
//   [submission] max_connections_per_user_ip from that address (submission and
//   submissions together) instead; over it AUTH gets 454 4.7.0.
// - stop() closes the listeners and every session; a message not yet committed is not
//   answered 250, so its client will send it again.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/listener.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "smtpd/server/shared_state.hpp"

namespace mr::smtpd::server {

class SmtpServer {
public:
    SmtpServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls);
    ~SmtpServer();
    SmtpServer(const SmtpServer&) = delete;
    SmtpServer& operator=(const SmtpServer&) = delete;

    Result<void> start();
    void stop();

private:
    Result<void> add_listener(const std::string& name, int fd, const std::string& endpoint);
    net::ListenerOptions listener_options(const std::string& name) const;

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    std::shared_ptr<SharedState> shared_;
    std::shared_ptr<net::LoginLimits> submission_logins_;
};

}  // namespace mr::smtpd::server
