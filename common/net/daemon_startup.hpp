// start_daemon: what every daemon does before its first loop runs, in one place.
//
// Each daemon is `NAME --config FILE`. Before serving anything it restricts its umask
// (before any file can be created), ignores SIGPIPE (a peer that hangs up while we write
// costs an EPIPE on that connection, not the process: libuv writes with write(2)),
// configures logging with the config's level, raises its descriptor limit to what its
// listeners and [limits] max_connections need, and loads the server TLS context when
// [tls] names a certificate (the ACME one instead once obtained, common/acme/store.hpp).
// SIGHUP makes that context re-read its files before the next handshake (tls_context.hpp);
// every daemon takes SIGHUP so `mailroom reload` can signal all of them. Any failure is
// logged and becomes the exit status: 2 for a wrong command line, 1 for a config or key
// that cannot be used.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"

namespace mr::net {

struct DaemonKind {
    std::string_view name;  // program and log name: "imapd"
    // The listening sockets the daemon serves, for its descriptor limit; null: it has none
    // (deliverd), and the limit is left alone.
    std::size_t (*listener_count)(const config::Config&) = nullptr;
    bool server_tls = false;  // loads [tls] cert/key when the config names them
};

struct DaemonStart {
    config::Config config;
    std::shared_ptr<TlsContext> tls;  // null without server_tls or without [tls] cert
};

struct DaemonStartResult {
    std::optional<DaemonStart> daemon;
    int exit_status = 0;  // when daemon is empty: what main() returns
};

DaemonStartResult start_daemon(const DaemonKind& kind, int argc, char** argv);

// Runs `loop` until SIGTERM or SIGINT, which call `stop` (the daemon closes its listeners
// and sessions) and then stop the loop; logs "started" first and "stopping" at the signal.
void run_until_signal(Loop& loop, const config::Config& cfg, const std::function<void()>& stop);

}  // namespace mr::net
