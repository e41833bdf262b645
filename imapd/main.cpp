// imapd: `imapd --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] imap / imaps itself. SIGTERM or
// SIGINT closes the listeners and every session (their store work already committed) and exits 0.
#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "common/config/config.hpp"
#include "common/util/file_modes.hpp"
#include "common/log/log.hpp"
#include "common/net/fd_limit.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "common/net/wakeup.hpp"
#include "imapd/server/imap_server.hpp"

int main(int argc, char** argv) {
    mr::util::restrict_umask();  // before anything can create a file
    std::string config_file;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_file = argv[++i];
        } else {
            std::cerr << "usage: imapd --config FILE\n";
            return 2;
        }
    }
    if (config_file.empty()) {
        std::cerr << "usage: imapd --config FILE\n";
        return 2;
    }
    // A client that hangs up while a reply is being written must cost an EPIPE on that
    // connection, not the process (libuv writes with write(2), which raises SIGPIPE).
    std::signal(SIGPIPE, SIG_IGN);
    mr::log::configure("imapd");
    auto cfg = mr::config::load_config(config_file);
    if (!cfg) {
        mr::log::error("config_error", {{"error", cfg.error().message}});
        return 1;
    }
    mr::log::configure("imapd", mr::log::parse_level(cfg->server.log_level).value_or(mr::log::Level::Info));
    // One descriptor per connection: the usual soft limit (1024) is far below what
    // [limits] max_connections allows.
    const std::size_t listeners = std::max<std::size_t>(cfg->listen.imap.size() + cfg->listen.imaps.size(), 1);
    mr::net::raise_fd_limit(mr::net::fds_wanted(listeners, static_cast<std::size_t>(cfg->limits.max_connections)));

    std::shared_ptr<mr::net::TlsContext> tls;
    if (!cfg->tls.cert.empty()) {
        auto ctx = mr::net::TlsContext::server(cfg->tls.cert, cfg->tls.key);
        if (!ctx) {
            mr::log::error("tls_error", {{"error", ctx.error().message}});
            return 1;
        }
        tls = std::move(ctx.value());
    }

    int status = 0;
    {
        mr::net::Loop loop;
        mr::imapd::server::ImapServer server(loop, *cfg, tls);
        if (auto r = server.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        // Deliveries (deliverd/queue_runner.cpp) and POP3 expunges send the user's address
        // here; without the socket, sessions still find changes at their slow IDLE poll.
        auto wakeups = mr::net::WakeupReceiver::open(
            loop, cfg->server.data_dir / "run" / "imapd.sock",
            [&server](std::string_view user) { server.wake_user(user); });
        if (!wakeups) mr::log::warn("wakeup_socket_failed", {{"error", wakeups.error().message}});
        mr::net::SignalWatcher signals(loop, [&](int signum) {
            mr::log::info("stopping", {{"signal", signum}});
            server.stop();
            loop.stop();
        });
        mr::log::info("started", {{"hostname", cfg->server.hostname}});
        loop.run();
    }
    mr::log::info("stopped");
    return status;
}
