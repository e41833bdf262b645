// Pop3Server: the listeners of one pop3d event loop. Runs on its loop's thread only (or
// before that loop runs); what sessions of all loops share lives in SharedState
// (shared_state.hpp). EventLoops (event_loops.hpp) makes one per loop.
//
// Invariants:
// - The first loop's listeners come from MR_LISTEN_FDS ("pop3" = plaintext + STLS,
//   "pop3s" = implicit TLS, RFC 8314 §3.3) or, without it, from [listen] pop3 / pop3s of the
//   config. Every other loop adopts a dup() of each of those sockets, so the kernel hands
//   each new connection to one of the loops.
// - The connection limits ([limits] max_connections, max_connections_per_ip) of one
//   listening socket are one ConnectionLimits shared by all loops: they hold per process.
//   max_connections_per_ip counts the connections not logged in; a session leaves it at
//   login (no per-user bound: the maildrop lock allows one session per user anyway).
// - Before login the idle timeout is [pop3] login_timeout_s, after it idle_timeout_s.
// - Each loop keeps its own storage::StorePoolRegistry (the registry is used by one thread):
//   the stores its sessions' UPDATE writes borrow, lingering after a session ends; a pool
//   the registry lets go is closed on a pool thread (closing checkpoints the WAL).
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
#include "storage/store_pool.hpp"

namespace mr::pop3d::server {

// RFC 1939 §3 (rfc1939.txt:188): at least 10 minutes; [pop3] idle_timeout_s overrides.
inline constexpr std::chrono::minutes kIdleTimeout{10};

// One listening socket as the loops share it.
struct SharedListener {
    std::string name;  // "pop3" | "pop3s"
    int fd = -1;       // owned by the first loop's Listener; the others adopt a dup
    std::shared_ptr<net::ConnectionLimits> limits;
};

// The settings part of SharedState, from the config.
std::shared_ptr<SharedState> make_shared_state(const config::Config& cfg, bool tls_available);

class Pop3Server {
public:
    // `shared` null: a state of its own (a single-loop server, as in tests).
    Pop3Server(net::Loop& loop, const config::Config& cfg, std::shared_ptr<net::TlsContext> tls,
               std::shared_ptr<SharedState> shared = nullptr, unsigned loop_index = 0);
    ~Pop3Server();
    Pop3Server(const Pop3Server&) = delete;
    Pop3Server& operator=(const Pop3Server&) = delete;

    // First loop: binds, or adopts the sockets of MR_LISTEN_FDS.
    Result<void> start();
    // Other loops: adopts a dup of each socket of the first loop's listeners().
    Result<void> start(const std::vector<SharedListener>& first);
    std::vector<SharedListener> listeners() const;
    void stop();

    void set_idle_timeout(std::chrono::milliseconds t) { idle_timeout_ = t; }  // tests

private:
    Result<void> add_listener(const std::string& name, int fd, const std::string& endpoint,
                              std::shared_ptr<net::ConnectionLimits> limits);
    net::ListenerOptions listener_options(const std::string& name,
                                          std::shared_ptr<net::ConnectionLimits> limits) const;

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<net::TlsContext> tls_;
    std::vector<std::unique_ptr<net::Listener>> listeners_;
    std::vector<SharedListener> shared_listeners_;  // parallel to listeners_
    std::shared_ptr<SharedState> shared_;
    // Held by the sessions too: one may close after this server is gone (inside ~Loop).
    std::shared_ptr<storage::StorePoolRegistry> stores_;
    unsigned loop_index_;
    std::chrono::milliseconds idle_timeout_ = kIdleTimeout;
    std::chrono::milliseconds login_timeout_ = kIdleTimeout;
};

}  // namespace mr::pop3d::server
