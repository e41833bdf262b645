// Any-state and not-authenticated commands: CAPABILITY, LOGOUT, ID, ENABLE, STARTTLS,
// LOGIN, AUTHENTICATE (RFC 3501 §6.1-6.2, rfc3501.txt:1295; SASL-IR RFC 4959).
#include <utility>

#include "common/text/ascii.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/proto/command_table.hpp"
#include "imapd/session/session.hpp"

namespace mr::imapd::session {

// The command table decides what is advertised (command_table.hpp, capability_list()).
std::string Session::capabilities() const {
    return capability_list(CapabilityContext{!in<NotAuthenticated>(), options_.tls_available, options_.tls_active,
                                             options_.insecure_auth_allowed, options_.max_message_size});
}

Actions Session::cmd_capability(const std::string& tag) {
    Actions out{{Send{line("* CAPABILITY " + capabilities())}}};
    for (auto& a : tagged(tag, "OK", "CAPABILITY completed")) out.push_back(std::move(a));
    return out;
}

Actions Session::cmd_logout(const std::string& tag) {
    state_ = Logout{};
    Actions out{{Send{line("* BYE " + options_.hostname + " logging out")}}};
    for (auto& a : tagged(tag, "OK", "LOGOUT completed")) out.push_back(std::move(a));
    out.push_back({Close{}});
    return out;
}

// RFC 2971 §3.1: the server answers with its own parameters whatever the client sent.
Actions Session::cmd_id(const std::string& tag, const IdCmd& /*c*/) {
    Actions out{{Send{line("* ID (\"name\" \"mailroom\" \"vendor\" \"mailroom\")")}}};
    for (auto& a : tagged(tag, "OK", "ID completed")) out.push_back(std::move(a));
    return out;
}

// RFC 5161 §3.1 (rfc5161.txt:134): ENABLED lists what this command enabled; unknown
// names and names already enabled are left out. QRESYNC implies CONDSTORE
// (RFC 7162 §3.2.3, rfc7162.txt:1388). IMAP4rev2 and UTF8=ACCEPT: session_rev2.cpp.
Actions Session::cmd_enable(const std::string& tag, const EnableCmd& c) {
    std::string enabled = "* ENABLED";
    for (const auto& cap : c.capabilities) {
        const bool qresync = text::iequals(cap, "QRESYNC");
        if (qresync || text::iequals(cap, "CONDSTORE")) {
            if (!condstore_) enabled += " CONDSTORE";
            condstore_ = true;
        }
        if (qresync && !qresync_) {
            enabled += " QRESYNC";
            qresync_ = true;
        }
        if (auto mode = enable_protocol(cap); !mode.empty()) enabled += " " + mode;
    }
    Actions out{{Send{line(enabled)}}};
    for (auto& a : tagged(tag, "OK", "ENABLE completed")) out.push_back(std::move(a));
    return out;
}

Actions Session::cmd_starttls(const std::string& tag) {
    if (options_.tls_active) return bad(tag, "TLS is already active");
    if (!options_.tls_available) return tagged(tag, "NO", "TLS is not available");
    Actions out = tagged(tag, "OK", "Begin TLS negotiation now");
    out.push_back({StartTls{}});
    return out;
}

Actions Session::cmd_login(const std::string& tag, LoginCmd& c) {
    if (!options_.tls_active && !options_.insecure_auth_allowed) {
        text::secure_wipe(c.password);
        return tagged(tag, "NO", "[PRIVACYREQUIRED] LOGIN needs TLS: use STARTTLS first");
    }
    return check_password(tag, std::move(c.user), std::move(c.password));
}

Actions Session::cmd_authenticate(const std::string& tag, AuthenticateCmd& c) {
    if (!options_.tls_active && !options_.insecure_auth_allowed)
        return tagged(tag, "NO", "[PRIVACYREQUIRED] Authentication needs TLS: use STARTTLS first");
    auto sasl = text::SaslServer::create(c.mechanism);
    if (!sasl) return tagged(tag, "NO", "[CANNOT] Unsupported authentication mechanism");
    sasl_.emplace(std::move(sasl.value()));
    sasl_tag_ = tag;
    std::optional<std::string_view> initial;
    if (c.initial_response) initial = *c.initial_response;
    return sasl_step(sasl_->start(initial));
}

Actions Session::sasl_step(text::SaslStep step) {
    if (auto* ch = std::get_if<text::SaslChallenge>(&step)) {
        reader_.expect_raw_line();
        return {{Send{line("+ " + ch->base64)}}};
    }
    std::string tag = std::exchange(sasl_tag_, {});
    sasl_.reset();
    if (auto* f = std::get_if<text::SaslFailed>(&step)) {
        if (f->is_abort) return tagged(tag, "BAD", "AUTHENTICATE cancelled");
        return bad(tag, "Invalid SASL response");
    }
    auto& done = std::get<text::SaslDone>(step);
    // Acting for another user is not supported: an authzid must name the same user.
    if (!done.authzid.empty() && text::to_lower(done.authzid) != text::to_lower(done.authcid)) {
        text::secure_wipe(done.password);
        return tagged(tag, "NO", "[AUTHORIZATIONFAILED] Cannot act as another user");
    }
    return check_password(tag, std::move(done.authcid), std::move(done.password));
}

Actions Session::check_password(const std::string& tag, std::string user, std::string password) {
    pending_tag_ = tag;
    pending_user_ = user;
    return async({VerifyPassword{std::move(user), std::move(password)}});
}

Actions Session::on_password_checked(const Result<bool>& verdict) {
    busy_ = false;
    std::string tag = std::exchange(pending_tag_, {});
    std::string user = std::exchange(pending_user_, {});
    if (!verdict) return tagged(tag, "NO", "[UNAVAILABLE] Authentication is temporarily unavailable");
    if (!verdict.value()) return auth_failure(tag, std::move(user));
    state_ = Authenticated{};
    user_ = text::to_lower(user);
    reader_.set_max_literal(options_.max_message_size);
    Actions out{{LoggedIn{user_}}};
    for (auto& a : tagged(tag, "OK", "[CAPABILITY " + capabilities() + "] Logged in")) out.push_back(std::move(a));
    return out;
}

// RFC 5530 §3 UNAVAILABLE (rfc5530.txt:95): try again later; AUTHENTICATIONFAILED would tell
// the client (and its user) that the password is wrong.
Actions Session::on_password_busy() {
    busy_ = false;
    std::string tag = std::exchange(pending_tag_, {});
    pending_user_.clear();
    return tagged(tag, "NO", "[UNAVAILABLE] Server busy, try again later");
}

// Same reply and delay for an unknown user and a wrong password (RFC 5530 §3
// AUTHENTICATIONFAILED, rfc5530.txt); the glue's delay (AuthFailed) comes first, and
// max_failures ends the connection.
Actions Session::auth_failure(std::string_view tag_view, std::string user) {
    std::string tag(tag_view);
    ++failures_;
    Actions out{{AuthFailed{std::move(user)}}};
    for (auto& a : tagged(tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed")) out.push_back(std::move(a));
    if (failures_ >= options_.max_failures) {
        state_ = Logout{};
        out.push_back({Send{line("* BYE Too many failed logins")}});
        out.push_back({Close{}});
    }
    return out;
}

}  // namespace mr::imapd::session
