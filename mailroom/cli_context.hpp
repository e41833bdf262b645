// What every `mailroom` subcommand shares: where the config is, loading it once, opening
// the directory, dropping root privileges before touching the store, and output helpers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/config/config.hpp"
#include "storage/directory.hpp"

namespace mr::cli {

// Thrown by subcommands for an operator error; main prints "mailroom: <message>" and
// exits 1. The CLI is not a data path, so exceptions keep the commands short.
struct CliError {
    std::string message;
};

class CliContext {
public:
    std::string config_path;  // --config, else $MAILROOM_CONFIG, else /etc/mailroom/mailroom.toml
    bool json = false;        // --json on list commands

    // Loads (once) and returns the config, or throws CliError.
    const config::Config& config();

    // Opens directory.db under data_dir. When run as root, first switches to the
    // configured run_user so every file it creates belongs to the daemons' account.
    storage::Directory& directory();

    // Switches to run_user if we are root (idempotent).
    void drop_privileges();

private:
    std::optional<config::Config> config_;
    std::optional<storage::Directory> directory_;
    bool dropped_ = false;
};

// Unwraps a Result or throws CliError with its message.
template <class T>
T must(Result<T> r) {
    if (!r) throw CliError{r.error().message};
    return std::move(r).value();
}
inline void must(Result<void> r) {
    if (!r) throw CliError{r.error().message};
}

// Reads a password: one line from stdin with --password-stdin, else asked twice on the
// terminal with echo off.
std::string read_password(bool from_stdin);

// Switches the process to `user` (setgid, initgroups, setuid); throws on failure.
void become_user(const std::string& user);

}  // namespace mr::cli
