// One running instance of a daemon per data_dir: an exclusive flock(2) on
// data_dir/run/<name>.lock, held for the life of the process.
//
// Invariants:
// - Holding the lock proves that no other process holding it is alive: the kernel
//   releases it when the holder dies in any way (SIGKILL included), and only then.
//   No pid is read or probed, so a crashed holder, a zombie or a reused pid cannot
//   be mistaken for a live instance or the other way round.
// - The descriptor is close-on-exec: a child the daemon starts does not keep the
//   lock alive after the daemon has died.
// - Acquiring never waits: a held lock is Refused, and the caller refuses to start.
#pragma once

#include <filesystem>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::storage {

class InstanceLock {
public:
    // Creates data_dir/run/ and the lock file when missing.
    static Result<InstanceLock> acquire(const std::filesystem::path& data_dir, std::string_view name);

    InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    InstanceLock& operator=(InstanceLock&& other) noexcept;
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;
    ~InstanceLock();

private:
    explicit InstanceLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace mr::storage
