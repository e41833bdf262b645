#include "mailroom/cli_context.hpp"

#include <grp.h>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace mr::cli {

const config::Config& CliContext::config() {
    if (!config_) {
        auto cfg = config::load_config(config_path);
        if (!cfg) throw CliError{cfg.error().message};
        config_ = std::move(cfg).value();
    }
    return *config_;
}

void CliContext::drop_privileges() {
    if (dropped_) return;
    dropped_ = true;
    if (geteuid() != 0) return;
    const auto& user = config().server.run_user;
    if (user.empty() || user == "root") return;
    become_user(user);
}

storage::Directory& CliContext::directory() {
    if (!directory_) {
        const auto& cfg = config();
        drop_privileges();
        std::error_code ec;
        std::filesystem::create_directories(cfg.server.data_dir, ec);
        directory_ = must(storage::Directory::open(cfg.server.data_dir / "directory.db"));
    }
    return *directory_;
}

void become_user(const std::string& user) {
    errno = 0;
    struct passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        throw CliError{"run_user '" + user + "' does not exist (create it: useradd --system " + user +
                       ", or set [server] run_user)"};
    }
    if (setgid(pw->pw_gid) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        throw CliError{"cannot switch to user '" + user + "': " + std::strerror(errno)};
    }
}

namespace {

std::string ask_hidden(const char* prompt) {
    std::cerr << prompt << std::flush;
    termios old{};
    bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::cerr << "\n";
    }
    return line;
}

}  // namespace

std::string read_password(bool from_stdin) {
    std::string password;
    if (from_stdin) {
        if (!std::getline(std::cin, password)) throw CliError{"no password on standard input"};
        if (!password.empty() && password.back() == '\r') password.pop_back();
    } else {
        if (!isatty(STDIN_FILENO)) throw CliError{"no terminal to ask the password on; use --password-stdin"};
        password = ask_hidden("Password: ");
        if (ask_hidden("Again: ") != password) throw CliError{"the two passwords differ"};
    }
    if (password.empty()) throw CliError{"empty password"};
    if (password.size() > 1024) throw CliError{"password longer than 1024 bytes"};
    return password;
}

}  // namespace mr::cli
