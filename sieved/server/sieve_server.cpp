#include "sieved/server/sieve_server.hpp"

#include "common/log/log.hpp"
#include "common/net/address.hpp"

namespace mr::sieved::server {

SieveServer::SieveServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls)
    : loop_(loop), cfg_(cfg), tls_(std::move(tls)), settings_(std::make_shared<Settings>()) {
    settings_->data_dir = cfg.server.data_dir;
    settings_->tls_available = tls_ != nullptr;
    settings_->allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    settings_->max_failures = static_cast<unsigned>(cfg.auth.max_failures);
    settings_->auth = std::make_shared<net::Authenticator>(cfg, "managesieve");
}

// Checks still running post to the loop: they must end before it does.
SieveServer::~SieveServer() { settings_->auth->stop(); }

Result<void> SieveServer::add_listener(int fd, const std::string& endpoint) {
    net::ListenerOptions o;
    o.name = "managesieve";
    o.max_connections = static_cast<std::size_t>(cfg_.limits.max_connections);
    o.max_unauthenticated_per_ip = static_cast<std::size_t>(cfg_.limits.max_connections_per_ip);
    o.busy_line = "BYE \"Too many connections, try again later\"\r\n";
    o.connection.framing = net::HandlerFrames{};
    o.connection.idle_timeout = kLoginTimeout;  // the handler sets the longer one at login
    o.connection.tls = tls_;
    auto listener = std::make_unique<net::Listener>(loop_, std::move(o), [settings = settings_](net::Connection& c) {
        return std::make_unique<SieveHandler>(settings, c, "managesieve");
    });
    auto r = fd >= 0 ? listener->adopt(fd) : listener->listen(endpoint);
    if (!r) return r.error();
    listeners_.push_back(std::move(listener));
    return {};
}

Result<void> SieveServer::start() {
    auto opened = net::open_listeners({{"managesieve", cfg_.listen.managesieve}},
                                      [this](const std::string&, int fd, const std::string& endpoint) {
                                          return add_listener(fd, endpoint);
                                      });
    if (!opened) return opened;
    if (listeners_.empty()) return Error::internal("no managesieve listener configured");
    return {};
}

void SieveServer::stop() {
    listeners_.clear();
    loop_.close_residents();
}

}  // namespace mr::sieved::server
