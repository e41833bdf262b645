// flock(2) on data_dir/run/<name>.lock; see instance_lock.hpp for the invariants.
#include "storage/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace mr::storage {

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& data_dir, std::string_view name) {
    const auto dir = data_dir / "run";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error::internal("mkdir " + dir.string() + ": " + ec.message());
    const auto file = dir / (std::string(name) + ".lock");
    // Read-only is enough for flock(2), and lets a file root created lock for the
    // unprivileged account too.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error::internal("open " + file.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return Error::refused("another " + std::string(name) + " holds " + file.string());
        }
        return Error::internal("flock " + file.string() + ": " + std::strerror(err));
    }
    return InstanceLock(fd);
}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

InstanceLock::~InstanceLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace mr::storage
