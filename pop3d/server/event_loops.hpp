// EventLoops: pop3d's N event loops, one thread each, all accepting on the same listening
// sockets, so that parallel sessions use every core (issue 5: Dovecot runs a process per
// connection; one loop would leave the other cores idle).
//
// Invariants:
// - Loop 0 runs on the thread that calls run() (main, with the signal watcher); loops
//   1..N-1 run on threads of their own. Every Loop and Pop3Server is made and started on
//   the calling thread before any loop thread exists, and destroyed there after every loop
//   thread has been joined: a loop is only ever touched by one thread at a time.
// - Loop 0 binds (or adopts MR_LISTEN_FDS); every other loop adopts a dup of each socket
//   (Pop3Server::start(first)). The kernel wakes every loop for a new connection and one of
//   them accepts it; UV_TCP_SINGLE_ACCEPT makes a loop yield after each accept, so a burst
//   of connections is spread over the loops instead of landing on the one that woke first.
// - A session lives on the loop that accepted it until it ends. What sessions of different
//   loops share is thread-safe: SharedState (maildrop locks, failure tally: one mutex), the
//   ConnectionLimits of each socket (one mutex), the TLS context (an SSL_CTX, which OpenSSL
//   allows to be shared once configured), the config (read-only), the libuv thread pool
//   (process-wide, made for several loops), the log (one write(2) per line). Per-loop:
//   the read buffer (net::Loop) and the RETR fast-path buffers (thread_local).
// - stop() is thread-safe and acts once: it posts "close listeners and sessions, stop" to every loop.
//   run() returns once every loop has stopped; nothing is expunged for sessions cut short.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/util/result.hpp"
#include "pop3d/server/pop3_server.hpp"
#include "pop3d/server/shared_state.hpp"

namespace mr::pop3d::server {

// [pop3] threads = 0: one loop per CPU, at most this many.
inline constexpr unsigned kMaxDefaultLoops = 8;

// The loop count for [pop3] threads (0 = one per CPU, capped at kMaxDefaultLoops).
unsigned loop_count(std::int64_t configured);

class EventLoops {
public:
    EventLoops(const config::Config& cfg, std::shared_ptr<net::TlsContext> tls, unsigned count);
    ~EventLoops();
    EventLoops(const EventLoops&) = delete;
    EventLoops& operator=(const EventLoops&) = delete;

    // Makes the listeners of every loop; nothing runs yet.
    Result<void> start();
    // Starts loops 1..N-1 on their threads, runs loop 0 here until stop(), joins the others.
    void run();
    // Thread-safe.
    void stop();

    net::Loop& first_loop() { return *units_.front()->loop; }
    std::size_t size() const { return units_.size(); }
    const std::shared_ptr<SharedState>& shared() const { return shared_; }

private:
    struct Unit {
        std::unique_ptr<net::Loop> loop;
        std::unique_ptr<Pop3Server> server;  // destroyed before its loop
        std::thread thread;                  // none for loop 0
    };

    std::shared_ptr<SharedState> shared_;
    std::vector<std::unique_ptr<Unit>> units_;
    std::atomic<bool> stopping_{false};
};

}  // namespace mr::pop3d::server
