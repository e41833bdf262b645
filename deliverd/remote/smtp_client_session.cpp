// See smtp_client_session.hpp for the invariants.
#include "deliverd/remote/smtp_client_session.hpp"

#include "common/text/sasl.hpp"

namespace mr::deliverd {
namespace {

RemoteOutcome outcome_of(const SmtpReply& reply) {
    if (reply.positive()) return RemoteOutcome::Delivered;
    return reply.permanent() ? RemoteOutcome::PermFail : RemoteOutcome::TempFail;
}

// Envelope values come from our own queue, but a CR or LF in one would let it inject a
// command into the dialogue: refuse rather than send.
bool has_line_break(std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
}

bool envelope_is_clean(const RemoteMessage& m) {
    if (has_line_break(m.sender) || has_line_break(m.dsn_ret) || has_line_break(m.dsn_envid)) return false;
    for (const auto& r : m.recipients) {
        if (has_line_break(r.address) || has_line_break(r.dsn_notify) || has_line_break(r.orcpt)) return false;
    }
    return true;
}

}  // namespace

std::string mail_command(const RemoteMessage& m, const Capabilities& caps) {
    std::string cmd = "MAIL FROM:<" + m.sender + ">";
    if (caps.size) cmd += " SIZE=" + std::to_string(m.size);               // RFC 1870 §6
    if (m.has_8bit && caps.eightbitmime) cmd += " BODY=8BITMIME";        // RFC 6152 §3
    if (m.needs_smtputf8) cmd += " SMTPUTF8";                            // RFC 6531 §3.4
    if (caps.dsn && !m.dsn_ret.empty()) cmd += " RET=" + m.dsn_ret;      // RFC 3461 §4.3
    if (caps.dsn && !m.dsn_envid.empty()) cmd += " ENVID=" + m.dsn_envid;  // RFC 3461 §4.4
    return cmd + "\r\n";
}

std::string rcpt_command(const RemoteRecipient& r, const Capabilities& caps) {
    std::string cmd = "RCPT TO:<" + r.address + ">";
    if (caps.dsn && !r.dsn_notify.empty()) cmd += " NOTIFY=" + r.dsn_notify;  // RFC 3461 §4.1
    if (caps.dsn && !r.orcpt.empty()) cmd += " ORCPT=" + r.orcpt;             // RFC 3461 §4.2
    return cmd + "\r\n";
}

SessionOutput SmtpClientSession::on_line(std::string_view line) {
    SessionOutput out;
    if (phase_ == Phase::Closed) return out;
    auto r = reader_.feed(line);
    if (!r) {
        protocol_error(r.error().message, out);
        return out;
    }
    if (r->has_value()) on_reply(**r, out);
    return out;
}

void SmtpClientSession::on_reply(const SmtpReply& reply, SessionOutput& out) {
    if (expect_.empty()) {
        protocol_error("unexpected reply: " + reply.text(), out);
        return;
    }
    Expect what = expect_.front();
    expect_.pop_front();
    switch (what) {
    case Expect::Rset:
    case Expect::Mail:
    case Expect::Rcpt:
    case Expect::Data:
    case Expect::Dot:
    case Expect::DotDiscarded:
        on_transaction_reply(what, reply, out);
        return;
    case Expect::Quit:
        phase_ = Phase::Closed;
        out.close = true;
        return;
    default:
        on_setup_reply(what, reply, out);
    }
}

void SmtpClientSession::on_setup_reply(Expect what, const SmtpReply& reply, SessionOutput& out) {
    switch (what) {
    case Expect::Greeting:
        // RFC 5321 §3.1 (rfc5321.txt:959): 220 to go on; 554 (or a 4xx) means "not here".
        if (reply.code != 220) {
            fail("greeting: " + reply.text(), reply.permanent(), out);
            return;
        }
        phase_ = Phase::Hello;
        send(Expect::Ehlo, "EHLO " + settings_.helo_name + "\r\n", out);
        return;
    case Expect::Ehlo:
        if (reply.positive()) {
            caps_ = parse_ehlo(reply);
            after_hello(out);
        } else if (reply.permanent()) {
            // RFC 5321 §3.2 (rfc5321.txt:995): a server that does not know EHLO gets HELO.
            send(Expect::Helo, "HELO " + settings_.helo_name + "\r\n", out);
        } else {
            fail("EHLO: " + reply.text(), false, out);
        }
        return;
    case Expect::Helo:
        if (!reply.positive()) {
            fail("HELO: " + reply.text(), reply.permanent(), out);
            return;
        }
        caps_ = {};
        after_hello(out);
        return;
    case Expect::StartTls:
        if (reply.code == 220) {
            phase_ = Phase::Tls;
            out.start_tls = true;
        } else if (settings_.tls == TlsMode::Required) {
            fail("STARTTLS refused: " + reply.text(), false, out);
            out.failure->no_starttls = true;
        } else {
            tls_declined_ = true;  // opportunistic: carry on in the clear
            after_hello(out);
        }
        return;
    case Expect::AuthPlain:
    case Expect::AuthDone:
        if (reply.code != 235) {
            fail("authentication failed: " + reply.text(), false, out);
            return;
        }
        authenticated_ = true;
        phase_ = Phase::Ready;
        out.ready = true;
        return;
    case Expect::AuthLoginUser:
    case Expect::AuthLoginPassword:
        if (reply.code != 334) {
            fail("authentication failed: " + reply.text(), false, out);
            return;
        }
        if (what == Expect::AuthLoginUser) {
            send(Expect::AuthLoginPassword, text::base64_encode(settings_.auth_user) + "\r\n", out);
        } else {
            send(Expect::AuthDone, text::base64_encode(settings_.auth_password) + "\r\n", out);
        }
        return;
    default:
        protocol_error("internal: unexpected expectation", out);
    }
}

void SmtpClientSession::after_hello(SessionOutput& out) {
    if (!tls_active_ && !tls_declined_ && settings_.tls != TlsMode::Off && caps_.starttls) {
        phase_ = Phase::Tls;
        send(Expect::StartTls, "STARTTLS\r\n", out);
        return;
    }
    if (!tls_active_ && settings_.tls == TlsMode::Required) {
        fail("TLS is required but the server does not offer STARTTLS", false, out);
        out.failure->no_starttls = true;
        return;
    }
    if (!settings_.auth_user.empty() && !authenticated_) {
        start_auth(out);
        return;
    }
    phase_ = Phase::Ready;
    out.ready = true;
}

void SmtpClientSession::start_auth(SessionOutput& out) {
    phase_ = Phase::Auth;
    // RFC 4954 §4 (rfc4954.txt:139) with the initial response of RFC 4616 §2: PLAIN in one
    // round trip; LOGIN (two base64 challenges) for servers without PLAIN.
    if (caps_.auth_plain) {
        std::string creds;
        creds.push_back('\0');
        creds += settings_.auth_user;
        creds.push_back('\0');
        creds += settings_.auth_password;
        std::string line = "AUTH PLAIN " + text::base64_encode(creds) + "\r\n";
        text::secure_wipe(creds);
        send(Expect::AuthPlain, std::move(line), out);
    } else if (caps_.auth_login) {
        send(Expect::AuthLoginUser, "AUTH LOGIN\r\n", out);
    } else {
        fail("the server offers neither AUTH PLAIN nor AUTH LOGIN", false, out);
    }
}

SessionOutput SmtpClientSession::on_tls_ready() {
    SessionOutput out;
    if (phase_ != Phase::Tls) return out;
    tls_active_ = true;
    caps_ = {};  // RFC 3207 §4.2 (rfc3207.txt:215): discard what the server said before TLS
    phase_ = Phase::Hello;
    send(Expect::Ehlo, "EHLO " + settings_.helo_name + "\r\n", out);
    return out;
}

SessionOutput SmtpClientSession::begin(const RemoteMessage& message) {
    SessionOutput out;
    tx_ = message;
    std::size_t n = message.recipients.size();
    tx_status_.assign(n, RcptStatus{});
    tx_final_.assign(n, false);
    tx_accepted_.assign(n, false);
    tx_next_rcpt_ = 0;
    tx_rcpt_replies_ = 0;
    tx_mail_failed_ = false;
    tx_any_reply_ = false;

    auto refuse = [&](std::string reason) {
        for (auto& s : tx_status_) s = {RemoteOutcome::PermFail, reason};
        out.results = tx_status_;
        out.ready = true;  // nothing was sent: the connection stays usable
    };
    if (n == 0 || !envelope_is_clean(message)) {
        refuse("invalid envelope (no recipient or a line break in an address or parameter)");
        return out;
    }
    if (message.needs_smtputf8 && !caps_.smtputf8) {
        refuse("the message needs SMTPUTF8 (internationalised addresses or headers) and the "
               "receiving server does not support it");
        return out;
    }
    if (caps_.max_size > 0 && message.size > caps_.max_size) {
        refuse("message size " + std::to_string(message.size) + " exceeds the receiving server's limit of " +
               std::to_string(caps_.max_size) + " bytes (SIZE)");
        return out;
    }
    phase_ = Phase::Transaction;
    if (need_rset_) send(Expect::Rset, "RSET\r\n", out);
    need_rset_ = true;
    if (caps_.pipelining) {
        // RFC 2920 §3.1: RSET, MAIL and RCPT may be grouped; DATA ends the group.
        send_mail(out);
        for (std::size_t i = 0; i < n; ++i) send_rcpt(i, out);
        send(Expect::Data, "DATA\r\n", out);
    } else if (expect_.empty()) {
        send_mail(out);
    }
    return out;
}

void SmtpClientSession::send_mail(SessionOutput& out) { send(Expect::Mail, mail_command(tx_, caps_), out); }

void SmtpClientSession::send_rcpt(std::size_t index, SessionOutput& out) {
    send(Expect::Rcpt, rcpt_command(tx_.recipients[index], caps_), out);
    tx_next_rcpt_ = index + 1;
}

void SmtpClientSession::on_transaction_reply(Expect what, const SmtpReply& reply, SessionOutput& out) {
    switch (what) {
    case Expect::Rset:
        if (!reply.positive()) {
            // The server lost track of the dialogue; nothing of this transaction ran.
            fail_open_recipients(RemoteOutcome::TempFail, "RSET failed: " + reply.text());
            finish_transaction(out);
            out.send += "QUIT\r\n";
            expect_.clear();
            phase_ = Phase::Closed;
            out.ready = false;
            out.close = true;
            return;
        }
        if (!caps_.pipelining) send_mail(out);
        return;
    case Expect::Mail:
        tx_any_reply_ = true;
        if (!reply.positive()) {
            tx_mail_failed_ = true;
            fail_open_recipients(outcome_of(reply), reply.text());
            if (!caps_.pipelining) finish_transaction(out);
            return;  // pipelined: the RCPT and DATA replies are still to come
        }
        if (!caps_.pipelining) send_rcpt(0, out);
        return;
    case Expect::Rcpt: {
        tx_any_reply_ = true;
        std::size_t i = tx_rcpt_replies_++;
        if (i >= tx_status_.size() || tx_mail_failed_) break;
        if (reply.positive()) {
            tx_accepted_[i] = true;
        } else {
            tx_status_[i] = {outcome_of(reply), reply.text()};
            tx_final_[i] = true;
        }
        break;
    }
    case Expect::Data: {
        bool any_accepted = false;
        for (std::size_t i = 0; i < tx_accepted_.size(); ++i) any_accepted |= tx_accepted_[i] && !tx_final_[i];
        if (reply.code == 354) {
            if (any_accepted && !tx_mail_failed_) {
                phase_ = Phase::Message;
                out.send_message = true;
            } else {
                // RFC 2920 §3.1 (rfc2920.txt:163): a 354 after no valid recipient gets an
                // empty message ("." alone) so the server leaves the data phase.
                send(Expect::DotDiscarded, ".\r\n", out);
            }
            return;
        }
        if (!tx_mail_failed_) fail_open_recipients(outcome_of(reply), reply.text());
        finish_transaction(out);
        return;
    }
    case Expect::Dot:
        // RFC 5321 §4.1.1.4 (rfc5321.txt:1992): the reply to the dot decides for every
        // recipient whose RCPT was accepted.
        for (std::size_t i = 0; i < tx_status_.size(); ++i) {
            if (!tx_final_[i] && tx_accepted_[i]) {
                tx_status_[i] = {outcome_of(reply), reply.text()};
                tx_final_[i] = true;
            }
        }
        fail_open_recipients(RemoteOutcome::TempFail, "no answer for this recipient: " + reply.text());
        finish_transaction(out);
        return;
    case Expect::DotDiscarded:
        finish_transaction(out);
        return;
    default:
        protocol_error("internal: unexpected expectation", out);
        return;
    }
    // After a RCPT reply in lock-step mode: the next RCPT, DATA, or the end.
    if (!caps_.pipelining) next_lockstep_step(out);
}

void SmtpClientSession::next_lockstep_step(SessionOutput& out) {
    if (tx_mail_failed_) return;
    if (tx_next_rcpt_ < tx_.recipients.size()) {
        send_rcpt(tx_next_rcpt_, out);
        return;
    }
    bool any_accepted = false;
    for (bool a : tx_accepted_) any_accepted |= a;
    if (any_accepted) {
        send(Expect::Data, "DATA\r\n", out);
    } else {
        finish_transaction(out);
    }
}

SessionOutput SmtpClientSession::message_sent() {
    SessionOutput out;
    if (phase_ != Phase::Message) return out;
    phase_ = Phase::Transaction;
    expect_.push_back(Expect::Dot);
    return out;
}

void SmtpClientSession::fail_open_recipients(RemoteOutcome outcome, const std::string& reply) {
    for (std::size_t i = 0; i < tx_status_.size(); ++i) {
        if (tx_final_[i]) continue;
        tx_status_[i] = {outcome == RemoteOutcome::Delivered ? RemoteOutcome::TempFail : outcome, reply};
        tx_final_[i] = true;
    }
}

void SmtpClientSession::finish_transaction(SessionOutput& out) {
    fail_open_recipients(RemoteOutcome::TempFail, "transaction ended without an answer");
    out.results = tx_status_;
    phase_ = Phase::Ready;
    out.ready = true;
}

SessionOutput SmtpClientSession::quit() {
    SessionOutput out;
    if (phase_ == Phase::Closed || phase_ == Phase::Quit) return out;
    phase_ = Phase::Quit;
    send(Expect::Quit, "QUIT\r\n", out);
    return out;
}

SessionOutput SmtpClientSession::connection_lost(std::string_view reason) {
    SessionOutput out;
    Phase was = phase_;
    bool expect_was_empty = expect_.empty();  // in Phase::Tls: the 220 came, the handshake runs
    phase_ = Phase::Closed;
    expect_.clear();
    out.close = true;
    if (was == Phase::Transaction || was == Phase::Message) {
        fail_open_recipients(RemoteOutcome::TempFail, std::string(reason));
        out.results = tx_status_;
    } else if (was != Phase::Ready && was != Phase::Quit && was != Phase::Closed) {
        out.failure = SessionFailure{std::string(reason), false, was == Phase::Tls && expect_was_empty};
    }
    return out;
}

void SmtpClientSession::fail(std::string reason, bool permanent, SessionOutput& out) {
    // Polite end: the server is still talking to us, so say QUIT before closing.
    out.failure = SessionFailure{std::move(reason), permanent};
    expect_.clear();
    out.send += "QUIT\r\n";
    phase_ = Phase::Closed;
    out.close = true;
}

void SmtpClientSession::protocol_error(std::string reason, SessionOutput& out) {
    SessionOutput lost = connection_lost("protocol error: " + reason);
    out.results = std::move(lost.results);
    out.failure = std::move(lost.failure);
    out.ready = false;
    out.close = true;
}

void SmtpClientSession::send(Expect what, std::string command, SessionOutput& out) {
    out.send += command;
    expect_.push_back(what);
}

ReplyTimeout SmtpClientSession::timeout() const {
    if (phase_ == Phase::Message) return ReplyTimeout::DataBlock;
    if (expect_.empty()) return ReplyTimeout::None;
    return expect_.back() == Expect::Dot ? ReplyTimeout::DataDone : ReplyTimeout::Command;
}

}  // namespace mr::deliverd
