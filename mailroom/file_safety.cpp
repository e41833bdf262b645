#include "mailroom/file_safety.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "mailroom/cli_context.hpp"

namespace mr::cli {

namespace {

bool as_root_with_run_user(const config::Config& cfg) {
    return geteuid() == 0 && !cfg.server.run_user.empty() && cfg.server.run_user != "root";
}

std::string octal(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Why `daemon` could change `path` (or replace it, for a directory), or "" when it cannot.
std::string writable_by(const std::filesystem::path& path, const storage::Ownership& daemon) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return "";
    const bool dir = S_ISDIR(st.st_mode);
    // In a sticky directory (like /tmp) others may create files but not replace ours.
    if (dir && (st.st_mode & S_ISVTX) != 0 && st.st_uid != daemon.uid) return "";
    if (st.st_uid == daemon.uid) return "is owned by " + storage::user_name(daemon.uid) + ", the daemons' account";
    if ((st.st_mode & S_IWOTH) != 0) return "is writable by everyone (mode " + octal(st.st_mode) + ")";
    if ((st.st_mode & S_IWGRP) != 0) {
        return "is writable by group " + storage::group_name(st.st_gid) + " (mode " + octal(st.st_mode) + ")";
    }
    return "";
}

}  // namespace

storage::Ownership store_owner(const config::Config& cfg) {
    if (!as_root_with_run_user(cfg)) return {geteuid(), getegid()};
    struct passwd* pw = getpwnam(cfg.server.run_user.c_str());
    if (pw == nullptr) {
        throw CliError{"run_user '" + cfg.server.run_user + "' does not exist (create it: useradd --system " +
                       cfg.server.run_user + ", or set [server] run_user)"};
    }
    return {pw->pw_uid, pw->pw_gid};
}

std::vector<std::string> secrets_writable_by_daemon(const config::Config& cfg) {
    std::vector<std::string> out;
    if (!as_root_with_run_user(cfg)) return out;
    const auto daemon = store_owner(cfg);
    const std::string group = storage::group_name(daemon.gid);
    std::vector<std::filesystem::path> dirs_judged;
    auto judge = [&](const std::filesystem::path& file, const char* what) {
        if (auto why = writable_by(file, daemon); !why.empty()) {
            out.push_back(std::string(what) + " " + file.string() + " " + why + " (fix: chown root:" + group + " " +
                          file.string() + " && chmod 0640 " + file.string() + ")");
        }
        const auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
        if (std::find(dirs_judged.begin(), dirs_judged.end(), dir) != dirs_judged.end()) return;
        dirs_judged.push_back(dir);
        if (auto why = writable_by(dir, daemon); !why.empty()) {
            out.push_back("directory " + dir.string() + " of the " + what + " " + why + " (fix: chown root:" + group +
                          " " + dir.string() + " && chmod 0750 " + dir.string() + ")");
        }
    };
    judge(cfg.file, "config file");
    judge(cfg.tls.key, "TLS key");
    std::error_code ec;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(cfg.dkim.key_dir, ec)) {
        if (entry.is_regular_file()) judge(entry.path(), "DKIM key");
    }
    return out;
}

void give_dkim_keys_to_daemons(const config::Config& cfg) {
    using std::filesystem::perms;
    std::error_code ec;
    if (!std::filesystem::exists(cfg.dkim.key_dir, ec)) return;
    const bool chown_them = as_root_with_run_user(cfg);
    const gid_t group = chown_them ? store_owner(cfg).gid : 0;
    auto fix = [&](const std::filesystem::path& p, bool dir) {
        if (chown_them && lchown(p.c_str(), 0, group) != 0) throw CliError{"cannot chown " + p.string()};
        std::filesystem::permissions(p, dir ? perms::owner_all | perms::group_read | perms::group_exec
                                            : perms::owner_read | perms::owner_write | perms::group_read);
    };
    fix(cfg.dkim.key_dir, true);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(cfg.dkim.key_dir)) {
        fix(entry.path(), entry.is_directory());
    }
}

std::vector<storage::PermissionProblem> audit_data_dir(const config::Config& cfg, bool repair) {
    std::error_code ec;
    if (!std::filesystem::exists(cfg.server.data_dir, ec)) return {};
    return must(storage::audit_tree(cfg.server.data_dir, store_owner(cfg), repair));
}

}  // namespace mr::cli
