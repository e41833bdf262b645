// SmtpConnection: drives one SmtpClientSession over one outbound net::Connection — writes
// its commands, runs STARTTLS, streams the message dot-stuffed with back-pressure,
// applies the RFC 5321 §4.5.3.2 timeouts — and tells its owner what happened.
//
// Invariants:
// - Owned by its net::Connection (as every ConnectionHandler is); the owner holds a raw
//   pointer that is valid until owner.on_closed(*this), the last callback. detach() (the
//   owner is going away) stops every callback.
// - At most one message is in flight.
// - The message is already in memory (RemoteMessage::bytes, shared with the queue runner); it
//   is dot-stuffed and written in 64 KiB pieces only while the connection is writable(), the
//   rest from on_drain, so a slow server holds at most the back-pressure high-water mark of
//   stuffed copies on top of the one message.
// - Losing the connection or a timeout is reported through the session, which turns an
//   unfinished transaction into TempFails (never Delivered).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/net/connection.hpp"
#include "common/text/message_data.hpp"
#include "deliverd/remote/smtp_client_session.hpp"

namespace mr::deliverd {

class SmtpConnection;

class SmtpConnectionOwner {
public:
    virtual ~SmtpConnectionOwner() = default;
    // Idle and able to take begin(): after the greeting/EHLO/TLS/AUTH, and after each message.
    virtual void on_ready(SmtpConnection& c) = 0;
    // The transaction begun with begin() ended; one status per recipient.
    virtual void on_results(SmtpConnection& c, std::vector<RcptStatus> results) = 0;
    // The server could not be used (connect, greeting, EHLO, TLS, AUTH) before a transaction.
    virtual void on_failure(SmtpConnection& c, const SessionFailure& failure) = 0;
    // A reused connection died before the server said anything about the transaction:
    // nothing happened, the message may be retried on another connection at once.
    virtual void on_stale(SmtpConnection& c) = 0;
    virtual void on_closed(SmtpConnection& c) = 0;
};

struct SmtpTimeouts {
    std::chrono::milliseconds command{300'000};
    std::chrono::milliseconds data_block{180'000};
    std::chrono::milliseconds data_done{600'000};
    std::chrono::milliseconds reuse_idle{5'000};
};

class SmtpConnection final : public net::ConnectionHandler {
public:
    // Starts the TCP connect. `label` names the server in results ("mx.example.org[192.0.2.1]").
    static SmtpConnection* open(net::Loop& loop, const sockaddr* address, std::chrono::milliseconds connect_timeout,
                                std::shared_ptr<net::TlsContext> tls, std::string tls_server_name,
                                SessionSettings settings, SmtpTimeouts timeouts, std::string label,
                                SmtpConnectionOwner& owner);

    // Only after on_ready.
    void begin(const RemoteMessage& message);
    void quit();
    // Closes now (shutdown); the owner still gets on_closed unless detached.
    void abort();
    void detach() { owner_ = nullptr; }

    const std::string& label() const { return label_; }
    bool ready() const { return session_.is_ready() && !closing_; }
    bool remote_dsn() const { return session_.capabilities().dsn; }
    bool tls_active() const { return session_.tls_active(); }
    bool tls_attempted() const { return tls_attempted_; }
    // Why our verification refused the server's certificate (OpenSSL X509_V_*), 0 if it did not.
    long tls_verify_error() const { return tls_verify_error_; }
    const std::string& local_ip() const { return local_ip_; }  // known from on_start

    std::string destination;  // the owner's key (domain or smarthost)

    // net::ConnectionHandler
    void on_start(net::Connection& c) override;
    void on_line(net::Connection& c, std::string_view line, net::LineEnd end) override;
    void on_line_too_long(net::Connection& c) override;
    void on_tls_ready(net::Connection& c) override;
    void on_timeout(net::Connection& c) override;
    void on_drain(net::Connection& c) override;
    void on_closed(net::Connection& c) override;
    void on_connect_failed(net::Connection& c, std::string_view reason) override;

    ~SmtpConnection() override;

private:
    SmtpConnection(SessionSettings settings, SmtpTimeouts timeouts, std::string label, SmtpConnectionOwner& owner);
    void apply(SessionOutput out);
    void lost(std::string_view reason);
    void pump_message();
    void update_timeout();

    SmtpClientSession session_;
    SmtpTimeouts timeouts_;
    std::string label_;
    SmtpConnectionOwner* owner_;
    net::Connection* conn_ = nullptr;
    std::shared_ptr<const std::string> message_;  // being streamed; null between transactions
    std::size_t message_offset_ = 0;              // bytes of message_ already stuffed and written
    text::DotStuffer stuffer_;
    bool streaming_ = false;
    bool closing_ = false;
    bool reused_ = false;          // a transaction ran on this connection before
    bool quitting_ = false;
    bool tls_attempted_ = false;  // STARTTLS was accepted and the handshake began
    long tls_verify_error_ = 0;
    std::string local_ip_;
};

}  // namespace mr::deliverd
