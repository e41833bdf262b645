// sieved: `sieved --config FILE`, the ManageSieve daemon (RFC 5804): users upload and
// activate their Sieve scripts, which deliverd runs. Started by `mailroom up` with its
// sockets in MR_LISTEN_FDS, or alone, binding [listen] managesieve itself. SIGTERM or SIGINT
// closes the listeners and every session and exits 0. Without a managesieve listener it
// idles until then.
#include "common/config/config.hpp"
#include "common/log/log.hpp"
#include "common/net/address.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/net/loop.hpp"
#include "sieved/server/sieve_server.hpp"

namespace {

std::size_t listener_count(const mr::config::Config& c) { return c.listen.managesieve.size(); }

}  // namespace

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"sieved", listener_count, true}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;
    {
        mr::net::Loop loop;
        mr::sieved::server::SieveServer server(loop, cfg, started.daemon->tls);
        // A config written before ManageSieve existed has no [listen] managesieve: idle until
        // stopped rather than fail, so `mailroom up` does not restart sieved over and over.
        const bool disabled = cfg.listen.managesieve.empty() && mr::net::inherited_listen_fds().empty();
        if (disabled) {
            mr::log::info("disabled", {{"reason", "no [listen] managesieve"}});
        } else if (auto r = server.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::run_until_signal(loop, cfg, [&] { server.stop(); });
    }
    mr::log::info("stopped");
    return 0;
}
