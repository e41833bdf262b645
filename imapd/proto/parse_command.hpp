// parse_command: a RawCommand from CommandReader → a typed Command or a ParseError.
//
// Invariants:
//  - Total: any bytes give a Command or a ParseError, never a crash; recursion (SEARCH
//    parentheses, NOT, OR) is bounded by kMaxSearchDepth.
//  - Every production follows RFC 3501 §9 (rfc3501.txt:4487) and the extension
//    grammars named at each command; SP means exactly one space.
//  - The parse is pure: it knows nothing of session state (see command.hpp).
//
// How a session drives the command side (bytes in, one event at a time):
//   ReaderNeedMore   → wait for more bytes.
//   SendContinuation → write "+ Ready for literal data\r\n", keep feeding.
//   CommandRejected  → write "<tag or *> BAD|NO [<code>] <text>\r\n" and log it.
//   RawLineReady     → the SASL response or IDLE's "DONE" the session asked for.
//   CommandReady     → parse_command(); ParseError → "<tag or *> BAD <reason>";
//                      Command → its CommandSpec (command_table.hpp) for the state
//                      check, then execute; for IDLE/AUTHENTICATE call
//                      CommandReader::expect_raw_line() before the next event.
#pragma once

#include <string_view>
#include <variant>

#include "imapd/proto/command.hpp"
#include "imapd/proto/command_reader.hpp"

namespace mr::imapd {

inline constexpr int kMaxSearchDepth = 64;

using ParseResult = std::variant<Command, ParseError>;

// Takes the command by value: APPEND's message is moved out of it, not copied.
ParseResult parse_command(RawCommand raw);

// The command's name for logs and replies ("UID FETCH", "SELECT", ...): its table entry's.
std::string_view command_name(const Command& cmd);

}  // namespace mr::imapd
