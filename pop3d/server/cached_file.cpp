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
int open_cached(const char* path) {
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC;
    how.resolve = RESOLVE_CACHED;
    return static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how));
}

}  // namespace

bool read_if_cached(const char* path, std::uint64_t wire_size, std::size_t max_size, std::string& bytes) {
    if (wire_size > max_size) return false;
    const int fd = open_cached(path);
    if (fd < 0) return false;
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const auto want = static_cast<std::size_t>(wire_size) + 1;
    bytes.resize(want);
    iovec iov{bytes.data(), want};
    const ssize_t n = ::preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
    bool whole = false;
    if (n >= 0 && static_cast<std::size_t>(n) < want) {
        const auto got = static_cast<std::size_t>(n);
        struct stat st {};
        whole = got == wire_size || got % page != 0 ||
                (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) == got);
        bytes.resize(got);
    }
    ::close(fd);
    return whole;
}

}  // namespace mr::pop3d::server
