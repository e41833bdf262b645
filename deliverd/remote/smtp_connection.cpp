// See smtp_connection.hpp for the invariants.
#include "deliverd/remote/smtp_connection.hpp"

#include <algorithm>

#include "common/log/log.hpp"

namespace mr::deliverd {
namespace {

constexpr std::size_t kChunk = 64 * 1024;  // stuffed and written at a time, well under high_water
constexpr std::chrono::milliseconds kQuitWait{10'000};  // for the 221 before we just close
// Reply lines (line_buffer.hpp). RFC 5321 §4.5.3.1.5 (rfc5321.txt:3504) allows 512 octets
// with CRLF; servers that send longer text are common, so 4096 with CRLF is accepted. A bare
// LF ends a reply line like CRLF, and a bare CR stays in the reply text: what a reply means
// is never in doubt, and refusing it would only bounce mail.
constexpr text::LinePolicy kReplyLines{4096 - 2, text::BareLf::Tolerate, text::BareCr::Tolerate};

}  // namespace

SmtpConnection::SmtpConnection(SessionSettings settings, SmtpTimeouts timeouts, std::string label,
                               SmtpConnectionOwner& owner)
    : session_(std::move(settings)), timeouts_(timeouts), label_(std::move(label)), owner_(&owner) {}

SmtpConnection::~SmtpConnection() = default;

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
    options.framing = kReplyLines;
    options.idle_timeout = timeouts.command;  // the greeting (RFC 5321 §4.5.3.2.1)
    options.tls = std::move(tls);
    options.tls_server_name = std::move(tls_server_name);
    self->conn_ = net::Connection::connect(loop, address, connect_timeout, std::move(options), std::move(handler));
    return self;
}

void SmtpConnection::on_start(net::Connection& c) {
    local_ip_ = c.local_ip();
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

void SmtpConnection::on_closed(net::Connection& c) {
    if (tls_attempted_ && !session_.tls_active()) tls_verify_error_ = c.tls_verify_result();
    if (!closing_) {
        // A close between STARTTLS and a finished handshake: our verification refused the
        // certificate (net::Connection logged why: tls_handshake_failed), or the server
        // broke off. Say so: under MTA-STS or DANE this is the reason the mail waits.
        lost(tls_attempted_ && !session_.tls_active()
                 ? "TLS handshake with " + label_ + " failed (certificate not accepted, or cut off)"
                 : "connection closed by " + label_);
    }
    closing_ = true;
    if (owner_ != nullptr) owner_->on_closed(*this);
}

void SmtpConnection::begin(const RemoteMessage& message) {
    if (!message.bytes) {  // a caller's bug; fail the attempt rather than send an empty message
        std::vector<RcptStatus> results(message.recipients.size(),
                                        RcptStatus{RemoteOutcome::TempFail, "no message bytes for " + message.queue_id});
        if (owner_ != nullptr) owner_->on_results(*this, std::move(results));
        if (owner_ != nullptr && ready()) owner_->on_ready(*this);
        return;
    }
    message_ = message.bytes;
    message_offset_ = 0;
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
        message_.reset();
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

void SmtpConnection::pump_message() {
    // Each write below may fill the output to high_water; on_drain calls back here.
    while (streaming_ && !closing_ && conn_->writable()) {
        const std::string_view bytes(*message_);
        std::string stuffed;
        if (message_offset_ < bytes.size()) {
            const std::string_view piece = bytes.substr(message_offset_, kChunk);
            message_offset_ += piece.size();
            stuffer_.feed(piece, stuffed);
            conn_->write(stuffed);
            continue;
        }
        // End of the message. RFC 5321 §4.1.1.4 (rfc5321.txt:1992): the data ends with CRLF "." CRLF.
        stuffer_.finish(stuffed);
        conn_->write(stuffed);
        streaming_ = false;
        message_.reset();
        apply(session_.message_sent());
        return;
    }
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
