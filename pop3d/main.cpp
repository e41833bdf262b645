// pop3d: `pop3d --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] pop3 / pop3s itself. Runs [pop3]
// threads event loops (pop3d/server/event_loops.hpp). SIGTERM or SIGINT closes the
// listeners and every session of every loop (none reaches UPDATE) and exits 0.
#include <csignal>
#include <string>

#include "common/config/config.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/log/log.hpp"
#include "common/net/loop.hpp"
#include "common/net/tls_context.hpp"
#include "pop3d/server/event_loops.hpp"

namespace {

std::size_t listener_count(const mr::config::Config& c) {
    return c.listen.pop3.size() + c.listen.pop3s.size();
}

}  // namespace

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"pop3d", listener_count, true}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;
    const auto& tls = started.daemon->tls;

    int status = 0;
    {
        mr::pop3d::server::EventLoops loops(cfg, tls, mr::pop3d::server::loop_count(cfg.pop3.threads));
        if (auto r = loops.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::SignalWatcher signals(loops.first_loop(), [&](int signum) {
            mr::log::info("stopping", {{"signal", signum}});
            loops.stop();
        });
        mr::log::info("started", {{"hostname", cfg.server.hostname}, {"loops", loops.size()}});
        loops.run();
    }
    mr::log::info("stopped");
    return status;
}
