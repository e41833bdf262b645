#include "mailroom/supervisor.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <cstdio>
#include <iostream>

#include "common/log/log.hpp"
#include "mailroom/cli_context.hpp"
#include "mailroom/up_status.hpp"
#include "mailroom/run_as.hpp"

namespace mr::cli {

namespace {

constexpr auto kQuickDeath = std::chrono::seconds(10);

// "exit=0", "signal=KILL": how a child ended, for the log.
std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("signal ") + sigabbrev_np(WTERMSIG(status));
    return "status " + std::to_string(status);
}

sigset_t supervisor_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

const std::vector<DaemonSpec>& daemon_specs() {
    static const std::vector<DaemonSpec> specs = {
        {"smtpd", {"smtp", "submission", "submissions", "smtp_proxy"}},
        {"deliverd", {}},
        {"pop3d", {"pop3", "pop3s"}},
        {"imapd", {"imap", "imaps"}},
        {"sieved", {"managesieve"}},
        {"webd", {"http", "https"}},
    };
    return specs;
}

int bind_endpoint(const std::string& endpoint) {
    auto ep = config::parse_endpoint(endpoint);
    if (!ep) throw CliError{ep.error().message};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(ep->port);
    int rc = getaddrinfo(ep->host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) throw CliError{"listen " + endpoint + ": " + gai_strerror(rc)};
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0;
    // A v6 wildcard must not also take the v4 port, so "[::]:25" and "0.0.0.0:25" coexist.
    if (ok && res->ai_family == AF_INET6) ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0;
    ok = ok && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 511) == 0;
    int err = errno;
    freeaddrinfo(res);
    if (!ok) {
        if (fd >= 0) close(fd);
        throw CliError{"listen " + endpoint + ": " + std::strerror(err)};
    }
    return fd;
}

Supervisor::Supervisor(const config::Config& cfg, std::filesystem::path binary_dir)
    : cfg_(cfg), binary_dir_(std::move(binary_dir)) {}

Supervisor::~Supervisor() {
    for (auto& l : listeners_) close(l.fd);
}

void Supervisor::bind_all() {
    const auto& l = cfg_.listen;
    const std::vector<std::pair<std::string, const std::vector<std::string>*>> groups = {
        {"smtp", &l.smtp},   {"submission", &l.submission}, {"submissions", &l.submissions},
        {"imap", &l.imap},   {"imaps", &l.imaps},           {"pop3", &l.pop3},
        {"pop3s", &l.pop3s}, {"smtp_proxy", &l.smtp_proxy}, {"managesieve", &l.managesieve},
        {"http", &cfg_.http.listen}, {"https", &cfg_.http.tls_listen},
    };
    for (const auto& [name, endpoints] : groups) {
        for (const auto& ep : *endpoints) {
            listeners_.push_back({name, ep, bind_endpoint(ep)});
        }
    }
}

