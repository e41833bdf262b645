// One ManageSieve (RFC 5804) session, sans-I/O: bytes in, actions out. sieved/server
// performs the actions (writes, TLS, the password check, the script store) and hands the
// results back.
//
// Invariants:
//  - States: not authenticated (CAPABILITY, STARTTLS, AUTHENTICATE, NOOP, LOGOUT), a SASL
//    exchange (the next line is the client's response), authenticated (the script commands
//    as well; STARTTLS and AUTHENTICATE no longer), closed (nothing more is read).
//  - One command at a time: an action that waits for the server (VerifyPassword, AuthFailed,
//    StartTls, RunScriptCommand) stops the processing of buffered input until its result
//    arrives; pipelined commands wait in the session's buffer, which holds at most one
//    command (CommandLimits bound it).
//  - STARTTLS (RFC 5804 §2.2): bytes sent after the command and before the handshake are
//    dropped; after it the capabilities are sent again, without STARTTLS.
//  - Passwords are not taken in clear text: without TLS, AUTHENTICATE is refused with
//    (ENCRYPT-NEEDED) and SASL is advertised empty, unless the client is on loopback and
//    [auth] allow_plaintext_on_loopback says so (insecure_auth_allowed).
//  - Every reply is OK, NO or BYE (RFC 5804 §1.2); a malformed command gets NO and the
//    session goes on at its next line; a lost framing (literal over the limit, endless line)
//    gets BYE and the session closes. After max_failures failed logins: BYE and close.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/text/sasl.hpp"
#include "sieved/proto/command.hpp"

namespace mr::sieved {

struct Send {
    std::string bytes;
};
struct StartTls {};
struct VerifyPassword {
    std::string user;
    std::string password;
};
// Wait the failed-login delay (server policy) before the NO that follows.
struct AuthFailed {
    std::string user;
};
struct LoggedIn {
    std::string user;
};
// A script command of an authenticated session, arguments checked (count and kinds,
// HAVESPACE's size a number); the server answers with on_script_reply().
struct RunScriptCommand {
    Command command;
};
struct Close {};

using Action = std::variant<Send, StartTls, VerifyPassword, AuthFailed, LoggedIn, RunScriptCommand, Close>;
using Actions = std::vector<Action>;

struct SessionOptions {
    std::string implementation = "mailroom";
    std::string sieve_extensions;  // space-separated (mr::sieve::supported_extensions())
    bool tls_available = false;    // STARTTLS may be offered
    bool tls_active = false;       // implicit TLS (not used by RFC 5804, kept for tests)
    bool insecure_auth_allowed = false;
    unsigned max_failures = 3;
    CommandLimits limits;
};

class Session {
public:
    explicit Session(SessionOptions options);

    Actions start();
    Actions on_bytes(std::string_view bytes);
    Actions on_tls_ready();
    // The password check: true right, false wrong; an error (the directory failed) is a
    // temporary failure.
    Actions on_password_checked(bool ok);
    Actions on_password_error();
    Actions on_password_busy();
    // The complete reply of the last RunScriptCommand (OK/NO line, and any data before it).
    Actions on_script_reply(std::string reply);

    bool authenticated() const { return state_ == State::Authenticated; }
    const std::string& user() const { return user_; }
    std::string_view state_name() const;

private:
    enum class State { NotAuthenticated, Sasl, Authenticated, Closed };

    Actions process();
    void handle(const Command& c, Actions& out);
    void authenticate(const Command& c, Actions& out);
    void sasl_step(text::SaslStep step, Actions& out);
    void script_command(const Command& c, Actions& out);
    std::string capabilities() const;

    SessionOptions options_;
    State state_ = State::NotAuthenticated;
    std::string buffer_;
    bool busy_ = false;
    std::optional<text::SaslServer> sasl_;
    std::string user_;      // authenticated, or being checked
    unsigned failures_ = 0;
};

// A NO reply: `NO (CODE) "text"`; code may be empty.
std::string no_reply(std::string_view code, std::string_view text);

}  // namespace mr::sieved
