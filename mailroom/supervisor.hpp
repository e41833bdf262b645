// `mailroom up`: run every daemon as a child process, restart one that dies, stop all
// on SIGTERM/SIGINT.
//
// Invariants:
// - The supervisor binds every listening socket itself before starting any child, so a
//   port that cannot be bound fails `up` at once with its address, and (started as root)
//   the daemons can use ports below 1024 while running as the unprivileged run_user.
// - A child receives its sockets as inherited descriptors 3, 4, ... described by the
//   environment variable MR_LISTEN_FDS="smtp=3,smtp=4,submission=5" (listener name=fd).
// - A child that dies is restarted after restart_delay_ms; each death within
//   kQuickDeath of its start doubles the delay up to restart_delay_max_ms, so a daemon
//   that cannot start does not spin.
// - Signals are taken synchronously (blocked, then sigtimedwait) so no work happens in
//   a signal handler.
// - SIGHUP (`mailroom reload`) is forwarded to every running daemon (each re-reads its
//   certificate for new handshakes) and, with [acme] on, starts a renewal check at once.
// - With [acme] on, `mailroom acme renew` runs as a child (as run_user) at start and every
//   kAcmeCheckInterval; a failure is retried after 1 minute, doubling up to the interval.
//   When it installs a certificate (exit kAcmeRenewedStatus) the daemons get SIGHUP.
// - While running, the supervisor's pid is in <data_dir>/run/up.status (up_status.hpp).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace mr::cli {

// Exit status of `mailroom acme renew` started by `up` when it installed a new certificate.
constexpr int kAcmeRenewedStatus = 3;
constexpr std::chrono::hours kAcmeCheckInterval{12};

struct BoundListener {
    std::string name;  // "smtp", "imaps", ...
    std::string endpoint;
    int fd = -1;
};

struct DaemonSpec {
    std::string name;                     // binary name: smtpd, deliverd, pop3d, imapd, webd
    std::vector<std::string> listeners;  // listener names from [listen] (and [http]) it serves
};

// The daemons mailroom runs and the listeners each one serves.
const std::vector<DaemonSpec>& daemon_specs();

class Supervisor {
public:
    Supervisor(const config::Config& cfg, std::filesystem::path binary_dir);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Binds listeners, starts the daemons whose binaries exist, supervises until a stop
    // signal; returns the process exit code.
    int run();

private:
    using Clock = std::chrono::steady_clock;
    struct Child {
        DaemonSpec spec;
        std::filesystem::path binary;
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point restart_at{};
        std::chrono::milliseconds delay{};
        bool pending_restart = false;
        std::int64_t started_epoch = 0;  // for `mailroom status` (up_status.hpp)
        int restarts = 0;
    };

    void bind_all();
    void start(Child& child);
    void reap();
    void stop_all();
    void write_status() const;
    void forward_reload();
    void start_acme();
    void acme_done(int status);
    // Forks with `fds` as descriptors 3.., `env` ("NAME=value", or empty) added, signals
    // unblocked and root dropped to run_user, and execs argv. The child's pid, or -1.
    pid_t spawn_as_run_user(const std::vector<int>& fds, std::string env, const std::vector<std::string>& argv,
                            const std::string& name) const;

    const config::Config& cfg_;
    std::filesystem::path binary_dir_;
    std::vector<BoundListener> listeners_;
    std::vector<Child> children_;
    std::int64_t started_epoch_ = 0;
    pid_t acme_pid_ = 0;
    Clock::time_point acme_at_{};  // next renewal check (with [acme] enabled)
    std::chrono::seconds acme_retry_{60};
};

// Binds and listens on "host:port"; throws CliError naming the endpoint on failure.
int bind_endpoint(const std::string& endpoint);

}  // namespace mr::cli
