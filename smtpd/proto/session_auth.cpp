// Session: STARTTLS (RFC 3207) and AUTH (RFC 4954) with SASL PLAIN and LOGIN.
#include <algorithm>

#include "common/text/ascii.hpp"
#include "smtpd/proto/session.hpp"

namespace mr::smtpd {

// RFC 3207 §4 (rfc3207.txt:140).
void Session::starttls(const Command& cmd, Actions& out) {
    if (!cmd.arg.empty()) return reply(out, Reply{501, "5.5.4", "STARTTLS takes no argument"}, cmd.keyword);
    if (tls_active_) return reply(out, Reply{503, "5.5.1", "TLS already active"}, cmd.keyword);
    if (!options_.tls_available) return reply(out, Reply{454, "4.7.0", "TLS not available"}, cmd.keyword);
    send(out, Reply{220, "2.0.0", "Ready to start TLS"}.format());
    out.push_back(StartTls{});
    // Nothing received after the command counts (rfc3207.txt:259): wait for the handshake.
    mode_ = Mode::Blocked;
    input_.clear();
    input_pos_ = 0;
    lines_.reset();
}

// RFC 3207 §4.2 (rfc3207.txt:222): the server forgets everything it learnt before TLS.
Actions Session::on_tls_ready(std::string tls_version, std::string tls_cipher) {
    tls_active_ = true;
    tls_version_ = std::move(tls_version);
    tls_cipher_ = std::move(tls_cipher);
    reset_transaction();
    helo_.clear();
    esmtp_ = false;
    user_.clear();
    sasl_.reset();
    input_.clear();
    input_pos_ = 0;
    lines_.reset();
    if (!closed_) mode_ = Mode::Command;
    return {};
}

// RFC 4954 §4 (rfc4954.txt:139).
void Session::auth(const Command& cmd, Actions& out) {
    if (options_.role != Role::Submission) {
        return reply(out, Reply{502, "5.5.1", "AUTH not available on this port, use submission"}, cmd.keyword);
    }
    if (helo_.empty() || !esmtp_) return reply(out, Reply{503, "5.5.1", "Send EHLO first"}, cmd.keyword);
    if (!user_.empty()) return reply(out, Reply{503, "5.5.1", "Already authenticated"}, cmd.keyword);
    if (tx_) return reply(out, Reply{503, "5.5.1", "AUTH not allowed during a mail transaction"}, cmd.keyword);
    if (!auth_allowed()) return reply(out, Reply{530, "5.7.0", "Must issue a STARTTLS command first"}, cmd.keyword);
    const auto args = text::split_spaces(cmd.arg);
    if (args.empty() || args.size() > 2) {
        return reply(out, Reply{501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"}, cmd.keyword);
    }
    auto sasl = text::SaslServer::create(args[0]);
    if (!sasl) return reply(out, Reply{504, "5.5.4", "Unrecognized authentication type"}, cmd.keyword);
    sasl_.emplace(std::move(*sasl));
    std::optional<std::string_view> initial;
    if (args.size() == 2) initial = args[1];
    sasl_step(sasl_->start(initial), out);
}

void Session::sasl_step(text::SaslStep step, Actions& out) {
    if (const auto* c = std::get_if<text::SaslChallenge>(&step)) {
        mode_ = Mode::Sasl;
        // RFC 4954 §4 (rfc4954.txt:187): an empty challenge is "334 " with the space.
        send(out, "334 " + c->base64 + "\r\n");
        return;
    }
    mode_ = Mode::Command;
    sasl_.reset();
    if (const auto* f = std::get_if<text::SaslFailed>(&step)) {
        if (f->is_abort) return reply(out, Reply{501, "5.7.0", "Authentication aborted"}, "AUTH");
        return reply(out, Reply{501, "5.5.2", "Cannot decode the authentication response"}, "AUTH");
    }
    auto& done = std::get<text::SaslDone>(step);
    // RFC 4616 §2: acting for another identity is not supported.
    if (!done.authzid.empty() && !text::iequals(done.authzid, done.authcid)) {
        text::secure_wipe(done.password);
        return auth_failure(out, std::move(done.authcid));
    }
    busy_ = true;
    pending_user_ = done.authcid;
    out.push_back(VerifyPassword{std::move(done.authcid), std::move(done.password)});
}

// RFC 4954 §6 (rfc4954.txt:600): 535 5.7.8, after the server's delay (AuthFailed), and a
// hang-up after max_auth_failures on this connection.
void Session::auth_failure(Actions& out, std::string user) {
    ++auth_failures_;
    out.push_back(AuthFailed{std::move(user)});
    reply(out, Reply{535, "5.7.8", "Authentication credentials invalid"}, "AUTH");
    if (auth_failures_ >= options_.max_auth_failures && !closed_) {
        send(out, Reply{421, "4.7.0", options_.hostname + " Too many authentication failures"}.format());
        close(out);
    }
}

Actions Session::on_password_checked(const Result<bool>& verdict) {
    Actions out;
    busy_ = false;
    std::string user = std::move(pending_user_);
    pending_user_.clear();
    if (!verdict) {
        reply(out, Reply{454, "4.7.0", "Temporary authentication failure"}, "AUTH");
    } else if (!verdict.value()) {
        auth_failure(out, std::move(user));
    } else {
        user_ = text::to_lower(user);
        auth_failures_ = 0;
        out.push_back(LoggedIn{user_});
        reply(out, Reply{235, "2.7.0", "Authentication successful"});
    }
    process(out);
    return out;
}

// RFC 4954 §6 (rfc4954.txt:586): 454 4.7.0 is the temporary failure; 535 would say the
// credentials were wrong.
Actions Session::on_password_busy() { return auth_not_done(Reply{454, "4.7.0", "Temporary authentication failure"}); }

// The check's answer when it neither logs in nor counts a failure: the session stays
// unauthenticated and may try AUTH again.
Actions Session::auth_not_done(const Reply& r) {
    Actions out;
    busy_ = false;
    pending_user_.clear();
    reply(out, r, "AUTH");
    process(out);
    return out;
}

}  // namespace mr::smtpd
