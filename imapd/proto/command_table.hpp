// The protocol facts a session dispatcher needs about each command, kept apart from
// parsing and from the session itself (STYLE.md example 3: check state before acting).
//
// Invariants:
//  - Pure data derived from the command's type (and its UID form); no session state.
//  - States follow RFC 3501 §6 (rfc3501.txt:1255) and each extension's own rule
//    (cited in command_table.cpp); a command outside its states gets BAD or NO from the
//    session, which decides the wording.
#pragma once

#include <cstdint>

#include "imapd/proto/command.hpp"

namespace mr::imapd {

// Session states as bits, so a command's allowed states are one mask.
enum class SessionState : std::uint8_t { NotAuthenticated = 1, Authenticated = 2, Selected = 4 };

struct CommandRules {
    std::uint8_t states = 0;  // bit set of SessionState values
    // FETCH, STORE, SEARCH (not their UID forms): no untagged EXPUNGE may be sent while
    // one runs (RFC 3501 §7.4.1, rfc3501.txt:4053; §5.5, rfc3501.txt:1211).
    bool forbids_expunge = false;
    // The command names messages by sequence number; a pipelined one must wait for the
    // commands before it to finish (rfc3501.txt:1217).
    bool uses_sequence_numbers = false;
    // IDLE, AUTHENTICATE: the client's next line is raw (DONE, or the answer to a SASL
    // challenge, once the session has sent one): call CommandReader::expect_raw_line()
    // before reading on.
    bool raw_line_follows = false;
};

CommandRules command_rules(const CommandArgs& args);

inline bool allowed_in(const CommandRules& rules, SessionState state) {
    return (rules.states & static_cast<std::uint8_t>(state)) != 0;
}

}  // namespace mr::imapd
