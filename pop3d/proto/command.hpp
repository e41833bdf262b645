// POP3 command lines, parsed (RFC 1939 §3, rfc1939.txt:142; RFC 2449 §3, rfc2449.txt:135).
//
// Invariants:
// - Keywords are case-insensitive; unknown keywords become Verb::Unknown (never an error
//   here: the session answers -ERR and goes on).
// - Arguments are split on spaces; PASS keeps everything after "PASS " as one argument
//   because a password may contain spaces (RFC 1939 §7, rfc1939.txt:764).
// - Views point into the caller's line; a Command lives no longer than that line.
// - Length limits are the session's business (it knows whether it is in a SASL exchange).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mr::pop3d {

enum class Verb { User, Pass, Apop, Auth, Stls, Capa, Quit, Stat, List, Retr, Dele, Noop, Rset, Top, Uidl, Unknown };

struct Command {
    Verb verb = Verb::Unknown;
    std::string_view keyword;             // as the client spelled it
    std::vector<std::string_view> args;   // split on spaces
    std::string_view rest;                // everything after the keyword and one space
};

Command parse_command(std::string_view line);

// A message number or line count: 1-10 ASCII digits, value fits in 32 bits. No sign,
// no spaces, no leading '+'.
std::optional<std::uint32_t> parse_number(std::string_view text);


}  // namespace mr::pop3d
