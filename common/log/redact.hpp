// Keeping secrets out of logs.
//
// Invariants:
// - Whatever a client sends may be logged only through redact_command() (for command lines)
//   or as kRedacted (for SASL continuation lines, literals inside LOGIN, any credential a
//   session knows it holds). Sessions know their state; this helper knows only command shapes.
// - redact_command() errs towards hiding: a recognised credential verb keeps its verb, the
//   mechanism / user name, and nothing after them.
#pragma once

#include <string>
#include <string_view>

namespace mr::log {

inline constexpr std::string_view kRedacted = "<redacted>";

// Replaces the credential part of a command line with kRedacted; other lines are returned
// unchanged. Recognised shapes (verbs case-insensitive):
//   SMTP/POP3  AUTH <mech> <initial-response>   -> AUTH <mech> <redacted>
//   POP3       PASS <password>                  -> PASS <redacted>
//   POP3       APOP <user> <digest>             -> APOP <user> <redacted>
//   IMAP       <tag> LOGIN <user> <password>    -> <tag> LOGIN <user> <redacted>
//              (a literal user name {n} hides everything after LOGIN)
//   IMAP       <tag> AUTHENTICATE <mech> <ir>   -> <tag> AUTHENTICATE <mech> <redacted>
std::string redact_command(std::string_view line);

}  // namespace mr::log
