// SmtpClientSession: the sans-I/O core of one outbound SMTP connection. It is fed the
// server's reply lines and answers with what to send and what happened; the libuv glue
// (smtp_connection.*) does the writing, TLS and streaming of the message file.
//
// Invariants:
// - Replies are matched to commands strictly in order through a queue of expectations,
//   so PIPELINING (RFC 2920 §3.1, rfc2920.txt:137) and lock-step use one code path.
// - A recipient is Delivered only after a 2xx to the final dot of a transaction in which
//   its RCPT got a 2xx. A 4xx/5xx to MAIL or DATA (or to the dot) applies to every
//   recipient still open in that transaction; a 5xx to RCPT is final for that recipient.
// - A transaction that cannot succeed on this server is refused locally, before MAIL:
//   a message larger than the announced SIZE (RFC 1870 §6.1), or one needing SMTPUTF8
//   from a server without it (RFC 6531 §3.2, rfc6531.txt:292).
// - Failures before a transaction (greeting, EHLO/HELO, STARTTLS required, AUTH) are
//   reported as a SessionFailure so the caller can try the next host; after that the
//   session is only good for being closed.
// - Losing the connection, a timeout or a malformed reply in a transaction makes every
//   recipient not yet final a TempFail: never Delivered when the answer is unknown.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deliverd/remote/remote_delivery.hpp"
#include "deliverd/remote/smtp_reply.hpp"

namespace mr::deliverd {

enum class TlsMode { Off, Opportunistic, Required };

struct SessionSettings {
    std::string helo_name;
    TlsMode tls = TlsMode::Opportunistic;  // Off when there is no client TLS context
    std::string auth_user;                 // empty: no AUTH
    std::string auth_password;
};

struct RcptStatus {
    RemoteOutcome outcome = RemoteOutcome::TempFail;
    std::string reply;
};

struct SessionFailure {
    std::string reason;
    bool permanent = false;   // a 5xx greeting/HELO: this server will never take the mail
    bool during_tls = false;  // the STARTTLS handshake broke (opportunistic: retry in the clear)
    bool no_starttls = false;  // TLS was required, the server did not offer or refused STARTTLS
};

// Everything one input produced; the glue acts on the fields in this order.
struct SessionOutput {
    std::string send;                                // commands to write
    std::optional<std::vector<RcptStatus>> results;  // the transaction ended (one per recipient)
    std::optional<SessionFailure> failure;           // unusable before a transaction: close
    bool start_tls = false;                          // begin the TLS handshake after `send`
    bool send_message = false;                       // stream the body now, then message_sent()
    bool ready = false;                              // idle: begin() another transaction or quit()
    bool close = false;                              // done with the connection
};

enum class ReplyTimeout { None, Command, DataBlock, DataDone };

class SmtpClientSession {
public:
    explicit SmtpClientSession(SessionSettings settings) : settings_(std::move(settings)) {}

    // A line from the server, CRLF removed.
    SessionOutput on_line(std::string_view line);
    // The STARTTLS handshake finished: forget what EHLO said and say it again
    // (RFC 3207 §4.2, rfc3207.txt:215).
    SessionOutput on_tls_ready();
    // Starts a transaction; only when the last output said `ready`.
    SessionOutput begin(const RemoteMessage& message);
    // The glue wrote the whole dot-stuffed body and the final ".\r\n".
    SessionOutput message_sent();
    // Says goodbye; the connection may be closed once the reply (or a timeout) arrives.
    SessionOutput quit();
    // The connection broke or the reply timed out (reason says which).
    SessionOutput connection_lost(std::string_view reason);

    bool is_ready() const { return phase_ == Phase::Ready; }
    bool in_transaction() const { return phase_ == Phase::Transaction || phase_ == Phase::Message; }
    bool tls_active() const { return tls_active_; }
    const Capabilities& capabilities() const { return caps_; }
    // Which RFC 5321 §4.5.3.2 timeout applies to what we wait for now.
    ReplyTimeout timeout() const;
    // The first recipient reply has not arrived yet (a reused connection that died at once
    // may be retried elsewhere without any risk).
    bool transaction_untouched() const { return in_transaction() && !tx_any_reply_; }

private:
    enum class Phase { Greeting, Hello, Tls, Auth, Ready, Transaction, Message, Quit, Closed };
    enum class Expect { Greeting, Ehlo, Helo, StartTls, AuthPlain, AuthLoginUser, AuthLoginPassword,
                        AuthDone, Rset, Mail, Rcpt, Data, Dot, DotDiscarded, Quit };

    void on_reply(const SmtpReply& reply, SessionOutput& out);
    void on_setup_reply(Expect what, const SmtpReply& reply, SessionOutput& out);
    void on_transaction_reply(Expect what, const SmtpReply& reply, SessionOutput& out);
    void after_hello(SessionOutput& out);
    void start_auth(SessionOutput& out);
    void send(Expect what, std::string command, SessionOutput& out);
    void send_mail(SessionOutput& out);
    void send_rcpt(std::size_t index, SessionOutput& out);
    void next_lockstep_step(SessionOutput& out);
    void finish_transaction(SessionOutput& out);
    void fail_open_recipients(RemoteOutcome outcome, const std::string& reply);
    void fail(std::string reason, bool permanent, SessionOutput& out);
    void protocol_error(std::string reason, SessionOutput& out);

    SessionSettings settings_;
    SmtpReplyReader reader_;
    Phase phase_ = Phase::Greeting;
    std::deque<Expect> expect_{Expect::Greeting};
    Capabilities caps_;
    bool tls_active_ = false;
    bool tls_declined_ = false;   // the server refused our STARTTLS (opportunistic: go on)
    bool authenticated_ = false;
    bool need_rset_ = false;      // a transaction ran on this connection before

    // The transaction in progress.
    RemoteMessage tx_;
    std::vector<RcptStatus> tx_status_;
    std::vector<bool> tx_final_;     // status decided (RCPT refused, or the end reached)
    std::vector<bool> tx_accepted_;  // RCPT got 2xx
    std::size_t tx_next_rcpt_ = 0;   // lock-step: next RCPT to send
    std::size_t tx_rcpt_replies_ = 0;
    bool tx_mail_failed_ = false;
    bool tx_any_reply_ = false;
};

// "MAIL FROM:<...> SIZE=... BODY=8BITMIME SMTPUTF8 RET=... ENVID=..." as far as the server
// offers each extension (RFC 1870 §6, RFC 6152 §3, RFC 6531 §3.4, RFC 3461 §4).
std::string mail_command(const RemoteMessage& message, const Capabilities& caps);
std::string rcpt_command(const RemoteRecipient& rcpt, const Capabilities& caps);

}  // namespace mr::deliverd