pid_t Supervisor::spawn_as_run_user(const std::vector<int>& fds, std::string env,
                                    const std::vector<std::string>& argv, const std::string& name) const {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const bool drop = geteuid() == 0 && !cfg_.server.run_user.empty() && cfg_.server.run_user != "root";
    const pid_t pid = fork();
    if (pid < 0) {
        log::error("fork_failed", {{"child", name}, {"error", std::strerror(errno)}});
        return -1;
    }
    if (pid > 0) return pid;
    // Child: move the inherited sockets to 3.. (via high copies, so no dup2 target
    // clobbers a source), drop root, exec. The supervisor is single-threaded, so the
    // allocations here cannot meet a lock another thread held at fork.
    std::vector<int> high;
    for (int fd : fds) high.push_back(fcntl(fd, F_DUPFD, 1000));
    for (size_t i = 0; i < high.size(); ++i) dup2(high[i], static_cast<int>(3 + i));
    close_range(static_cast<unsigned>(3 + high.size()), ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (drop) {
        try {
            become_user(cfg_.server.run_user);
        } catch (const CliError& e) {
            log::error("exec_failed", {{"child", name}, {"error", e.message}});
            _exit(127);
        }
    }
    if (!env.empty()) putenv(env.data());
    execv(args[0], args.data());
    log::error("exec_failed", {{"child", name}, {"binary", argv[0]}, {"error", std::strerror(errno)}});
    _exit(127);
}

void Supervisor::start(Child& child) {
    std::vector<int> fds;
    std::string env = "MR_LISTEN_FDS=";
    for (const auto& l : listeners_) {
        if (std::find(child.spec.listeners.begin(), child.spec.listeners.end(), l.name) ==
            child.spec.listeners.end()) {
            continue;
        }
        if (!fds.empty()) env += ",";
        env += l.name + "=" + std::to_string(3 + fds.size());
        fds.push_back(l.fd);
    }
    const pid_t pid = spawn_as_run_user(fds, env, {child.binary.string(), "--config", cfg_.file.string()},
                                        child.spec.name);
    if (pid < 0) {
        child.pending_restart = true;
        child.restart_at = Clock::now() + child.delay;
        return;
    }
    child.pid = pid;
    child.started = Clock::now();
    if (child.started_epoch != 0) ++child.restarts;
    child.started_epoch = std::time(nullptr);
    child.pending_restart = false;
    log::info("started", {{"child", child.spec.name}, {"pid", pid}});
    write_status();
}

// run/ belongs to the daemons' account like the data dir (the daemons also create it).
static void ensure_run_dir(const std::filesystem::path& data_dir) {
    const auto run = data_dir / "run";
    struct stat owner {};
    if (::stat(data_dir.c_str(), &owner) != 0) return;
    if (::mkdir(run.c_str(), 0750) == 0 && ::chown(run.c_str(), owner.st_uid, owner.st_gid) != 0) {
        log::warn("chown_failed", {{"path", run.string()}, {"error", std::strerror(errno)}});
    }
}

void Supervisor::write_status() const {
    UpStatus status{getpid(), started_epoch_, {}};
    for (const auto& c : children_) status.daemons.push_back({c.spec.name, c.pid, c.started_epoch, c.restarts});
    write_up_status(cfg_.server.data_dir, status);
}

void Supervisor::forward_reload() {
    log::info("reload");
    for (auto& child : children_) {
        if (child.pid > 0) kill(child.pid, SIGHUP);
    }
    if (cfg_.acme.enabled && acme_pid_ == 0) acme_at_ = Clock::now();
}

void Supervisor::start_acme() {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return;
    const pid_t pid =
        spawn_as_run_user({}, "", {self.string(), "--config", cfg_.file.string(), "acme", "renew"}, "acme");
    if (pid < 0) {
        acme_done(-1);
        return;
    }
    acme_pid_ = pid;
    log::info("acme_check", {{"pid", pid}});
}

void Supervisor::acme_done(int status) {
    acme_pid_ = 0;
    const bool ok = status >= 0 && WIFEXITED(status) &&
                    (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == kAcmeRenewedStatus);
    if (ok) {
        acme_retry_ = std::chrono::seconds(60);
        acme_at_ = Clock::now() + kAcmeCheckInterval;
        if (WEXITSTATUS(status) == kAcmeRenewedStatus) {
            for (auto& child : children_) {
                if (child.pid > 0) kill(child.pid, SIGHUP);
            }
            log::info("acme_renewed");
        }
        return;
    }
    log::warn("acme_failed", {{"status", describe_status(status)}, {"retry_s", acme_retry_.count()}});
    acme_at_ = Clock::now() + acme_retry_;
    acme_retry_ = std::min<std::chrono::seconds>(acme_retry_ * 2, kAcmeCheckInterval);
}

void Supervisor::reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == acme_pid_) {
            acme_done(status);
            continue;
        }
        for (auto& child : children_) {
            if (child.pid != pid) continue;
            child.pid = 0;
            auto lived = Clock::now() - child.started;
            if (lived < kQuickDeath) {
                child.delay = std::min(child.delay * 2, std::chrono::milliseconds(cfg_.supervisor.restart_delay_max_ms));
            } else {
                child.delay = std::chrono::milliseconds(cfg_.supervisor.restart_delay_ms);
            }
            child.pending_restart = true;
            child.restart_at = Clock::now() + child.delay;
            log::warn("died", {{"child", child.spec.name},
                               {"pid", pid},
                               {"status", describe_status(status)},
                               {"restart_in_ms", child.delay.count()}});
            write_status();
        }
    }
}

