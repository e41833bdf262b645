// ManageSieve (RFC 5804) commands from the client's bytes, sans-I/O.
//
// RFC 5804 §4 grammar, as far as a client sends it: a command is an atom (the name, any
// case), then arguments separated by one or more spaces, then CRLF (a bare LF is taken
// too). An argument is a quoted string ("..." with \" and \\ escapes, no CR, LF or NUL), a
// literal ({n+} CRLF then n octets; the synchronizing form {n} is accepted alike, since the
// protocol has no continuation for it), or a number / atom (HAVESPACE's size, AUTHENTICATE's
// mechanism when a client leaves it unquoted).
//
// Invariants:
//  - parse_command() never reads past `input` and never allocates more than the command it
//    returns: a literal larger than `max_literal` or a command line (outside literals)
//    longer than `max_line` is an error found from its header / first bytes alone, before
//    the bytes are buffered.
//  - Incomplete means "no verdict yet, keep the bytes and call again with more"; Complete
//    and Error say how many bytes of `input` they used (an Error of a line consumes it up
//    to its LF, so the next command starts clean); Fatal means the framing is lost (a
//    literal too big, an endless line): the caller answers BYE and closes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mr::sieved {

struct CommandLimits {
    std::size_t max_line = 8 * 1024;         // a command's bytes outside its literals
    std::size_t max_literal = 1024 * 1024;   // one literal
    std::size_t max_quoted = 1024;           // RFC 5804 §4: quoted strings up to 1024 octets
    std::size_t max_args = 8;
};

struct Argument {
    enum class Kind { String, Atom };  // String: quoted or literal
    Kind kind = Kind::String;
    std::string value;
};

struct Command {
    std::string name;  // upper-cased
    std::vector<Argument> args;
};

struct ParseResult {
    enum class Status { Complete, Incomplete, Error, Fatal };
    Status status = Status::Incomplete;
    std::size_t consumed = 0;  // Complete and Error
    Command command;           // Complete
    std::string error;         // Error and Fatal: for the NO / BYE text
};

ParseResult parse_command(std::string_view input, const CommandLimits& limits = {});
// A client's SASL response line (RFC 5804 §2.1): one string then CRLF; `name` stays empty
// and args holds the string (a client adding more is refused by the caller).
ParseResult parse_string_line(std::string_view input, const CommandLimits& limits = {});

// A string as the server sends it (RFC 5804 §4 "string"): quoted when short and free of
// CR, LF, NUL, '"' and '\\' escapes make it fine; a literal {n} otherwise.
std::string wire_string(std::string_view s);

}  // namespace mr::sieved
