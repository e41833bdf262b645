#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/log/log.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/file_safety.hpp"
#include "mailroom/run_as.hpp"
#include "mailroom/supervisor.hpp"
#include "mailroom/up_status.hpp"
#include "storage/upgrade.hpp"

namespace mr::cli {

namespace {

// Daemons are installed beside the mailroom binary; MAILROOM_LIBEXEC_DIR overrides that.
std::filesystem::path daemon_dir() {
    if (const char* dir = std::getenv("MAILROOM_LIBEXEC_DIR"); dir != nullptr && *dir != '\0') return dir;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw CliError{"cannot find the daemon binaries: " + ec.message()};
    return self.parent_path();
}

// An upgrade step as much as a check: a data directory made by an older mailroom (or
// touched by hand as root) gets the owner and modes the daemons need and others must not
// have, before any daemon opens it.
void repair_data_dir(const config::Config& cfg) {
    for (const auto& p : audit_data_dir(cfg, true)) {
        if (p.repaired) {
            log::warn("repaired", {{"path", p.path.string()}, {"was", p.what}});
        } else {
            log::error("wrong_permissions",
                       {{"path", p.path.string()}, {"problem", p.what}, {"error", p.repair_error}});
        }
    }
}

// Migrates the data dir to this release's schemas, after a snapshot (storage/upgrade.hpp),
// as the daemons' account so every file stays theirs. Refuses a later release's data dir.
void upgrade(const config::Config& cfg) {
    std::error_code ec;
    if (!std::filesystem::exists(cfg.server.data_dir, ec)) return;
    // The snapshot is taken as of a data dir nobody writes (storage::SnapshotMode::Stopped).
    if (auto running = read_up_status(cfg.server.data_dir);
        running && running->pid != getpid() && ::kill(running->pid, 0) == 0) {
        throw CliError{"mailroom up is running (pid " + std::to_string(running->pid) +
                       "): stop it before upgrading the data dir"};
    }
    auto work = [&] {
        auto report = storage::upgrade_data_dir(cfg.server.data_dir);
        if (!report) throw CliError{"upgrade: " + report.error().message};
        if (report->upgraded == 0) return;
        log::info("upgraded", {{"databases", report->upgraded},
                               {"snapshot", report->snapshot.string()},
                               {"snapshot_reused", report->snapshot_reused ? "yes" : "no"}});
        std::cerr << "mailroom: upgraded " << report->upgraded << " of " << report->databases
                  << " databases; the data dir as it was is in " << report->snapshot.string() << "\n";
    };
    const bool ok = geteuid() == 0 ? as_run_user(cfg.server.run_user, work) : (work(), true);
    if (!ok) throw CliError{"the data dir " + cfg.server.data_dir.string() + " was not upgraded; nothing was started"};
}

}  // namespace

void add_up_command(CLI::App& app, CliContext& ctx) {
    auto* up = app.add_subcommand("up", "Run every daemon in the foreground; SIGTERM or Ctrl-C stops them all");
    up->callback([&ctx] {
        const auto& cfg = ctx.config();
        log::configure("mailroom", log::parse_level(cfg.server.log_level).value_or(log::Level::Info));
        if (auto writable = secrets_writable_by_daemon(cfg); !writable.empty()) {
            for (const auto& line : writable) std::cerr << "mailroom: " << line << "\n";
            throw CliError{"refusing to start as root: the daemons' account (" + cfg.server.run_user +
                           ") could change the files above"};
        }
        std::error_code ec;
        std::filesystem::create_directories(cfg.server.data_dir, ec);
        if (ec) throw CliError{"data_dir " + cfg.server.data_dir.string() + ": " + ec.message()};
        repair_data_dir(cfg);
        upgrade(cfg);
        Supervisor supervisor(cfg, daemon_dir());
        int rc = supervisor.run();
        if (rc != 0) std::exit(rc);
    });

    auto* upgrade_cmd = app.add_subcommand(
        "upgrade", "Migrate the data dir to this release after a snapshot (mailroom up does it too)");
    upgrade_cmd->callback([&ctx] {
        const auto& cfg = ctx.config();
        log::configure("mailroom", log::parse_level(cfg.server.log_level).value_or(log::Level::Info));
        upgrade(cfg);
        std::cout << "data dir " << cfg.server.data_dir.string() << " is current\n";
    });
}

}  // namespace mr::cli
