#include "common/net/daemon_startup.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "common/acme/store.hpp"
#include "common/log/log.hpp"
#include "common/metrics/counters.hpp"
#include "common/net/fd_limit.hpp"
#include "common/util/file_modes.hpp"

namespace mr::net {

namespace {

std::optional<std::string> config_argument(int argc, char** argv) {
    std::string config_file;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--config") != 0 || i + 1 >= argc) return std::nullopt;
        config_file = argv[++i];
    }
    if (config_file.empty()) return std::nullopt;
    return config_file;
}

}  // namespace

void run_until_signal(Loop& loop, const config::Config& cfg, const std::function<void()>& stop) {
    SignalWatcher signals(loop, [&](int signum) {
        log::info("stopping", {{"signal", signum}});
        stop();
        loop.stop();
    });
    log::info("started", {{"hostname", cfg.server.hostname}});
    loop.run();
}

DaemonStartResult start_daemon(const DaemonKind& kind, int argc, char** argv) {
    util::restrict_umask();
    std::signal(SIGPIPE, SIG_IGN);
    install_tls_reload_signal();
    const auto config_file = config_argument(argc, argv);
    if (!config_file) {
        std::cerr << "usage: " << kind.name << " --config FILE\n";
        return {std::nullopt, 2};
    }
    log::configure(std::string(kind.name));
    auto cfg = config::load_config(*config_file);
    if (!cfg) {
        log::error("config_error", {{"error", cfg.error().message}});
        return {std::nullopt, 1};
    }
    log::configure(std::string(kind.name), log::parse_level(cfg->server.log_level).value_or(log::Level::Info));
    metrics::open(cfg->server.data_dir, kind.name);
    if (kind.listener_count != nullptr) {
        // One descriptor per connection: the usual soft limit (1024) is far below what
        // [limits] max_connections allows.
        const std::size_t listeners = std::max<std::size_t>(kind.listener_count(*cfg), 1);
        raise_fd_limit(fds_wanted(listeners, static_cast<std::size_t>(cfg->limits.max_connections)));
    }
    std::shared_ptr<TlsContext> tls;
    if (kind.server_tls && !cfg->tls.cert.empty()) {
        auto ctx = TlsContext::reloading([files_cfg = *cfg] {
            auto f = acme::served_tls_files(files_cfg);
            return TlsContext::Files{f.cert, f.key};
        });
        if (!ctx) {
            log::error("tls_error", {{"error", ctx.error().message}});
            return {std::nullopt, 1};
        }
        tls = std::move(ctx.value());
    }
    return {DaemonStart{std::move(*cfg), std::move(tls)}, 0};
}

}  // namespace mr::net
