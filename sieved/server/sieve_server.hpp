// SieveServer: sieved's listeners ([listen] managesieve, RFC 5804: plaintext with STARTTLS;
// there is no implicit-TLS port) on one event loop. ManageSieve traffic is a few commands
// per script edit, so one loop serves it; script commands run on the thread pool.
//
// Invariants:
// - The listeners come from MR_LISTEN_FDS ("managesieve") or, without it, from the config.
// - Connection limits are [limits] max_connections / max_connections_per_ip per socket;
//   before login the idle timeout is kLoginTimeout, after it Settings::idle_timeout.
// - stop() closes the listeners and every session.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/listener.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "sieved/server/sieve_handler.hpp"

namespace mr::sieved::server {

inline constexpr std::chrono::seconds kLoginTimeout{60};

class SieveServer {
public:
    SieveServer(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls);
    ~SieveServer();
    SieveServer(const SieveServer&) = delete;
    SieveServer& operator=(const SieveServer&) = delete;

    Result<void> start();
    void stop();

private:
    Result<void> add_listener(int fd, const std::string& endpoint);

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    std::shared_ptr<Settings> settings_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
};

}  // namespace mr::sieved::server
