// The IMAP command table: what each command is, in one place (in the spirit of
// Dovecot's imap-commands.c). Parsing (name lookup), the session's state check,
// CAPABILITY and the session's dispatch all follow from it:
//  - parse_command() finds the entry by name and runs its parse function;
//  - the session checks the entry's states and reads its flags;
//  - capability_list() advertises the entries' capabilities;
//  - the session's handler for the entry's Command type (session.hpp, Handlers) answers it.
// Adding a command: one CommandSpec in command_table.cpp (and its argument type in
// command.hpp), plus its handler in the session. The compiler refuses a CommandArgs
// alternative that no entry produces (static_assert in command_table.cpp) or that has no
// session handler (std::visit in session.cpp).
//
// Invariants:
//  - Pure data: no session state. States follow RFC 3501 §6 (rfc3501.txt:1255) and each
//    extension's own rule (cited at each entry); a command outside its states gets BAD
//    from the session, which decides the wording.
//  - Names are unique; a UID form is its own entry ("UID FETCH"), found only after "UID".
//  - CAPABILITY lists kBaseCapabilities, then the entries' unconditional capabilities in
//    table order, then (before login) the conditional ones in table order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/util/result.hpp"
#include "imapd/proto/command.hpp"
#include "imapd/proto/command_reader.hpp"

namespace mr::imapd {

class ArgCursor;

// Session states as bits, so a command's allowed states are one mask.
enum class SessionState : std::uint8_t { NotAuthenticated = 1, Authenticated = 2, Selected = 4 };

// When a capability is advertised (RFC 3501 §6.2.3, rfc3501.txt:1664; §6.2.1 STARTTLS).
enum class Advertise : std::uint8_t {
    Never,
    Always,
    TlsOffered,             // before login, TLS available and not active
    PlaintextAuthAllowed,   // before login, TLS active or plaintext allowed on this peer
    PlaintextAuthRefused,   // before login, neither
};

struct Capability {
    std::string_view words;  // one or more capability names, space-separated
    Advertise when = Advertise::Never;
    // The last word is "APPENDLIMIT=" and takes CapabilityContext::append_limit as its
    // value (RFC 7889 §2: one limit for every mailbox).
    bool append_limit = false;
};

// Arguments after the name (and its SP, when has_args): the typed command or a syntax
// error. `raw` is the whole command, for a parser that moves octets out of it (APPEND).
using CommandParser = Result<CommandArgs> (*)(ArgCursor& in, RawCommand& raw);

struct CommandSpec {
    std::string_view name;  // "FETCH", "UID FETCH"
    CommandParser parse;
    std::size_t type;       // the CommandArgs alternative parse produces (its index)
    std::uint8_t states;    // bit set of SessionState values
    bool has_args = false;  // an SP and arguments follow the name
    // FETCH, STORE, SEARCH (not their UID forms): no untagged EXPUNGE may be sent while
    // one runs (RFC 3501 §7.4.1, rfc3501.txt:4053; §5.5, rfc3501.txt:1211).
    bool forbids_expunge = false;
    // UID FETCH, UID STORE, UID SEARCH: an EXPUNGE MAY be sent during them (rfc3501.txt:4061),
    // but the session withholds it as during their sequence-number forms, so that a client
    // that pipelines a sequence-number command behind one (which rfc3501.txt:1219 tells it
    // not to) still sees the numbers it meant. The session sends no EXPUNGE while a command
    // with either flag runs.
    bool withholds_expunge = false;
    // SELECT/EXAMINE start a new view, CLOSE/UNSELECT/LOGOUT end it, IDLE reports as it
    // goes: the session adds no updates of the selected mailbox at their completion
    // (RFC 3501 §5.2, rfc3501.txt:1138: every other command in the selected state does).
    bool skips_updates = false;
    // The command names messages by sequence number; a pipelined one must wait for the
    // commands before it to finish (rfc3501.txt:1217).
    bool uses_sequence_numbers = false;
    // IDLE, AUTHENTICATE: the client's next line is raw (DONE, or the answer to a SASL
    // challenge, once the session has sent one): call CommandReader::expect_raw_line()
    // before reading on.
    bool raw_line_follows = false;
    Capability capability{};   // what the command advertises
    Capability conditional{};  // a second, state-dependent advertisement (AUTH=...)

    bool uid_form() const { return name.starts_with("UID "); }
    bool allowed_in(SessionState s) const { return (states & static_cast<std::uint8_t>(s)) != 0; }
    bool allows_expunge() const { return !forbids_expunge && !withholds_expunge; }
};

// Every command the server implements, in CAPABILITY order.
std::span<const CommandSpec> command_table();

// The entry named `name` (case-insensitive); uid: among the UID forms, `name` being what
// follows "UID ". Null when there is none.
const CommandSpec* find_command(std::string_view name, bool uid);

// Capabilities that belong to no single command: the protocol and the framing (LITERAL+
// is CommandReader's). Both revisions: IMAP4rev1 until the client sends ENABLE IMAP4rev2
// (RFC 9051 Appendix A, rfc9051.txt:7870; session/protocol_mode.hpp).
inline constexpr std::string_view kBaseCapabilities = "IMAP4rev1 IMAP4rev2 LITERAL+";

struct CapabilityContext {
    bool logged_in = false;
    bool tls_available = false;
    bool tls_active = false;
    bool insecure_auth_allowed = false;
    std::uint64_t append_limit = 0;  // the largest message APPEND accepts
};

// The CAPABILITY list (without "* CAPABILITY") for this state and connection.
std::string capability_list(const CapabilityContext& ctx);

}  // namespace mr::imapd
