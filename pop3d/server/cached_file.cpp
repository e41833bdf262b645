#include "pop3d/server/cached_file.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace mr::pop3d::server {

namespace {

// glibc 2.36 has no openat2 wrapper.
int open_cached(const std::filesystem::path& path) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_CACHED;
    return static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how));
}

}  // namespace

std::optional<std::string> read_if_cached(const std::filesystem::path& path, std::size_t max_size) {
    const int fd = open_cached(path);
    if (fd < 0) return std::nullopt;
    std::optional<std::string> result;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size >= 0 && static_cast<std::size_t>(st.st_size) <= max_size) {
        std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
        iovec iov{bytes.data(), bytes.size()};
        const ssize_t n = bytes.empty() ? 0 : ::preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
        if (n >= 0 && static_cast<std::size_t>(n) == bytes.size()) result = std::move(bytes);
    }
    ::close(fd);
    return result;
}

}  // namespace mr::pop3d::server
