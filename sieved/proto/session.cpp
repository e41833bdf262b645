#include "sieved/proto/session.hpp"

#include "common/text/ascii.hpp"

namespace mr::sieved {

namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string ok_reply(std::string_view text) { return "OK " + wire_string(text) + std::string(kCrlf); }
std::string bye_reply(std::string_view text) { return "BYE " + wire_string(text) + std::string(kCrlf); }

bool all_strings(const Command& c) {
    for (const auto& a : c.args)
        if (a.kind != Argument::Kind::String) return false;
    return true;
}

bool is_number(std::string_view s) {
    if (s.empty() || s.size() > 10) return false;
    for (char ch : s)
        if (!text::is_digit(ch)) return false;
    return true;
}

// Arguments of each script command: their count, all strings except HAVESPACE's size.
struct ScriptCommandShape {
    std::string_view name;
    std::size_t args;
};
constexpr ScriptCommandShape kScriptCommands[] = {
    {"HAVESPACE", 2}, {"PUTSCRIPT", 2}, {"LISTSCRIPTS", 0}, {"SETACTIVE", 1},
    {"GETSCRIPT", 1}, {"DELETESCRIPT", 1}, {"RENAMESCRIPT", 2}, {"CHECKSCRIPT", 1},
};

}  // namespace

std::string no_reply(std::string_view code, std::string_view text) {
    std::string out = "NO ";
    if (!code.empty()) out += "(" + std::string(code) + ") ";
    return out + wire_string(text) + std::string(kCrlf);
}

Session::Session(SessionOptions options) : options_(std::move(options)) {}

std::string_view Session::state_name() const {
    switch (state_) {
        case State::NotAuthenticated: return "not_authenticated";
        case State::Sasl: return "sasl";
        case State::Authenticated: return "authenticated";
        case State::Closed: return "closed";
    }
    return "?";
}

// RFC 5804 §1.7: one capability per line, then OK.
std::string Session::capabilities() const {
    const bool may_auth = options_.tls_active || options_.insecure_auth_allowed;
    std::string out;
    out += "\"IMPLEMENTATION\" " + wire_string(options_.implementation) + "\r\n";
    out += "\"SASL\" " + wire_string(may_auth ? "PLAIN" : "") + "\r\n";
    out += "\"SIEVE\" " + wire_string(options_.sieve_extensions) + "\r\n";
    if (options_.tls_available && !options_.tls_active && state_ == State::NotAuthenticated) out += "\"STARTTLS\"\r\n";
    out += "\"VERSION\" \"1.0\"\r\n";
    return out;
}

Actions Session::start() {
    return {Send{capabilities() + ok_reply("mailroom ManageSieve ready")}};
}

Actions Session::on_bytes(std::string_view bytes) {
    if (state_ == State::Closed) return {};
    buffer_.append(bytes);
    return process();
}

Actions Session::process() {
    Actions out;
    while (!busy_ && state_ != State::Closed && !buffer_.empty()) {
        const bool sasl = state_ == State::Sasl;
        ParseResult r = sasl ? parse_string_line(buffer_, options_.limits) : parse_command(buffer_, options_.limits);
        if (r.status == ParseResult::Status::Incomplete) break;
        if (r.status == ParseResult::Status::Fatal) {
            out.push_back(Send{bye_reply(r.error)});
            out.push_back(Close{});
            state_ = State::Closed;
            buffer_.clear();
            break;
        }
        buffer_.erase(0, r.consumed);
        if (r.status == ParseResult::Status::Error) {
            if (sasl) {
                sasl_.reset();
                state_ = State::NotAuthenticated;
                out.push_back(Send{no_reply("", "Authentication failed: " + r.error)});
            } else {
                out.push_back(Send{no_reply("", r.error)});
            }
            continue;
        }
        if (sasl) {
            if (r.command.args.size() != 1) {
                sasl_.reset();
                state_ = State::NotAuthenticated;
                out.push_back(Send{no_reply("", "Authentication failed: one string expected")});
                continue;
            }
            std::string line = std::move(r.command.args.front().value);
            // "*" aborts (RFC 5804 §2.1); the SASL library knows that spelling.
            sasl_step(sasl_->step(line), out);
            text::secure_wipe(line);
            continue;
        }
        handle(r.command, out);
    }
    return out;
}

void Session::handle(const Command& c, Actions& out) {
    const std::string& n = c.name;
    if (n == "CAPABILITY") {
        if (!c.args.empty()) return out.push_back(Send{no_reply("", "CAPABILITY takes no arguments")});
        return out.push_back(Send{capabilities() + ok_reply("Capability completed")});
    }
    if (n == "NOOP") {
        if (c.args.size() > 1 || !all_strings(c)) return out.push_back(Send{no_reply("", "NOOP takes one string at most")});
        // RFC 5804 §2.13: a tag given is echoed in a TAG response code.
        if (c.args.size() == 1)
            return out.push_back(Send{"OK (TAG " + wire_string(c.args[0].value) + ") \"Done\"\r\n"});
        return out.push_back(Send{ok_reply("Done")});
    }
    if (n == "LOGOUT") {
        out.push_back(Send{ok_reply("Logout completed")});
        out.push_back(Close{});
        state_ = State::Closed;
        buffer_.clear();
        return;
    }
    if (n == "STARTTLS") {
        if (state_ != State::NotAuthenticated) return out.push_back(Send{no_reply("", "STARTTLS only before AUTHENTICATE")});
        if (options_.tls_active) return out.push_back(Send{no_reply("", "TLS is already active")});
        if (!options_.tls_available) return out.push_back(Send{no_reply("", "TLS is not available")});
        out.push_back(Send{ok_reply("Begin TLS negotiation now")});
        out.push_back(StartTls{});
        buffer_.clear();  // RFC 5804 §2.2: nothing sent before the handshake counts
        busy_ = true;
        return;
    }
    if (n == "AUTHENTICATE") return authenticate(c, out);
    for (const auto& shape : kScriptCommands) {
        if (n != shape.name) continue;
        if (state_ != State::Authenticated) return out.push_back(Send{no_reply("", "Authenticate first")});
        return script_command(c, out);
    }
    out.push_back(Send{no_reply("", "Unknown command " + n.substr(0, 32))});
}

