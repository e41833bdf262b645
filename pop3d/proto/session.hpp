// Session: the POP3 protocol core, sans-I/O (DESIGN.md "Protocol cores are sans-I/O").
//
// The server glue feeds it lines and the results of the work it asked for; it returns
// Actions: bytes to send and work to do (check a password, open the maildrop, send a
// message, expunge, start TLS, wait, hang up). It never touches a socket, a clock or a file.
//
// Invariants:
// - State is a variant (STYLE.md example 4): Authorization (RFC 1939 §4, rfc1939.txt:195),
//   Transaction holding the maildrop snapshot taken at login (§5, rfc1939.txt:264), Update
//   (§6, rfc1939.txt:520). "Transaction without a maildrop" cannot be represented.
// - While an asynchronous action is outstanding (VerifyPassword, OpenMaildrop, SendMessage,
//   Expunge, Delay) the glue delivers no lines; should one arrive anyway it gets -ERR.
// - Only QUIT in Transaction removes messages, via one Expunge action: a dropped connection
//   or a timeout removes nothing (rfc1939.txt:528).
// - Every error is -ERR with a reason and the session goes on, except repeated
//   authentication failures, HTTP verbs and too many consecutive errors, which hang up.
// - Unknown user and wrong password get the same reply and the same delay (the glue's
//   password check itself costs the same for both: storage::Directory::verify_password).
// - Passwords pass through VerifyPassword only; nothing here logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/text/line_buffer.hpp"
#include "common/text/sasl.hpp"
#include "common/util/result.hpp"
#include "pop3d/proto/command.hpp"

namespace mr::pop3d {

// RFC 2449 §4 (rfc2449.txt:181): 255 octets including CRLF.
inline constexpr std::size_t kMaxCommandLine = 255 - 2;
// How the connection frames the client's lines (line_buffer.hpp). Long enough for a SASL
// response (text::kMaxSaslResponse as base64, 2048 octets with CRLF); the 255-octet command
// limit is enforced by on_line(), which knows when a SASL exchange runs. A bare LF ends a
// line like CRLF; a bare CR stays in the text, where no command or argument accepts it.
inline constexpr text::LinePolicy kCommandLines{2048 - 2, text::BareLf::Tolerate,
                                                text::BareCr::Tolerate};

struct MessageInfo {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;  // octets RETR sends before dot-stuffing
    std::string uidl = {};   // kept from a previous server (mailroom import), else derived
};

// INBOX as it was at login.
struct Maildrop {
    std::uint32_t uidvalidity = 0;
    std::vector<MessageInfo> messages;  // message number n is messages[n - 1]
};

// --- actions -------------------------------------------------------------------------
struct Send {
    std::string bytes;  // complete lines, CRLF included
};
struct StartTls {};     // after the Send of "+OK": Connection::start_tls()
struct VerifyPassword {
    std::string user;
    std::string password;  // wipe after use
};                          // -> on_password_checked, or on_password_busy if refused unrun
struct OpenMaildrop {
    std::string user;
};                          // -> on_maildrop (Refused = in use, Internal = store error)
struct SendMessage {
    std::size_t number = 0;  // message number
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::optional<std::uint64_t> body_lines;  // TOP
    bool mark_seen = false;                   // RETR: \Seen for IMAP (issue 5)
    std::string ok_line;  // send this once the message is open, then the stuffed body
};                         // -> on_message_sent (or on_message_unavailable)
// QUIT in TRANSACTION: the UPDATE state. Always emitted, even with no uids, so the glue
// can store what else the session owes the store (\Seen flags) before the +OK.
struct Expunge {
    std::vector<std::uint32_t> uids;
};                          // -> on_expunged
struct Delay {
    std::chrono::milliseconds duration{};
};                          // wait, then carry on with the following actions
// A failed login, before its -ERR: the glue counts it (storage/login_failures.hpp) and
// waits the delay the policy gives (common/text/login_policy.hpp) before answering.
struct AuthFailed {
    std::string user;
};
struct LoggedIn {
    std::string user;
};
struct Close {};            // flush and hang up
using Action = std::variant<Send, StartTls, VerifyPassword, OpenMaildrop, SendMessage, Expunge,
                            Delay, AuthFailed, LoggedIn, Close>;
using Actions = std::vector<Action>;

struct SessionOptions {
    std::string hostname = "localhost";
    bool tls_available = false;  // STLS may be offered
    bool tls_active = false;     // implicit TLS (pop3s)
    // Plaintext USER/PASS/AUTH without TLS. The glue sets it for loopback peers only
    // (RFC 2595 §2.3, rfc2595.txt:126: configurable; a config key will replace this).
    bool insecure_auth_allowed = false;
    unsigned max_failures = 3;        // per session, then hang up
    unsigned max_errors = 20;         // consecutive -ERR, then hang up
};

class Session {
public:
    explicit Session(SessionOptions options) : options_(std::move(options)) {}

    Actions start();
    Actions on_line(std::string_view line);
    Actions on_line_too_long();
    Actions on_tls_ready();
    // Result of VerifyPassword: true = good credentials, false = bad; Error = store trouble.
    Actions on_password_checked(const Result<bool>& verdict);
    // The server refused to run the check (too many at once, password_checker.hpp): a
    // temporary failure, not a wrong password, so no failure is counted and no delay added.
    Actions on_password_busy();
    Actions on_maildrop(Result<Maildrop> maildrop);
    Actions on_message_sent();
    Actions on_message_unavailable();
    Actions on_expunged(const Result<void>& result);
    Actions on_timeout();

    std::string_view state_name() const;
    bool busy() const { return busy_; }
    bool tls_active() const { return options_.tls_active; }

    // Present in Transaction only (tests).
    const Maildrop* maildrop() const;

private:
    struct Authorization {
        std::optional<std::string> user;      // after a successful USER
        std::optional<text::SaslServer> sasl;  // inside an AUTH exchange
        std::string pending_user;             // being verified / opened
    };
    struct Transaction {
        Maildrop drop;
        std::vector<bool> deleted;
    };
    struct UpdateState {};

    Actions dispatch_authorization(Authorization& a, const Command& cmd);
    Actions dispatch_transaction(Transaction& t, const Command& cmd);
    Actions sasl_line(Authorization& a, std::string_view line);
    Actions sasl_step(Authorization& a, text::SaslStep step);
    Actions capa() const;
    Actions auth_failure(std::string_view reply, std::string user);
    Actions error(std::string_view reason);
    Actions ok(std::string_view text);
    bool auth_allowed() const { return options_.tls_active || options_.insecure_auth_allowed; }

    // Transaction helpers (session_transaction.cpp).
    Result<std::size_t> message_number(const Transaction& t, std::string_view arg) const;
    static std::string uid_string(const Maildrop& d, const MessageInfo& m);
    // `text` + CRLF: one protocol line.
    static std::string line(std::string_view text);

    SessionOptions options_;
    std::variant<Authorization, Transaction, UpdateState> state_{Authorization{}};
    bool busy_ = false;
    unsigned failures_ = 0;
    unsigned errors_ = 0;
};

}  // namespace mr::pop3d
