// The lexical layer shared by structured header fields: RFC 5322 §3.2
// (rfc5322.txt:538) quoted-strings, comments and folding white space, which MIME
// reuses for Content-Type parameters (RFC 2045 §5.1, rfc2045.txt:623).
//
// Invariants:
//  - Every function advances `pos` by at least one byte when it consumes anything
//    and never past s.size(); an unterminated quote or comment ends at s.size().
//  - Nested comments are tracked with a counter, not recursion: no stack depth to blow.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mr::mime::lex {

// WSP plus CR/LF: values handed to the lexer may still carry folding.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string_view trim(std::string_view s);

// At s[pos] == '"': the unescaped content (rfc5322.txt:711); pos ends after the
// closing quote. Line ends inside are unfolded away (rfc5322.txt:752).
std::string read_quoted(std::string_view s, std::size_t& pos);

// At s[pos] == '(': the comment's text with nested parentheses kept and quoted-pairs
// unescaped (rfc5322.txt:579); pos ends after the matching ')'.
std::string read_comment(std::string_view s, std::size_t& pos);

// Skip CFWS from pos; when `last_comment` is given, it receives the text of the last
// comment skipped (used as a display name for "user@host (Name)").
std::size_t skip_cfws(std::string_view s, std::size_t pos, std::string* last_comment = nullptr);

}  // namespace mr::mime::lex