void Session::script_command(const Command& c, Actions& out) {
    for (const auto& shape : kScriptCommands) {
        if (c.name != shape.name) continue;
        if (c.args.size() != shape.args)
            return out.push_back(Send{no_reply("", c.name + " takes " + std::to_string(shape.args) + " arguments")});
    }
    if (c.name == "HAVESPACE") {
        if (c.args[0].kind != Argument::Kind::String || c.args[1].kind != Argument::Kind::Atom ||
            !is_number(c.args[1].value))
            return out.push_back(Send{no_reply("", "HAVESPACE takes a script name and a number")});
    } else if (!all_strings(c)) {
        return out.push_back(Send{no_reply("", c.name + " takes strings (quoted or literal)")});
    }
    out.push_back(RunScriptCommand{c});
    busy_ = true;
}

void Session::authenticate(const Command& c, Actions& out) {
    if (state_ == State::Authenticated) return out.push_back(Send{no_reply("", "Already authenticated")});
    if (c.args.empty() || c.args.size() > 2) return out.push_back(Send{no_reply("", "AUTHENTICATE takes a mechanism and an initial response")});
    if (!options_.tls_active && !options_.insecure_auth_allowed)
        return out.push_back(Send{no_reply("ENCRYPT-NEEDED", "Use STARTTLS first")});
    auto sasl = text::SaslServer::create(c.args[0].value);
    if (!sasl || sasl->mechanism() != text::SaslServer::Mechanism::Plain)
        return out.push_back(Send{no_reply("", "Unsupported mechanism; use PLAIN")});
    sasl_.emplace(std::move(sasl).value());
    std::optional<std::string_view> initial;
    if (c.args.size() == 2) {
        if (c.args[1].kind != Argument::Kind::String) {
            sasl_.reset();
            return out.push_back(Send{no_reply("", "The initial response is a string")});
        }
        initial = c.args[1].value;
    }
    sasl_step(sasl_->start(initial), out);
}

void Session::sasl_step(text::SaslStep step, Actions& out) {
    if (auto* challenge = std::get_if<text::SaslChallenge>(&step)) {
        state_ = State::Sasl;
        out.push_back(Send{wire_string(challenge->base64) + "\r\n"});
        return;
    }
    state_ = State::NotAuthenticated;
    sasl_.reset();
    if (auto* failed = std::get_if<text::SaslFailed>(&step)) {
        out.push_back(Send{no_reply("", failed->is_abort ? "Authentication aborted" : "Authentication failed: " + failed->reason)});
        return;
    }
    auto& done = std::get<text::SaslDone>(step);
    // RFC 4616 §2: we act for nobody else, so an authzid must be the user itself.
    if (!done.authzid.empty() && done.authzid != done.authcid) {
        text::secure_wipe(done.password);
        out.push_back(Send{no_reply("", "Authorization as another user is not allowed")});
        return;
    }
    user_ = done.authcid;
    out.push_back(VerifyPassword{done.authcid, std::move(done.password)});
    busy_ = true;
}

Actions Session::on_password_checked(bool ok) {
    busy_ = false;
    Actions out;
    if (ok) {
        state_ = State::Authenticated;
        out.push_back(LoggedIn{user_});
        out.push_back(Send{ok_reply("Logged in")});
    } else {
        ++failures_;
        out.push_back(AuthFailed{user_});
        if (failures_ >= options_.max_failures) {
            out.push_back(Send{bye_reply("Too many failed logins")});
            out.push_back(Close{});
            state_ = State::Closed;
            return out;
        }
        out.push_back(Send{no_reply("", "Authentication failed")});
        user_.clear();
    }
    auto more = process();
    for (auto& a : more) out.push_back(std::move(a));
    return out;
}

Actions Session::on_password_error() {
    busy_ = false;
    user_.clear();
    Actions out{Send{no_reply("TRYLATER", "Cannot check the password now")}};
    auto more = process();
    for (auto& a : more) out.push_back(std::move(a));
    return out;
}

Actions Session::on_password_busy() { return on_password_error(); }

Actions Session::on_tls_ready() {
    busy_ = false;
    options_.tls_active = true;
    buffer_.clear();
    return {Send{capabilities() + ok_reply("TLS active")}};
}

Actions Session::on_script_reply(std::string reply) {
    busy_ = false;
    Actions out{Send{std::move(reply)}};
    auto more = process();
    for (auto& a : more) out.push_back(std::move(a));
    return out;
}

}  // namespace mr::sieved
