// Session: dispatch, AUTHORIZATION state, replies shared by every state.
// Transaction-state commands are in session_transaction.cpp.
#include "pop3d/proto/session.hpp"

#include <algorithm>
#include <utility>

#include "common/text/ascii.hpp"
#include "common/text/cross_protocol.hpp"

namespace mr::pop3d {

namespace {

constexpr std::string_view kBadCredentials = "[AUTH] Invalid user name or password";

}  // namespace

std::string Session::line(std::string_view text) {
    std::string out(text);
    out += "\r\n";
    return out;
}

Actions Session::ok(std::string_view text) {
    errors_ = 0;
    return {Send{line(text.empty() ? std::string("+OK") : "+OK " + std::string(text))}};
}

Actions Session::error(std::string_view reason) {
    Actions out{Send{line("-ERR " + std::string(reason))}};
    if (++errors_ >= options_.max_errors) {
        out.push_back(Send{line("-ERR Too many errors, closing connection")});
        out.push_back(Close{});
    }
    return out;
}

std::string_view Session::state_name() const {
    switch (state_.index()) {
        case 0: return "authorization";
        case 1: return "transaction";
        default: return "update";
    }
}

const Maildrop* Session::maildrop() const {
    const auto* t = std::get_if<Transaction>(&state_);
    return t ? &t->drop : nullptr;
}

// RFC 1939 §4 (rfc1939.txt:195): the greeting opens the AUTHORIZATION state.
Actions Session::start() {
    return {Send{line("+OK " + options_.hostname + " POP3 server ready")}};
}

Actions Session::on_line(std::string_view text) {
    if (busy_) return error("Busy, wait for the previous command");
    if (std::holds_alternative<UpdateState>(state_)) return {};
    if (auto* a = std::get_if<Authorization>(&state_); a && a->sasl) return sasl_line(*a, text);
    // RFC 2449 §4 (rfc2449.txt:181): a command is at most 255 octets with its CRLF.
    if (text.size() > kMaxCommandLine) return error("Line too long (255 octets at most)");
    const Command cmd = parse_command(text);
    if (cmd.keyword.empty()) return error("Empty command");
    if (text::is_http_verb(cmd.keyword)) {
        return {Send{line("-ERR This is a POP3 server")}, Close{}};
    }
    if (cmd.verb == Verb::Capa) {
        if (!cmd.args.empty()) return error("CAPA takes no argument");
        errors_ = 0;
        return capa();
    }
    if (auto* a = std::get_if<Authorization>(&state_)) return dispatch_authorization(*a, cmd);
    return dispatch_transaction(std::get<Transaction>(state_), cmd);
}

Actions Session::on_line_too_long() {
    if (auto* a = std::get_if<Authorization>(&state_); a && a->sasl) {
        a->sasl.reset();
        return error("Line too long, authentication aborted");
    }
    return error("Line too long (255 octets at most)");
}

// RFC 2595 §4 (rfc2595.txt:272): after STLS the client starts over in AUTHORIZATION and
// the server sends no new greeting; anything learnt before (USER) is forgotten.
Actions Session::on_tls_ready() {
    options_.tls_active = true;
    if (auto* a = std::get_if<Authorization>(&state_)) *a = Authorization{};
    return {};
}

// RFC 2449 §5 (rfc2449.txt:192). Login capabilities are listed only where they can be
// used: after TLS or on an allowed plaintext connection, and in AUTHORIZATION.
Actions Session::capa() const {
    const bool authorization = std::holds_alternative<Authorization>(state_);
    std::string out = "+OK Capability list follows\r\n";
    out += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    if (authorization && auth_allowed()) out += "USER\r\nSASL PLAIN LOGIN\r\n";
    if (authorization && options_.tls_available && !options_.tls_active) out += "STLS\r\n";
    out += "IMPLEMENTATION mailroom\r\n.\r\n";
    return {Send{std::move(out)}};
}

Actions Session::dispatch_authorization(Authorization& a, const Command& cmd) {
    // RFC 1939 §7 (rfc1939.txt:756): PASS only immediately after a successful USER.
    std::optional<std::string> user = std::move(a.user);
    a.user.reset();
    switch (cmd.verb) {
        case Verb::User:  // RFC 1939 §7 (rfc1939.txt:702)
            if (cmd.args.size() != 1) return error("USER takes one argument");
            if (!auth_allowed()) return error("[AUTH] Plaintext authentication disallowed without TLS, use STLS");
            a.user = std::string(cmd.args[0]);
            return ok("Send PASS");
        case Verb::Pass:
            if (!auth_allowed()) return error("[AUTH] Plaintext authentication disallowed without TLS, use STLS");
            if (!user) return error("Send USER first");
            if (cmd.rest.empty()) return error("PASS takes one argument");
            busy_ = true;
            a.pending_user = *user;
            return {VerifyPassword{std::move(*user), std::string(cmd.rest)}};
        case Verb::Auth: {  // RFC 5034 §4 (rfc5034.txt:158)
            if (cmd.args.empty()) {
                errors_ = 0;
                return {Send{"+OK Supported mechanisms follow\r\nPLAIN\r\nLOGIN\r\n.\r\n"}};
            }
            if (cmd.args.size() > 2) return error("AUTH takes a mechanism and an optional initial response");
            if (!auth_allowed()) return error("[AUTH] Plaintext authentication disallowed without TLS, use STLS");
            auto sasl = text::SaslServer::create(cmd.args[0]);
            if (!sasl) return error("Unsupported authentication mechanism");
            a.sasl.emplace(std::move(*sasl));
            std::optional<std::string_view> initial;
            if (cmd.args.size() == 2) initial = cmd.args[1];
            return sasl_step(a, a.sasl->start(initial));
        }
        case Verb::Stls:  // RFC 2595 §4 (rfc2595.txt:272)
            if (!cmd.args.empty()) return error("STLS takes no argument");
            if (options_.tls_active) return error("Already using TLS");
            if (!options_.tls_available) return error("STLS not available");
            errors_ = 0;
            return {Send{line("+OK Begin TLS negotiation")}, StartTls{}};
        case Verb::Apop:
            return error("APOP not supported");
        case Verb::Quit:  // RFC 1939 §4 (rfc1939.txt:251): no UPDATE from AUTHORIZATION
            return {Send{line("+OK " + options_.hostname + " POP3 server signing off")}, Close{}};
        case Verb::Unknown:
            return error("Unknown command");
        default:
            return error("Command not valid in AUTHORIZATION state");
    }
}

Actions Session::sasl_line(Authorization& a, std::string_view text) {
    return sasl_step(a, a.sasl->step(text));
}

Actions Session::sasl_step(Authorization& a, text::SaslStep step) {
    if (const auto* c = std::get_if<text::SaslChallenge>(&step)) {
        // RFC 5034 §4 (rfc5034.txt:232): an empty challenge is "+" and one space.
        return {Send{line("+ " + c->base64)}};
    }
    a.sasl.reset();
    if (const auto* f = std::get_if<text::SaslFailed>(&step)) {
        if (f->is_abort) return error("Authentication aborted");
        return error("Malformed authentication exchange");
    }
    auto& done = std::get<text::SaslDone>(step);
    // RFC 4616 §2: an authorization identity other than the user itself is not supported.
    if (!done.authzid.empty() && !text::iequals(done.authzid, done.authcid)) {
        text::secure_wipe(done.password);
        return auth_failure(kBadCredentials, std::move(done.authcid));
    }
    busy_ = true;
    a.pending_user = done.authcid;
    return {VerifyPassword{std::move(done.authcid), std::move(done.password)}};
}

// The glue's delay (AuthFailed) first, the same reply for unknown user and bad password,
// hang up after max_failures.
Actions Session::auth_failure(std::string_view reply, std::string user) {
    ++failures_;
    Actions out{AuthFailed{std::move(user)}, Send{line("-ERR " + std::string(reply))}};
    if (failures_ >= options_.max_failures) out.push_back(Close{});
    return out;
}

Actions Session::on_password_checked(const Result<bool>& verdict) {
    busy_ = false;
    auto* a = std::get_if<Authorization>(&state_);
    if (a == nullptr) return {};
    if (!verdict.ok()) return error("[SYS/TEMP] Authentication temporarily unavailable");
    if (!verdict.value()) return auth_failure(kBadCredentials, std::exchange(a->pending_user, {}));
    busy_ = true;
    return {OpenMaildrop{a->pending_user}};
}

// RFC 3206 §4 SYS/TEMP: a passing problem of the server; RESP-CODES is always
// in CAPA, so the code is always sent.
Actions Session::on_password_busy() {
    busy_ = false;
    if (std::get_if<Authorization>(&state_) == nullptr) return {};
    return error("[SYS/TEMP] Server busy, try again later");
}

Actions Session::on_maildrop(Result<Maildrop> maildrop) {
    busy_ = false;
    auto* a = std::get_if<Authorization>(&state_);
    if (a == nullptr) return {};
    if (!maildrop.ok()) {
        // RFC 2449 §8.1.2 (rfc2449.txt:851) IN-USE; RFC 3206 §4 SYS/TEMP.
        if (maildrop.error().kind == ErrorKind::Refused) {
            return error("[IN-USE] Maildrop already locked by another POP3 session");
        }
        return error("[SYS/TEMP] Cannot open the maildrop, try again later");
    }
    std::string user = std::move(a->pending_user);
    Transaction t{std::move(maildrop.value()), {}};
    t.deleted.assign(t.drop.messages.size(), false);
    std::uint64_t octets = 0;
    for (const auto& m : t.drop.messages) octets += m.size;
    const auto count = t.drop.messages.size();
    state_ = std::move(t);
    failures_ = 0;
    Actions out = ok("Maildrop has " + std::to_string(count) + " messages (" + std::to_string(octets) +
                     " octets)");
    out.push_back(LoggedIn{std::move(user)});
    return out;
}

Actions Session::on_message_sent() {
    busy_ = false;
    errors_ = 0;
    return {};
}

Actions Session::on_message_unavailable() {
    busy_ = false;
    return error("[SYS/TEMP] Message is no longer available");
}

Actions Session::on_expunged(const Result<void>& result) {
    busy_ = false;
    if (!result.ok()) {
        // RFC 1939 §6 (rfc1939.txt:552): -ERR if some deleted messages were not removed.
        return {Send{line("-ERR [SYS/TEMP] Some deleted messages were not removed")}, Close{}};
    }
    return {Send{line("+OK " + options_.hostname + " POP3 server signing off")}, Close{}};
}

// RFC 1939 §3 (rfc1939.txt:188): an autologout timer of at least 10 minutes; the
// session ends without entering UPDATE, so nothing is removed.
Actions Session::on_timeout() {
    return {Send{line("-ERR Idle timeout, closing connection")}, Close{}};
}

}  // namespace mr::pop3d
