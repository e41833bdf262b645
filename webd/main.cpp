// webd: `webd --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// ("http", "https"; mailroom/supervisor.hpp), or alone, binding [http] listen / tls_listen
// itself. One event loop: it serves a few small documents (webd/proto/router.hpp).
// SIGTERM or SIGINT closes the listeners and every connection and exits 0.
#include <csignal>

#include "common/acme/store.hpp"
#include "common/config/config.hpp"
#include "common/log/log.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/net/loop.hpp"
#include "webd/server/acme_alpn.hpp"
#include "webd/server/web_server.hpp"

namespace {

std::size_t listener_count(const mr::config::Config& c) { return c.http.listen.size() + c.http.tls_listen.size(); }

}  // namespace

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"webd", listener_count, true}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;
    if (cfg.acme.enabled && started.daemon->tls) {
        mr::webd::server::answer_tls_alpn(*started.daemon->tls, mr::acme::files(cfg.server.data_dir).challenges);
    }
    {
        mr::net::Loop loop;
        mr::webd::server::WebServer server(loop, cfg, started.daemon->tls);
        if (auto r = server.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::run_until_signal(loop, cfg, [&] { server.stop(); });
    }
    mr::log::info("stopped");
    return 0;
}
