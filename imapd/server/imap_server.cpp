#include "imapd/server/imap_server.hpp"

#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "imapd/server/imap_handler.hpp"
#include "storage/directory.hpp"

namespace mr::imapd::server {

ImapServer::ImapServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls)
    : loop_(loop),
      cfg_(cfg),
      tls_(std::move(tls)),
      shared_(std::make_shared<SharedState>()),
      logins_(std::make_shared<net::LoginLimits>(static_cast<std::size_t>(cfg.imap.max_connections_per_user_ip))) {
    shared_->data_dir = cfg.server.data_dir;
    shared_->quotas = std::make_shared<QuotaReader>(shared_->data_dir / "directory.db");
    shared_->hostname = cfg.server.hostname;
    shared_->tls_available = tls_ != nullptr;
    shared_->allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    shared_->max_failures = static_cast<unsigned>(cfg.auth.max_failures);
    shared_->max_message_size = static_cast<std::uint64_t>(cfg.limits.max_message_size);
    shared_->max_command_line = static_cast<std::size_t>(cfg.imap.max_command_line);
    shared_->login_timeout = std::chrono::seconds(cfg.imap.login_timeout_s);
    shared_->idle_timeout = std::chrono::seconds(cfg.imap.idle_timeout_s);
    shared_->idle_keepalive = std::chrono::seconds(cfg.imap.idle_keepalive_secs);
    shared_->auth = std::make_shared<net::Authenticator>(cfg, "imap");
}

// Checks still running post to the loop: they must end before it is destroyed.
ImapServer::~ImapServer() { shared_->auth->stop(); }

net::ListenerOptions ImapServer::listener_options(const std::string& name) const {
    net::ListenerOptions o;
    o.name = name;
    o.max_connections = static_cast<std::size_t>(cfg_.limits.max_connections);
    o.max_unauthenticated_per_ip = static_cast<std::size_t>(cfg_.limits.max_connections_per_ip);
    o.logins = logins_;
    o.busy_line = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";
    // The handler frames the bytes with CommandReader, which enforces the command-line
    // limit (imap.max_command_line) and the literal limits itself.
    o.connection.framing = net::HandlerFrames{};
    o.connection.idle_timeout = shared_->login_timeout;
    o.connection.tls = tls_;
    o.connection.implicit_tls = name == "imaps";
    return o;
}

Result<void> ImapServer::add_listener(const std::string& name, int fd, const std::string& endpoint) {
    const bool implicit = name == "imaps";
    if (implicit && !tls_) return Error::internal("imaps needs a TLS certificate ([tls] cert/key)");
    auto listener = std::make_unique<net::Listener>(
        loop_, listener_options(name), [shared = shared_, name, implicit](net::Connection& c) {
            return std::make_unique<ImapHandler>(shared, c, name, implicit);
        });
    auto r = fd >= 0 ? listener->adopt(fd) : listener->listen(endpoint);
    if (!r) return r.error();
    listeners_.push_back(std::move(listener));
    return {};
}

Result<void> ImapServer::start() {
    auto opened = net::open_listeners({{"imap", cfg_.listen.imap}, {"imaps", cfg_.listen.imaps}},
                                      [this](const std::string& name, int fd, const std::string& endpoint) {
                                          return add_listener(name, fd, endpoint);
                                      });
    if (!opened) return opened;
    if (listeners_.empty()) return Error::internal("no imap or imaps listener configured");
    return {};
}

void ImapServer::wake_user(std::string_view user) { shared_->sessions.wake(user); }

void ImapServer::stop() {
    listeners_.clear();
    loop_.close_residents();
}

}  // namespace mr::imapd::server
