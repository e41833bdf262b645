// imapd: `imapd --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] imap / imaps itself. SIGTERM or
// SIGINT closes the listeners and every session (their store work already committed) and exits 0.
#include <csignal>
#include <string>

#include "common/config/config.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/log/log.hpp"
#include "common/net/loop.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/tls_context.hpp"
#include "common/net/wakeup.hpp"
#include "imapd/server/imap_server.hpp"

namespace {

std::size_t listener_count(const mr::config::Config& c) {
    return c.listen.imap.size() + c.listen.imaps.size();
}

}  // namespace

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"imapd", listener_count, true}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;
    const auto& tls = started.daemon->tls;

    // Store jobs wait on fsync (APPEND, EXPUNGE, COPY commit message files): with libuv's
    // default 4 threads, 4 such jobs hold up every other session's FETCH and STORE
    // (issue 18's stress load: 10 clients, most of imapd's time spent waiting, not working).
    mr::net::set_thread_pool_size(16);

    int status = 0;
    {
        mr::net::Loop loop;
        mr::imapd::server::ImapServer server(loop, cfg, tls);
        if (auto r = server.start(); !r) {
            mr::log::error("listen_error", {{"error", r.error().message}});
            return 1;
        }
        // Deliveries (deliverd/queue_runner.cpp) and POP3 expunges send the user's address
        // here; without the socket, sessions still find changes at their slow IDLE poll.
        auto wakeups = mr::net::WakeupReceiver::open(
            loop, mr::net::wakeup_endpoint(cfg.server.data_dir, mr::net::WakeupListener::Imapd),
            [&server](std::string_view user) { server.wake_user(user); });
        if (!wakeups) mr::log::warn("wakeup_socket_failed", {{"error", wakeups.error().message}});
        mr::net::run_until_signal(loop, cfg, [&server] { server.stop(); });
    }
    mr::log::info("stopped");
    return status;
}
