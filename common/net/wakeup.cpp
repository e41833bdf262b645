// See wakeup.hpp.
#include "common/net/wakeup.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.hpp"

namespace mr::net {

std::filesystem::path wakeup_endpoint(const std::filesystem::path& data_dir, WakeupListener who) {
    const char* name = who == WakeupListener::Deliverd ? "deliverd.sock" : "imapd.sock";
    return data_dir / "run" / name;
}

// The poll handle must outlive the receiver until its close callback, and the fd must stay
// open until then (libuv polls it), so both live here.
struct WakeupReceiver::Box {
    uv_poll_t poll{};
    int fd = -1;
    WakeupReceiver* owner = nullptr;  // null once the receiver is gone
};

namespace {

Result<sockaddr_un> unix_address(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string& s = path.native();
    if (s.empty() || s.size() >= sizeof addr.sun_path) {
        return Error::internal("unix socket path too long (max " +
                               std::to_string(sizeof addr.sun_path - 1) + "): " + s);
    }
    std::memcpy(addr.sun_path, s.data(), s.size());
    return addr;
}

}  // namespace

Result<std::unique_ptr<WakeupReceiver>> WakeupReceiver::open(Loop& loop, std::filesystem::path path,
                                                             Callback callback) {
    auto addr = unix_address(path);
    if (!addr) return addr.error();
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::internal(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());  // a stale socket from a previous run
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
        int e = errno;
        ::close(fd);
        return Error::internal("cannot bind " + path.string() + ": " + std::strerror(e));
    }
    std::unique_ptr<WakeupReceiver> r(new WakeupReceiver(std::move(path), std::move(callback)));
    r->box_ = new Box{};
    r->box_->fd = fd;
    r->box_->owner = r.get();
    r->box_->poll.data = r->box_;
    if (int rc = uv_poll_init(loop.raw(), &r->box_->poll, fd); rc != 0) {
        ::close(fd);
        delete r->box_;
        r->box_ = nullptr;
        ::unlink(r->path_.c_str());
        return Error::internal(std::string("uv_poll_init: ") + uv_strerror(rc));
    }
    uv_poll_start(&r->box_->poll, UV_READABLE, &WakeupReceiver::on_readable);
    return r;
}

WakeupReceiver::~WakeupReceiver() {
    if (box_ == nullptr) return;
    box_->owner = nullptr;
    uv_poll_stop(&box_->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&box_->poll), [](uv_handle_t* h) {
        auto* box = static_cast<Box*>(h->data);
        ::close(box->fd);
        delete box;
    });
    ::unlink(path_.c_str());
}

void WakeupReceiver::on_readable(uv_poll_t* handle, int status, int) {
    auto* box = static_cast<Box*>(handle->data);
    if (status < 0) {
        log::warn("wakeup_poll_error", {log::Field("error", uv_strerror(status))});
        return;
    }
    char buf[kMaxWakeupMessage];
    // Drain everything queued: many wake-ups while we were busy collapse into one pass.
    while (box->owner != nullptr) {
        ssize_t n = ::recv(box->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EAGAIN: drained
        }
        // A copy of the callback: it may destroy the receiver.
        Callback cb = box->owner->cb_;
        cb(std::string_view(buf, static_cast<std::size_t>(n)));
    }
}

Result<void> send_wakeup(const std::filesystem::path& path, std::string_view message) {
    auto addr = unix_address(path);
    if (!addr) return addr.error();
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::internal(std::string("socket: ") + std::strerror(errno));
    if (message.size() > kMaxWakeupMessage) message = message.substr(0, kMaxWakeupMessage);
    ssize_t n = ::sendto(fd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                         reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un));
    int e = errno;
    ::close(fd);
    if (n >= 0) return {};
    if (e == ENOENT || e == ECONNREFUSED || e == EAGAIN || e == EWOULDBLOCK) {
        return Error::refused("no wake-up receiver ready at " + path.string() + ": " + std::strerror(e));
    }
    return Error::internal("wake-up to " + path.string() + ": " + std::strerror(e));
}

}  // namespace mr::net
