// raise_fd_limit: a daemon's open-file limit, raised at start to what its connection limits
// need.
//
// Why: every connection is a file descriptor, and [limits] max_connections allows thousands
// per listening socket (an office keeps hundreds of IMAP IDLE sessions open), while the
// usual soft RLIMIT_NOFILE is 1024. Past it accept() fails with EMFILE and every client,
// from every address, waits in the kernel queue. Any process may raise its soft limit up
// to its hard limit, so daemons do that at start; when even the hard limit is below what
// the config allows, the operator gets a warning naming both numbers.
#pragma once

#include <cstddef>
#include <string_view>

namespace mr::net {

// Raises the soft RLIMIT_NOFILE to the hard one (never lowers it) and logs the result;
// warns when the limit stays below `wanted` descriptors. Returns the soft limit in effect.
std::size_t raise_fd_limit(std::size_t wanted);

// What a daemon with `listeners` listening sockets of `max_connections` each may need:
// one descriptor per connection plus a margin for its own files (store, logs, sockets).
std::size_t fds_wanted(std::size_t listeners, std::size_t max_connections);

}  // namespace mr::net