void Supervisor::stop_all() {
    for (auto& child : children_) {
        if (child.pid > 0) kill(child.pid, SIGTERM);
    }
    auto deadline = Clock::now() + std::chrono::milliseconds(cfg_.supervisor.stop_timeout_ms);
    auto running = [&] {
        return std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.pid > 0; });
    };
    while (running() && Clock::now() < deadline) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (auto& child : children_) {
                if (child.pid == pid) {
                    child.pid = 0;
                    log::info("stopped", {{"child", child.spec.name}, {"status", describe_status(status)}});
                }
            }
            continue;
        }
        if (pid < 0) break;
        usleep(20'000);
    }
    for (auto& child : children_) {
        if (child.pid > 0) {
            log::warn("killed", {{"child", child.spec.name}, {"pid", child.pid}});
            kill(child.pid, SIGKILL);
            waitpid(child.pid, nullptr, 0);
            child.pid = 0;
        }
    }
}

int Supervisor::run() {
    sigset_t set = supervisor_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);

    bind_all();
    for (const auto& spec : daemon_specs()) {
        auto binary = binary_dir_ / spec.name;
        if (access(binary.c_str(), X_OK) != 0) {
            log::info("skipped", {{"child", spec.name}, {"reason", "no binary"}, {"path", binary.string()}});
            continue;
        }
        children_.push_back({spec, binary, 0, {}, {}, std::chrono::milliseconds(cfg_.supervisor.restart_delay_ms), false});
    }
    if (children_.empty()) {
        log::error("no_daemons", {{"dir", binary_dir_.string()}});
        return 1;
    }
    started_epoch_ = std::time(nullptr);
    ensure_run_dir(cfg_.server.data_dir);
    for (auto& child : children_) start(child);
    acme_at_ = Clock::now();
    log::info("up", {{"config", cfg_.file.string()}, {"listeners", listeners_.size()}});

    for (;;) {
        auto now = Clock::now();
        auto wait = std::chrono::milliseconds(1000);
        for (auto& child : children_) {
            if (!child.pending_restart) continue;
            if (child.restart_at <= now) {
                start(child);
            } else {
                wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(child.restart_at - now) +
                                          std::chrono::milliseconds(1));
            }
        }
        if (cfg_.acme.enabled && acme_pid_ == 0) {
            if (acme_at_ <= now) {
                start_acme();
            } else {
                wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(acme_at_ - now) +
                                          std::chrono::milliseconds(1));
            }
        }
        timespec ts{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1'000'000)};
        int sig = sigtimedwait(&set, nullptr, &ts);
        if (sig == SIGCHLD) {
            reap();
        } else if (sig == SIGTERM || sig == SIGINT) {
            log::info("stopping", {{"signal", sigabbrev_np(sig)}});
            if (acme_pid_ > 0) kill(acme_pid_, SIGTERM);
            stop_all();
            std::error_code ec;
            std::filesystem::remove(up_status_path(cfg_.server.data_dir), ec);
            if (acme_pid_ > 0) waitpid(acme_pid_, nullptr, 0);
            log::info("down");
            return 0;
        } else if (sig == SIGHUP) {
            forward_reload();
        }
        // Timeouts fall through to restarts and the ACME schedule.
    }
}

}  // namespace mr::cli
