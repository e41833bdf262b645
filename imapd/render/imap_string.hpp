// IMAP string output: the one place that decides between atom, quoted string,
// literal and NIL when a response carries text (RFC 3501 §4.3 (rfc3501.txt:864),
// §9 grammar (rfc3501.txt:4550 astring, :4801 literal, :4889 nstring, :4901 quoted)).
//
// Invariants:
// - Everything appended is valid response syntax for the stated production, whatever
//   the input bytes: the caller never escapes or checks anything itself.
// - A quoted string holds only TEXT-CHAR (%x01-7F minus CR, LF) with `"` and `\`
//   backslash-escaped, and is at most kMaxQuotedLength bytes; anything else (8-bit,
//   CR, LF, NUL, longer) becomes a literal `{n}\r\n<bytes>`, which carries any octet.
//   (NUL is not a CHAR8 either; a literal is the least wrong form and never corrupts
//   framing, so it is what we send.)
// - The choice depends on the bytes only, so the same value always renders the same;
//   except that a session where UTF-8 is enabled (ENABLE UTF8=ACCEPT or IMAP4rev2) asks
//   for QuotedText::Utf8, where valid UTF-8 also goes in a quoted string (RFC 6855 §3
//   uQUOTED-CHAR, rfc6855.txt:168; RFC 9051 Appendix A: never before ENABLE).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mr::imapd {

// Longer strings go out as literals, which keeps response lines short and avoids
// escaping cost on big values; clients accept a literal wherever a string is allowed.
inline constexpr std::size_t kMaxQuotedLength = 1024;

// True when `s` can be sent as a quoted string (see invariants).
bool fits_quoted(std::string_view s);

// True when `s` is a non-empty atom (1*ATOM-CHAR, rfc3501.txt:4556).
bool is_atom(std::string_view s);

// `{n}\r\n`: the head of a literal whose n bytes the caller appends or streams.
void append_literal_header(std::string& out, std::size_t size);

// string = quoted / literal (rfc3501.txt:5057).
void append_string(std::string& out, std::string_view s);

// What a quoted string may carry: TEXT-CHAR only, or UTF-8 too (see the invariants).
enum class QuotedText : bool { Ascii, Utf8 };

// append_string, with valid UTF-8 quoted rather than sent as a literal under Utf8.
void append_string(std::string& out, std::string_view s, QuotedText quoted);

// append_string of `s` with ASCII letters upper-cased (type names, encodings and
// parameter names in BODYSTRUCTURE), without a temporary copy.
void append_string_upper(std::string& out, std::string_view s);

// number (rfc3501.txt:4891) in decimal.
void append_number(std::string& out, std::uint64_t n);

// nstring = string / nil (rfc3501.txt:4889): NIL when absent.
void append_nstring(std::string& out, std::optional<std::string_view> s);

// astring = 1*ASTRING-CHAR / string (rfc3501.txt:4550), for mailbox names and other
// names clients read as astring. Written bare when every byte is an ASTRING-CHAR; the
// empty string and "NIL" (any case) are quoted so no client mistakes them for nil.
void append_astring(std::string& out, std::string_view s);

}  // namespace mr::imapd
