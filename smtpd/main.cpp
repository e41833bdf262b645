// smtpd: `smtpd --config FILE`. Started by `mailroom up` with its sockets in MR_LISTEN_FDS
// (mailroom/supervisor.hpp), or alone, binding [listen] smtp / submission / submissions /
// smtp_proxy itself. SIGTERM or SIGINT closes the listeners and every session and exits 0; a message
// whose commit had not finished was not answered 250, so no client believes it delivered.
#include <csignal>
#include <string>

#include "common/config/config.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/log/log.hpp"
#include "common/net/loop.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/tls_context.hpp"
#include "smtpd/server/smtp_server.hpp"

namespace {

std::size_t listener_count(const mr::config::Config& c) {
    return c.listen.smtp.size() + c.listen.submission.size() + c.listen.submissions.size() +
           c.listen.smtp_proxy.size();
}

}  // namespace

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"smtpd", listener_count, true}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;
    const auto& tls = started.daemon->tls;

    // RCPT lookups and the queue's group commits share the libuv pool (argon2id checks have
    // threads of their own: common/net/password_checker.hpp); lookups must always find a
    // thread free of commits.
    mr::net::set_thread_pool_size(8);
    {
        mr::net::Loop loop;
        mr::smtpd::server::SmtpServer server(loop, cfg, tls);
        if (auto r = server.start(); !r) {
            mr::log::error("start_error", {{"error", r.error().message}});
            return 1;
        }
        mr::net::run_until_signal(loop, cfg, [&server] { server.stop(); });
    }
    mr::log::info("stopped");
    return 0;
}
