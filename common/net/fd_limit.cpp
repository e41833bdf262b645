// See fd_limit.hpp.
#include "common/net/fd_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.hpp"

namespace mr::net {

namespace {

// Descriptors a daemon uses besides its connections: SQLite databases and their WAL files,
// Maildir files being read, the log, wake-up sockets, libuv's own.
constexpr std::size_t kOwnFiles = 256;

}  // namespace

std::size_t fds_wanted(std::size_t listeners, std::size_t max_connections) {
    return listeners * max_connections + kOwnFiles;
}

std::size_t raise_fd_limit(std::size_t wanted) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log::warn("fd_limit_unknown", {log::Field("error", std::strerror(errno))});
        return 0;
    }
    if (rl.rlim_cur != rl.rlim_max) {
        const rlim_t before = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log::warn("fd_limit_not_raised", {log::Field("soft", static_cast<std::uint64_t>(before)),
                                               log::Field("hard", static_cast<std::uint64_t>(rl.rlim_max)),
                                               log::Field("error", std::strerror(errno))});
            rl.rlim_cur = before;
        }
    }
    const std::size_t now = rl.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(-1)
                                                         : static_cast<std::size_t>(rl.rlim_cur);
    if (now < wanted) {
        log::warn("fd_limit_low", {log::Field("limit", now), log::Field("wanted", wanted),
                                   log::Field("hint", "raise the hard RLIMIT_NOFILE (LimitNOFILE= in the "
                                                      "systemd unit) or lower [limits] max_connections")});
    } else {
        log::debug("fd_limit", {log::Field("limit", now), log::Field("wanted", wanted)});
    }
    return now;
}

}  // namespace mr::net
