// What `mailroom up` tells `mailroom status`: <data_dir>/run/up.status, rewritten (by a
// rename) whenever a daemon starts or dies. One line for the supervisor, one per daemon:
//   up <pid> <started, seconds since the epoch>
//   <daemon> <pid, 0 while waiting to restart> <started> <restarts>
// A reader checks that the pids still run: a status file left by a killed `up` is stale.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mr::cli {

struct DaemonStatus {
    std::string name;
    pid_t pid = 0;
    std::int64_t started = 0;
    int restarts = 0;
};

struct UpStatus {
    pid_t pid = 0;
    std::int64_t started = 0;
    std::vector<DaemonStatus> daemons;
};

std::filesystem::path up_status_path(const std::filesystem::path& data_dir);
// Written as root, owned like the run directory.
void write_up_status(const std::filesystem::path& data_dir, const UpStatus& status);
std::optional<UpStatus> read_up_status(const std::filesystem::path& data_dir);
std::string format_up_status(const UpStatus& status);
std::optional<UpStatus> parse_up_status(const std::string& text);

}  // namespace mr::cli
