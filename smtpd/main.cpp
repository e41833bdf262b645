// smtpd: `smtpd --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] smtp / submission / submissions
// itself. SIGTERM or SIGINT closes the listeners and every session and exits 0; a message
// whose commit had not finished was not answered 250, so no client believes it delivered.
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
#include "common/net/thread_pool.hpp"
#include "common/net/tls_context.hpp"
#include "smtpd/server/smtp_server.hpp"

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
            std::cerr << "usage: smtpd --config FILE\n";
            return 2;
        }
    }
    if (config_file.empty()) {
        std::cerr << "usage: smtpd --config FILE\n";
        return 2;
    }
    mr::log::configure("smtpd");
    auto cfg = mr::config::load_config(config_file);
    if (!cfg) {
        mr::log::error("config_error", {{"error", cfg.error().message}});
        return 1;
    }
    mr::log::configure("smtpd", mr::log::parse_level(cfg->server.log_level).value_or(mr::log::Level::Info));
    // One descriptor per connection: the usual soft limit (1024) is far below what
    // [limits] max_connections allows.
    const std::size_t listeners = std::max<std::size_t>(
        cfg->listen.smtp.size() + cfg->listen.submission.size() + cfg->listen.submissions.size(), 1);
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

    // RCPT lookups and the queue's group commits share the libuv pool (argon2id checks have
    // threads of their own: common/net/password_checker.hpp); lookups must always find a
    // thread free of commits.
    mr::net::set_thread_pool_size(8);
    {
        mr::net::Loop loop;
        mr::smtpd::server::SmtpServer server(loop, *cfg, tls);
        if (auto r = server.start(); !r) {
            mr::log::error("start_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::SignalWatcher signals(loop, [&](int signum) {
            mr::log::info("stopping", {{"signal", signum}});
            server.stop();
            loop.stop();
        });
        mr::log::info("started", {{"hostname", cfg->server.hostname}});
        loop.run();
    }
    mr::log::info("stopped");
    return 0;
}
