// See smtp_connection.hpp for the invariants.
#include "deliverd/remote/smtp_connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "common/log/log.hpp"

namespace mr::deliverd {
namespace {

constexpr std::size_t kFileChunk = 64 * 1024;
constexpr std::chrono::milliseconds kQuitWait{10'000};  // for the 221 before we just close

}  // namespace

SmtpConnection::SmtpConnection(SessionSettings settings, SmtpTimeouts timeouts, std::string label,
                               SmtpConnectionOwner& owner)
    : session_(std::move(settings)), timeouts_(timeouts), label_(std::move(label)), owner_(&owner) {}

SmtpConnection::~SmtpConnection() = default;

SmtpConnection::MessageFile::~MessageFile() {
    if (fd >= 0) ::close(fd);
}

SmtpConnection* SmtpConnection::open(net::Loop& loop, const sockaddr* address,
                                     std::chrono::milliseconds connect_timeout,
                                     std::shared_ptr<net::TlsContext> tls, std::string tls_server_name,
                                     SessionSettings settings, SmtpTimeouts timeouts, std::string label,
                                     SmtpConnectionOwner& owner) {
    if (!tls) settings.tls = settings.tls == TlsMode::Required ? TlsMode::Required : TlsMode::Off;
    std::unique_ptr<SmtpConnection> handler(
        new SmtpConnection(std::move(settings), timeouts, std::move(label), owner));
    SmtpConnection* self = handler.get();
    net::ConnectionOptions options;
    options.max_line = 4096;  // RFC 5321 §4.5.3.1.5 allows 512 per reply line; be lenient
    options.idle_timeout = timeouts.command;  // the greeting (RFC 5321 §4.5.3.2.1)
    options.tls = std::move(tls);
    options.tls_server_name = std::move(tls_server_name);
    self->conn_ = net::Connection::connect(loop, address, connect_timeout, std::move(options), std::move(handler));
    return self;
}

void SmtpConnection::on_start(net::Connection& c) {
    log::debug("remote_connected", {log::conn(c.id()), log::Field("host", label_)});
}

void SmtpConnection::on_connect_failed(net::Connection&, std::string_view reason) {
    closing_ = true;
    (void)session_.connection_lost(reason);
    if (owner_ != nullptr) owner_->on_failure(*this, {"cannot connect to " + label_ + ": " + std::string(reason), false});
}

void SmtpConnection::on_line(net::Connection&, std::string_view line, net::LineEnd) {
    if (closing_) return;
    apply(session_.on_line(line));
}

void SmtpConnection::on_line_too_long(net::Connection&) {
    lost("protocol error: reply line too long from " + label_);
}

void SmtpConnection::on_tls_ready(net::Connection& c) {
    log::debug("remote_tls", {log::conn(c.id()), log::Field("host", label_),
                              log::Field("version", c.tls_version()), log::Field("cipher", c.tls_cipher())});
    apply(session_.on_tls_ready());
}

void SmtpConnection::on_timeout(net::Connection&) {
    if (closing_) return;
    if (quitting_) {
        closing_ = true;
        conn_->close();
        return;
    }
    if (session_.is_ready()) {  // idle too long: say goodbye
        quit();
        return;
    }
    lost("timeout waiting for " + label_ + " (RFC 5321 §4.5.3.2)");
}

void SmtpConnection::on_drain(net::Connection&) {
    if (streaming_) pump_message();
}

void SmtpConnection::on_closed(net::Connection&) {
    if (!closing_) lost("connection closed by " + label_);
    closing_ = true;
    if (owner_ != nullptr) owner_->on_closed(*this);
}

void SmtpConnection::begin(const RemoteMessage& message) {
    file_path_ = message.file;
    file_offset_ = 0;
    file_ = std::make_shared<MessageFile>();
    // open(2) of a queue file is a metadata lookup; the reads, which can be slow, go to the pool.
    file_->fd = ::open(message.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_->fd < 0) {
        file_.reset();
        std::vector<RcptStatus> results(message.recipients.size(),
                                        RcptStatus{RemoteOutcome::TempFail, "cannot read the queued message " +
                                                                                message.file.string()});
        if (owner_ != nullptr) owner_->on_results(*this, std::move(results));
        if (owner_ != nullptr && ready()) owner_->on_ready(*this);
        return;
    }
    stuffer_ = text::DotStuffer();
    apply(session_.begin(message));
}

void SmtpConnection::quit() {
    if (closing_ || quitting_) return;
    quitting_ = true;
    apply(session_.quit());
}

void SmtpConnection::abort() {
    if (closing_) return;
    closing_ = true;
    conn_->close();
}

void SmtpConnection::lost(std::string_view reason) {
    if (closing_) return;
    closing_ = true;
    streaming_ = false;
    if (reused_ && session_.transaction_untouched()) {
        (void)session_.connection_lost(reason);
        if (owner_ != nullptr) owner_->on_stale(*this);
    } else {
        SessionOutput out = session_.connection_lost(reason);
        if (out.results && owner_ != nullptr) owner_->on_results(*this, std::move(*out.results));
        if (out.failure && owner_ != nullptr) owner_->on_failure(*this, *out.failure);
    }
    conn_->close();
}

void SmtpConnection::apply(SessionOutput out) {
    if (!out.send.empty()) conn_->write(out.send);
    if (out.results) {
        streaming_ = false;
        file_.reset();
        reused_ = true;
        if (owner_ != nullptr) owner_->on_results(*this, std::move(*out.results));
    }
    if (out.failure) {
        closing_ = true;  // the session is over; what follows is only the close
        if (owner_ != nullptr) owner_->on_failure(*this, *out.failure);
    }
    if (out.close) {
        closing_ = true;
        conn_->close_after_flush();
        return;
    }
    if (out.start_tls) tls_attempted_ = true;
    if (out.start_tls && !conn_->start_tls()) {
        lost("TLS could not start with " + label_);
        return;
    }
    if (out.send_message) {
        streaming_ = true;
        pump_message();
    }
    update_timeout();
    if (out.ready && !closing_ && owner_ != nullptr) owner_->on_ready(*this);
}

namespace {

struct FileRead {
    uv_fs_t req{};
    std::string buffer;
    std::weak_ptr<void> alive;  // the Connection that owns the SmtpConnection
    SmtpConnection* self = nullptr;
    std::shared_ptr<void> file;  // keeps the fd open until the read is done
};

}  // namespace

void SmtpConnection::pump_message() {
    if (!streaming_ || closing_ || read_in_flight_ || !conn_->writable()) return;
    auto* r = new FileRead;
    r->buffer.resize(kFileChunk);
    r->alive = conn_->alive();
    r->self = this;
    r->file = file_;
    r->req.data = r;
    uv_buf_t buf = uv_buf_init(r->buffer.data(), static_cast<unsigned>(r->buffer.size()));
    read_in_flight_ = true;
    if (int rc = uv_fs_read(conn_->loop().raw(), &r->req, file_->fd, &buf, 1, file_offset_, &SmtpConnection::on_file_read);
        rc < 0) {
        read_in_flight_ = false;
        delete r;
        lost("cannot read the queued message " + file_path_.string() + ": " + uv_strerror(rc));
    }
}

void SmtpConnection::on_file_read(uv_fs_t* req) {
    std::unique_ptr<FileRead> r(static_cast<FileRead*>(req->data));
    auto n = static_cast<ssize_t>(req->result);
    uv_fs_req_cleanup(req);
    if (r->alive.expired()) return;  // the connection (and this handler) are gone
    SmtpConnection& self = *r->self;
    self.read_in_flight_ = false;
    if (r->file != self.file_) {
        // A read for a transaction that already ended (the server answered early): its bytes
        // belong to no one. The current message, if any, starts reading now.
        self.pump_message();
        return;
    }
    if (!self.streaming_ || self.closing_) return;
    if (n < 0) {
        self.lost("cannot read the queued message " + self.file_path_.string() + ": " +
                  uv_strerror(static_cast<int>(n)));
        return;
    }
    std::string stuffed;
    if (n > 0) {
        self.file_offset_ += n;
        self.stuffer_.feed(std::string_view(r->buffer.data(), static_cast<std::size_t>(n)), stuffed);
        self.conn_->write(stuffed);
        self.pump_message();  // the next piece now, or from on_drain once the peer caught up
        return;
    }
    // End of file. RFC 5321 §4.1.1.4 (rfc5321.txt:1992): the data ends with CRLF "." CRLF.
    self.stuffer_.finish(stuffed);
    self.conn_->write(stuffed);
    self.streaming_ = false;
    self.file_.reset();
    self.apply(self.session_.message_sent());
}

void SmtpConnection::update_timeout() {
    if (closing_) return;
    std::chrono::milliseconds t = timeouts_.command;
    switch (session_.timeout()) {
    case ReplyTimeout::Command: t = timeouts_.command; break;
    case ReplyTimeout::DataBlock: t = timeouts_.data_block; break;
    case ReplyTimeout::DataDone: t = timeouts_.data_done; break;
    case ReplyTimeout::None:
        if (session_.is_ready()) t = std::max(timeouts_.reuse_idle, std::chrono::milliseconds(1));
        break;
    }
    if (quitting_) t = std::min(t, kQuitWait);
    conn_->set_idle_timeout(t);
}

}  // namespace mr::deliverd
