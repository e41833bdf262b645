// A message received into the queue's msg/ directory; see queue_spool.hpp.
#include "storage/queue_spool.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include "storage/atomic_file.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = ".spool-";

Error os_error(std::string_view what, const fs::path& p) {
    return Error::internal(std::string(what) + " " + p.string() + ": " + std::strerror(errno));
}

// The writer pid in ".spool-<pid>-<id>", or 0.
long spool_pid(std::string_view name) {
    if (name.substr(0, kPrefix.size()) != kPrefix) return 0;
    name.remove_prefix(kPrefix.size());
    long pid = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end == name.data() || end == name.data() + name.size() || *end != '-') return 0;
    return pid;
}

}  // namespace

QueueSpool::QueueSpool(const fs::path& data_dir, std::string id)
    : msg_dir_(data_dir / "queue" / "msg"),
      id_(std::move(id)),
      path_(msg_dir_ / (std::string(kPrefix) + std::to_string(::getpid()) + "-" + id_)) {}

QueueSpool::~QueueSpool() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !committed_) ::unlink(path_.c_str());
}

Result<void> QueueSpool::open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return os_error("create", path_);
    created_ = true;
    return {};
}

Result<void> QueueSpool::append(std::string_view bytes) {
    if (committed_) return Error::internal("append to a committed spool " + id_);
    if (fd_ < 0) {
        if (auto r = open(); !r) return r;
    }
    if (auto r = write_all(fd_, bytes, path_); !r) return r;
    size_ += bytes.size();
    return {};
}

Result<void> QueueSpool::replace_prefix(std::string_view bytes, std::uint64_t old_length) {
    if (committed_) return Error::internal("prepend to a committed spool " + id_);
    if (old_length > size_) return Error::internal("prefix longer than spool " + id_);
    if (fd_ < 0) {
        if (auto r = open(); !r) return r;
    }
    // Still ".spool-<pid>-...": a crash between here and the rename leaves a file that
    // sweep_dead_spools removes.
    const fs::path next = path_.string() + "+";
    const int out = ::open(next.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) return os_error("create", next);
    auto fail = [&](Error e) -> Result<void> {
        ::close(out);
        ::unlink(next.c_str());
        return e;
    };
    if (auto r = write_all(out, bytes, next); !r) return fail(r.error());
    const int in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return fail(os_error("open", path_));
    if (old_length > 0 && ::lseek(in, static_cast<off_t>(old_length), SEEK_SET) < 0) {
        ::close(in);
        return fail(os_error("seek", path_));
    }
    std::string buffer(64 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::read(in, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(in);
            return fail(os_error("read", path_));
        }
        if (n == 0) break;
        if (auto r = write_all(out, std::string_view(buffer.data(), static_cast<std::size_t>(n)), next); !r) {
            ::close(in);
            return fail(r.error());
        }
    }
    ::close(in);
    if (::rename(next.c_str(), path_.c_str()) != 0) return fail(os_error("rename", next));
    ::close(fd_);
    fd_ = out;
    size_ = size_ - old_length + bytes.size();
    return {};
}

Result<void> QueueSpool::commit() {
    if (committed_) return Error::internal("spool committed twice " + id_);
    if (fd_ < 0) {
        if (auto r = open(); !r) return r;  // an empty message: still a file
    }
    if (::fdatasync(fd_) != 0) return os_error("fdatasync", path_);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return os_error("close", path_);
    const fs::path final_path = msg_dir_ / id_;
    // link + unlink rather than rename: never replaces an existing file (atomic_file.hpp).
    if (::link(path_.c_str(), final_path.c_str()) != 0) return os_error("link", final_path);
    committed_ = true;
    ::unlink(path_.c_str());
    return {};
}

Result<std::size_t> sweep_dead_spools(const fs::path& data_dir) {
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(data_dir / "queue" / "msg", ec), end; !ec && it != end; it.increment(ec)) {
        const long pid = spool_pid(it->path().filename().string());
        if (pid <= 0 || pid == ::getpid()) continue;
        // EPERM: a live process of another user; only ESRCH says the writer is gone.
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
        std::error_code rm;
        if (fs::remove(it->path(), rm)) ++removed;
    }
    if (ec && ec != std::errc::no_such_file_or_directory) return Error::internal("list queue spool: " + ec.message());
    return removed;
}

}  // namespace mr::storage
