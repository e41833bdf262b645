// audit_tree; see permissions.hpp for what "right" means.
#include "storage/permissions.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

// The bits a path of this type must not have.
mode_t forbidden_bits(mode_t mode) {
    if (S_ISLNK(mode)) return 0;
    // Nothing in the store is a program: a file with an execute bit was put there by hand.
    if (S_ISREG(mode)) return S_IXUSR | S_IWGRP | S_IXGRP | S_IRWXO;
    return S_IWGRP | S_IRWXO;  // directories (and the daemons' sockets) need x for the owner
}

std::string octal(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

std::string owner_text(uid_t uid, gid_t gid) { return user_name(uid) + ":" + group_name(gid); }

void judge(const fs::path& path, const struct stat& st, Ownership want, bool repair,
           std::vector<PermissionProblem>& out) {
    const bool owner_wrong = st.st_uid != want.uid || st.st_gid != want.gid;
    const mode_t bad = st.st_mode & forbidden_bits(st.st_mode);
    if (!owner_wrong && bad == 0) return;
    const mode_t fixed = (st.st_mode & 07777) & ~bad;

    PermissionProblem p{path, {}, false, {}};
    if (bad != 0) p.what = "mode " + octal(st.st_mode) + ", want " + octal(fixed);
    if (owner_wrong) {
        if (!p.what.empty()) p.what += "; ";
        p.what += "owner " + owner_text(st.st_uid, st.st_gid) + ", want " + owner_text(want.uid, want.gid);
    }
    if (repair) {
        // chown before chmod: chown(2) may clear set-id bits, never the other way round.
        if (owner_wrong && ::lchown(path.c_str(), want.uid, want.gid) != 0) {
            p.repair_error = std::string("chown: ") + std::strerror(errno);
        } else if (bad != 0 && ::chmod(path.c_str(), fixed) != 0) {
            p.repair_error = std::string("chmod: ") + std::strerror(errno);
        } else {
            p.repaired = true;
        }
    }
    out.push_back(std::move(p));
}

}  // namespace

Result<std::vector<PermissionProblem>> audit_tree(const fs::path& root, Ownership want, bool repair) {
    std::vector<PermissionProblem> out;
    struct stat st{};
    // The root itself may be a symbolic link to the real data directory: follow that one.
    if (::stat(root.c_str(), &st) != 0) {
        return Error::internal("cannot stat " + root.string() + ": " + std::strerror(errno));
    }
    judge(root, st, want, repair, out);
    if (!S_ISDIR(st.st_mode)) return out;

    std::vector<fs::path> pending{root};
    while (!pending.empty()) {
        const fs::path dir = std::move(pending.back());
        pending.pop_back();
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec == std::errc::no_such_file_or_directory) continue;
        if (ec) {
            out.push_back({dir, "cannot list: " + ec.message(), false, {}});
            continue;
        }
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            const fs::path& path = it->path();
            if (::lstat(path.c_str(), &st) != 0) {
                if (errno != ENOENT) out.push_back({path, std::string("cannot stat: ") + std::strerror(errno), false, {}});
                continue;
            }
            judge(path, st, want, repair, out);
            if (S_ISDIR(st.st_mode)) pending.push_back(path);
        }
        if (ec && ec != std::errc::no_such_file_or_directory) {
            out.push_back({dir, "cannot list: " + ec.message(), false, {}});
        }
    }
    return out;
}

std::string user_name(uid_t uid) {
    struct passwd pw{};
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) return found->pw_name;
    return std::to_string(uid);
}

std::string group_name(gid_t gid) {
    struct group gr{};
    struct group* found = nullptr;
    char buf[4096];
    if (::getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found != nullptr) return found->gr_name;
    return std::to_string(gid);
}

}  // namespace mr::storage
