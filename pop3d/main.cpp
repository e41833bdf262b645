// pop3d: `pop3d --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] pop3 / pop3s itself. Runs [pop3]
// threads event loops (pop3d/server/event_loops.hpp). SIGTERM or SIGINT closes the
// listeners and every session of every loop (none reaches UPDATE) and exits 0.
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
#include "pop3d/server/event_loops.hpp"

int main(int argc, char** argv) {
    mr::util::restrict_umask();  // before anything can create a file
    // A peer that hangs up while we write costs an EPIPE on that connection, not the
    // process (libuv writes with write(2), which raises SIGPIPE).
    std::signal(SIGPIPE, SIG_IGN);
    std::string config_file;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_file = argv[++i];
        } else {
            std::cerr << "usage: pop3d --config FILE\n";
            return 2;
        }
    }
    if (config_file.empty()) {
        std::cerr << "usage: pop3d --config FILE\n";
        return 2;
    }
    mr::log::configure("pop3d");
    auto cfg = mr::config::load_config(config_file);
    if (!cfg) {
        mr::log::error("config_error", {{"error", cfg.error().message}});
        return 1;
    }
    mr::log::configure("pop3d", mr::log::parse_level(cfg->server.log_level).value_or(mr::log::Level::Info));
    // One descriptor per connection: the usual soft limit (1024) is far below what
    // [limits] max_connections allows.
    const std::size_t listeners = std::max<std::size_t>(cfg->listen.pop3.size() + cfg->listen.pop3s.size(), 1);
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
        mr::pop3d::server::EventLoops loops(*cfg, tls, mr::pop3d::server::loop_count(cfg->pop3.threads));
        if (auto r = loops.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::SignalWatcher signals(loops.first_loop(), [&](int signum) {
            mr::log::info("stopping", {{"signal", signum}});
            loops.stop();
        });
        mr::log::info("started", {{"hostname", cfg->server.hostname}, {"loops", loops.size()}});
        loops.run();
    }
    mr::log::info("stopped");
    return status;
}
