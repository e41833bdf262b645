// deliverd: `deliverd --config FILE`. Started by `mailroom up` (no listeners), or
// alone. Delivers the queue: local mailboxes, remote servers (deliverd/remote/),
// retries, notices; keeps cached MTA-STS policies fresh. Woken through
// data_dir/run/deliverd.sock (smtpd after each enqueue, `mailroom queue
// flush|retry|delete`) and by a periodic scan. SIGTERM or
// SIGINT stops it; work in flight is redone at the next start (leases are dropped,
// mailbox delivery keys make a repeat harmless).
//
// One deliverd per data_dir: it holds data_dir/run/deliverd.lock (storage/instance_lock.hpp)
// for its whole life and refuses to start while another holds it. With the lock held,
// and before anything is delivered, it removes every uncommitted delivery file a dead
// deliverd left in the mailboxes (storage/uncommitted_files.hpp): the queue still holds
// those messages, so they are delivered again, once.
#include <csignal>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/net/daemon_startup.hpp"
#include "common/log/log.hpp"
#include "common/net/loop.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/wakeup.hpp"
#include "deliverd/queue_runner.hpp"
#include "deliverd/tls_report/tls_reporter.hpp"
#include "deliverd/remote/mta_sts_refresh.hpp"
#include "deliverd/remote/remote_delivery.hpp"
#include "storage/instance_lock.hpp"
#include "storage/uncommitted_files.hpp"

int main(int argc, char** argv) {
    auto started = mr::net::start_daemon({"deliverd", nullptr, false}, argc, argv);
    if (!started.daemon) return started.exit_status;
    const mr::config::Config& cfg = started.daemon->config;

    const auto& data_dir = cfg.server.data_dir;
    auto lock = mr::storage::InstanceLock::acquire(data_dir, "deliverd");
    if (!lock) {
        mr::log::error(lock.error().kind == mr::ErrorKind::Refused ? "already_running" : "lock_failed",
                       {{"error", lock.error().message}});
        return 1;
    }
    auto queue = mr::storage::Queue::open(data_dir);
    if (!queue) {
        mr::log::error("queue_open_failed", {{"error", queue.error().message}});
        return 1;
    }
    auto directory = mr::storage::Directory::open(data_dir / "directory.db");
    if (!directory) {
        mr::log::error("directory_open_failed", {{"error", directory.error().message}});
        return 1;
    }
    if (auto released = queue->release_all_leases(); released && *released > 0) {
        mr::log::info("leases_released", {{"entries", *released}});
    }
    if (auto swept = queue->sweep_orphans(static_cast<std::int64_t>(std::time(nullptr)), 3600); swept && *swept > 0) {
        mr::log::info("orphans_swept", {{"files", *swept}});
    }
    {
        const auto recovered = mr::storage::remove_uncommitted_deliveries_everywhere(data_dir / "mail");
        for (const auto& e : recovered.errors) mr::log::error("uncommitted_files_check_failed", {{"error", e}});
        if (recovered.files > 0 || recovered.temporaries > 0) {
            mr::log::info("uncommitted_files_removed", {{"users", recovered.users},
                                                        {"files", recovered.files},
                                                        {"temporaries", recovered.temporaries}});
        }
    }
    auto stores = std::make_shared<mr::deliverd::Stores>(std::move(*queue), std::move(*directory), data_dir);

    // Pool threads: the local batches, plus one for planning and one for finishing.
    mr::net::set_thread_pool_size(static_cast<unsigned>(cfg.queue.local_concurrency) + 2);
    {
        mr::net::Loop loop;
        std::function<void()> wake_runner;  // set once the runner exists
        auto reporter = mr::deliverd::tls_report::TlsReporter::create(loop, cfg, stores, [&wake_runner] {
            if (wake_runner) wake_runner();
        });
        auto remote = mr::deliverd::RemoteDelivery::create(
            loop, cfg, reporter ? reporter->sink() : mr::deliverd::tls_report::TlsSessionSink{});
        mr::deliverd::QueueRunner runner(loop, cfg, stores, remote.get());
        wake_runner = [&runner] { runner.wake(); };
        mr::deliverd::MtaStsRefresher sts_refresher(loop, cfg);
        auto wakeups = mr::net::WakeupReceiver::open(
            loop, mr::net::wakeup_endpoint(data_dir, mr::net::WakeupListener::Deliverd),
            [&runner, &reporter](std::string_view message) {
                if (message == mr::net::kTlsReportWakeup || message == mr::net::kTlsReportTodayWakeup) {
                    if (reporter) reporter->send(message == mr::net::kTlsReportTodayWakeup);
                    return;
                }
                runner.wake();
            });
        if (!wakeups) {
            // Not fatal: the periodic scan still finds everything.
            mr::log::warn("wakeup_socket_failed", {{"error", wakeups.error().message}});
        }
        mr::net::SignalWatcher signals(loop, [&](int signum) {
            mr::log::info("stopping", {{"signal", signum}});
            runner.stop();
            sts_refresher.stop();
            if (reporter) reporter->stop();
            if (remote) remote->shutdown();
            loop.stop();
        });
        runner.start();
        sts_refresher.start();
        if (reporter) reporter->start();
        mr::log::info("started", {{"hostname", cfg.server.hostname}});
        loop.run();
        runner.stop();
    }
    mr::log::info("stopped");
    return 0;
}
