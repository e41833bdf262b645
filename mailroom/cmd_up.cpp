#include <unistd.h>

#include <cstdlib>

#include "common/log/log.hpp"
#include "mailroom/commands.hpp"
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

}  // namespace

void add_up_command(CLI::App& app, CliContext& ctx) {
    auto* up = app.add_subcommand("up", "Run every daemon in the foreground; SIGTERM or Ctrl-C stops them all");
    up->callback([&ctx] {
        const auto& cfg = ctx.config();
        log::configure("mailroom", log::parse_level(cfg.server.log_level).value_or(log::Level::Info));
        std::error_code ec;
        std::filesystem::create_directories(cfg.server.data_dir, ec);
        if (ec) throw CliError{"data_dir " + cfg.server.data_dir.string() + ": " + ec.message()};
        Supervisor supervisor(cfg, daemon_dir());
        int rc = supervisor.run();
        if (rc != 0) std::exit(rc);
    });
}

}  // namespace mr::cli
