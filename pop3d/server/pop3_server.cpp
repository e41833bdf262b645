#include "pop3d/server/pop3_server.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/connection_limits.hpp"
#include "common/net/thread_pool.hpp"
#include "pop3d/server/pop3_handler.hpp"
#include "storage/directory.hpp"

namespace mr::pop3d::server {

std::shared_ptr<SharedState> make_shared_state(const config::Config& cfg, bool tls_available) {
    auto shared = std::make_shared<SharedState>();
    shared->data_dir = cfg.server.data_dir;
    shared->hostname = cfg.server.hostname;
    shared->tls_available = tls_available;
    shared->allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    shared->max_failures = static_cast<unsigned>(cfg.auth.max_failures);
        shared->auth = std::make_shared<net::Authenticator>(cfg, "pop3");
    return shared;
}

Pop3Server::Pop3Server(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls,
                       std::shared_ptr<SharedState> shared, unsigned loop_index)
    : loop_(loop),
      cfg_(cfg),
      tls_(std::move(tls)),
      shared_(shared ? std::move(shared) : make_shared_state(cfg, tls_ != nullptr)),
      stores_(std::make_shared<storage::StorePoolRegistry>(storage::StorePoolRegistry::Settings{
          .release = [&loop](std::shared_ptr<storage::StorePool> pool) {
              net::run_off_loop(loop, [p = std::move(pool)]() mutable { p.reset(); }, [] {});
          }})),
      loop_index_(loop_index) {
    idle_timeout_ = std::chrono::seconds(cfg.pop3.idle_timeout_s);
    login_timeout_ = std::chrono::seconds(cfg.pop3.login_timeout_s);
}

// Checks still running post to the loops: they must end before any loop does (all loops
// have stopped running by now; the other servers find the checker already stopped).
Pop3Server::~Pop3Server() { shared_->auth->stop(); }

net::ListenerOptions Pop3Server::listener_options(const std::string& name,
                                                  std::shared_ptr<net::ConnectionLimits> limits) const {
    net::ListenerOptions o;
    o.name = name;
    o.max_connections = static_cast<std::size_t>(cfg_.limits.max_connections);
    o.max_unauthenticated_per_ip = static_cast<std::size_t>(cfg_.limits.max_connections_per_ip);
    o.busy_line = "-ERR [SYS/TEMP] Too many connections, try again later\r\n";
    o.connection.framing = kCommandLines;
    o.connection.idle_timeout = login_timeout_;  // the handler sets idle_timeout_ at login
    o.connection.tls = tls_;
    o.connection.implicit_tls = name == "pop3s";
    o.shared_limits = std::move(limits);
    return o;
}

Result<void> Pop3Server::add_listener(const std::string& name, int fd, const std::string& endpoint,
                                      std::shared_ptr<net::ConnectionLimits> limits) {
    const bool implicit = name == "pop3s";
    if (implicit && !tls_) return Error::internal("pop3s needs a TLS certificate ([tls] cert/key)");
    if (!limits) {
        limits = std::make_shared<net::ConnectionLimits>(static_cast<std::size_t>(cfg_.limits.max_connections),
                                                         static_cast<std::size_t>(cfg_.limits.max_connections_per_ip));
    }
    auto listener = std::make_unique<net::Listener>(
        loop_, listener_options(name, limits),
        [shared = shared_, stores = stores_, name, implicit, index = loop_index_,
         idle = idle_timeout_](net::Connection& c) {
            return std::make_unique<Pop3Handler>(shared, stores, c, name, implicit, index, idle);
        });
    auto r = fd >= 0 ? listener->adopt(fd) : listener->listen(endpoint);
    if (!r) return r.error();  // pop3d exits: a leaked fd does not matter
    shared_listeners_.push_back({name, listener->fd(), std::move(limits)});
    listeners_.push_back(std::move(listener));
    return {};
}

Result<void> Pop3Server::start() {
    auto opened = net::open_listeners({{"pop3", cfg_.listen.pop3}, {"pop3s", cfg_.listen.pop3s}},
                                      [this](const std::string& name, int fd, const std::string& endpoint) {
                                          return add_listener(name, fd, endpoint, nullptr);
                                      });
    if (!opened) return opened;
    if (listeners_.empty()) return Error::internal("no pop3 or pop3s listener configured");
    return {};
}

Result<void> Pop3Server::start(const std::vector<SharedListener>& first) {
    for (const auto& l : first) {
        // The dup shares the socket (one accept queue); each loop closes only its own fd.
        int fd = fcntl(l.fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return Error::internal("cannot dup the " + l.name + " socket: " + std::strerror(errno));
        if (auto r = add_listener(l.name, fd, "", l.limits); !r) return r;
    }
    if (listeners_.empty()) return Error::internal("no pop3 or pop3s listener to share");
    return {};
}

std::vector<SharedListener> Pop3Server::listeners() const { return shared_listeners_; }

void Pop3Server::stop() {
    listeners_.clear();
    shared_listeners_.clear();
    loop_.close_residents();
}

}  // namespace mr::pop3d::server
