// tmp → fsync → rename → fsync dir; see atomic_file.hpp for the invariants.
#include "storage/atomic_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace mr::storage {

namespace {

Error os_error(std::string_view what, const std::filesystem::path& p) {
    const int e = errno;
    return Error::system(e, std::string(what) + " " + p.string() + ": " + std::strerror(e));
}

// Closes the descriptor on every path out of a function.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string temp_name(std::string_view name) {
    unsigned char random[8];
    randombytes_buf(random, sizeof random);
    char hex[2 * sizeof random + 1];
    sodium_bin2hex(hex, sizeof hex, random, sizeof random);
    return ".tmp-" + std::string(name) + "-" + hex;
}

// A file written under a temporary name, waiting to be linked into place.
struct Staged {
    std::filesystem::path tmp;
    std::filesystem::path final_path;
};

// Writes the bytes to a temporary file (fsync'd when `sync`), not yet visible.
Result<Staged> stage(const std::filesystem::path& dir, std::string_view name, std::string_view bytes,
                     const AtomicWriteOptions& options, std::optional<std::int64_t> mtime, bool sync) {
    if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
        return Error::internal("atomic write: bad file name '" + std::string(name) + "'");
    }
    Staged staged{options.tmp_dir.value_or(dir) / temp_name(name), dir / std::string(name)};
    const auto& tmp = staged.tmp;
    Fd file;
    file.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (file.fd < 0) return os_error("create", tmp);
    auto fail = [&](Error e) -> Result<Staged> {
        ::unlink(tmp.c_str());
        return e;
    };
    if (auto r = write_all(file.fd, bytes, tmp); !r) return fail(r.error());
    if (mtime) {
        const struct timespec times[2] = {{*mtime, 0}, {*mtime, 0}};
        if (::futimens(file.fd, times) != 0) return fail(os_error("futimens", tmp));
    }
    if (sync && ::fsync(file.fd) != 0) return fail(os_error("fsync", tmp));
    if (::close(file.fd) != 0) {
        file.fd = -1;
        return fail(os_error("close", tmp));
    }
    file.fd = -1;
    return staged;
}

// Gives a complete (already durable) temporary file its final name.
Result<void> publish(const Staged& staged) {
    const auto& tmp = staged.tmp;
    const auto& final_path = staged.final_path;
    auto fail = [&](Error e) -> Result<void> {
        ::unlink(tmp.c_str());
        return e;
    };
    // Refuse to replace an existing file: names are unique by construction, so an
    // existing one means a logic error, and overwriting could lose a message.
    // link(2) fails with EEXIST instead of replacing (qmail's Maildir recipe); the
    // unlink of the tmp name need not be durable: a stray tmp file is harmless.
    if (::link(tmp.c_str(), final_path.c_str()) == 0) {
        ::unlink(tmp.c_str());
        return {};
    }
    if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS) {
        return fail(os_error("link", final_path));
    }
    // File systems without hard links: rename, after checking the name is free.
    struct stat st {};
    if (::lstat(final_path.c_str(), &st) == 0) {
        errno = EEXIST;
        return fail(os_error("rename", final_path));
    }
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) return fail(os_error("rename", final_path));
    return {};
}

// One flush for the data of every staged file: syncfs(2) on their file system costs
// one journal commit and one disk-cache flush, where N fsyncs cost N of each. This is
// what makes group commit worth it; the files are still only linked into place after it.
Result<void> sync_file_system(const std::filesystem::path& any_dir) {
    Fd d;
    d.fd = ::open(any_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd < 0) return os_error("open dir", any_dir);
    if (::syncfs(d.fd) != 0) return os_error("syncfs", any_dir);
    return {};
}

}  // namespace

Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& file) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("write", file);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

std::optional<std::string_view> temp_file_target(std::string_view tmp_name) {
    constexpr std::string_view kPrefix = ".tmp-";
    constexpr std::size_t kSuffix = 1 + 16;  // "-" and the hex of temp_name's 8 random bytes
    if (tmp_name.size() <= kPrefix.size() + kSuffix || tmp_name.substr(0, kPrefix.size()) != kPrefix) {
        return std::nullopt;
    }
    const auto suffix = tmp_name.substr(tmp_name.size() - kSuffix);
    if (suffix.front() != '-') return std::nullopt;
    for (char c : suffix.substr(1)) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    }
    return tmp_name.substr(kPrefix.size(), tmp_name.size() - kPrefix.size() - kSuffix);
}

Result<void> fsync_directory(const std::filesystem::path& dir) {
    Fd d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd < 0) return os_error("open dir", dir);
    if (::fsync(d.fd) != 0) return os_error("fsync dir", dir);
    return {};
}

Result<void> write_file_atomically(const std::filesystem::path& dir, std::string_view name,
                                   std::string_view bytes, const AtomicWriteOptions& options) {
    auto staged = stage(dir, name, bytes, options, options.mtime, options.fsync_file);
    if (!staged) return staged.error();
    if (auto r = publish(*staged); !r) return r;
    if (options.fsync_dir) return fsync_directory(dir);
    return {};
}

Result<void> write_files_atomically(const std::filesystem::path& dir,
                                    std::span<const PendingFile> files,
                                    const AtomicWriteOptions& options) {
    if (files.empty()) return {};
    // One file: its own fsync is cheaper than flushing the whole file system.
    const bool one = files.size() == 1;
    std::vector<Staged> staged;
    staged.reserve(files.size());
    auto discard = [&](const Error& e) -> Result<void> {
        for (const auto& st : staged) ::unlink(st.tmp.c_str());
        return e;
    };
    for (const auto& f : files) {
        auto st = stage(dir, f.name, f.bytes, options, f.mtime, one && options.fsync_file);
        if (!st) return discard(st.error());
        staged.push_back(std::move(st).value());
    }
    if (!one && options.fsync_file) {
        if (auto r = sync_file_system(options.tmp_dir.value_or(dir)); !r) return discard(r.error());
    }
    for (size_t i = 0; i < staged.size(); ++i) {
        if (auto r = publish(staged[i]); !r) {
            for (size_t j = i + 1; j < staged.size(); ++j) ::unlink(staged[j].tmp.c_str());
            return r;
        }
    }
    if (options.fsync_dir) return fsync_directory(dir);
    return {};
}

Result<std::string> read_file(const std::filesystem::path& file) {
    Fd f;
    f.fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) {
        if (errno == ENOENT) return Error::refused("no such file " + file.string());
        return os_error("open", file);
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return os_error("stat", file);
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("read", file);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace mr::storage
