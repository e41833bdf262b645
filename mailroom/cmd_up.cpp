#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/log/log.hpp"
#include "mailroom/commands.hpp"
#include "mailroom/file_safety.hpp"
#include "mailroom/supervisor.hpp"

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
        Supervisor supervisor(cfg, daemon_dir());
        int rc = supervisor.run();
        if (rc != 0) std::exit(rc);
    });
}

}  // namespace mr::cli
