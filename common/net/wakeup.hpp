// Wake-up channel between daemons: each daemon that wants to be nudged (deliverd after
// smtpd enqueues, imapd after a delivery) listens on a Unix datagram socket, e.g.
// data_dir/run/deliverd.sock; others send short messages to it.
//
// Invariants:
// - A wake-up is a hint, never the message itself. send_wakeup() is non-blocking and best
//   effort: if the receiver is down, restarting, or its queue is full, the datagram is lost
//   and the receiver finds the work at its next periodic poll of the queue/store. A missed
//   wake-up costs at most one poll interval; it can never lose mail, because the mail is
//   already durable before anyone sends a wake-up.
// - Messages are at most kMaxWakeupMessage bytes (longer ones are truncated by the kernel
//   and delivered cut); receivers treat them as untrusted hints (anyone who can write the
//   socket file can send one), so the socket lives in a directory only mailroom can enter.
// - The receiver owns its socket path: a stale file from a crashed run is replaced at
//   start, and the file is removed when the receiver is destroyed.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "common/net/loop.hpp"
#include "common/util/result.hpp"

namespace mr::net {

inline constexpr std::size_t kMaxWakeupMessage = 512;

// Wake-ups that ask deliverd for its TLS reports (RFC 8460) at once (`mailroom tlsrpt send`):
// of the UTC days that ended, or also of today so far. Any other message means "the queue".
inline constexpr std::string_view kTlsReportWakeup = "tlsrpt-send";
inline constexpr std::string_view kTlsReportTodayWakeup = "tlsrpt-send-now";

// The daemons that listen for wake-ups. pop3d has none: a POP3 session sees its maildrop as
// it was at PASS (RFC 1939 §8), so new mail needs no nudge.
enum class WakeupListener { Deliverd, Imapd };

// The one place the socket names are spelled: data_dir/run/<daemon>.sock. Receivers bind it,
// senders send to it.
std::filesystem::path wakeup_endpoint(const std::filesystem::path& data_dir, WakeupListener who);

class WakeupReceiver {
public:
    using Callback = std::function<void(std::string_view message)>;

    // Binds `path` (creating its parent directory if missing) and delivers each datagram to
    // callback on the loop thread. A factory because binding can fail.
    static Result<std::unique_ptr<WakeupReceiver>> open(Loop& loop, std::filesystem::path path,
                                                        Callback callback);
    ~WakeupReceiver();
    WakeupReceiver(const WakeupReceiver&) = delete;
    WakeupReceiver& operator=(const WakeupReceiver&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    struct Box;
    WakeupReceiver(std::filesystem::path path, Callback cb) : path_(std::move(path)), cb_(std::move(cb)) {}
    static void on_readable(uv_poll_t* handle, int status, int events);

    std::filesystem::path path_;
    Callback cb_;
    Box* box_ = nullptr;  // poll handle + fd; freed in its close callback
};

// Refused: nobody listens at path (or its queue is full); Internal: anything else.
// Callers may ignore the result: see the best-effort rule above.
Result<void> send_wakeup(const std::filesystem::path& path, std::string_view message);

}  // namespace mr::net
