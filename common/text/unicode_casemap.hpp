// i;unicode-casemap (RFC 5051): the one case-insensitive comparison of Unicode text. SORT
// and THREAD keys (RFC 5256 §7 (rfc5256.txt:860): "MUST collate strings according to the
// i;unicode-casemap collation"), SEARCH's substring matching and Sieve's
// "i;unicode-casemap" comparator all compare strings in the form made here.
//
// Invariants:
//  - RFC 5051 §2 exactly: each code point is replaced by its titlecase property of
//    UnicodeData.txt (the simple, one code point mapping: SpecialCasing.txt is not used, so
//    "ß" stays "ß" and "ﬁ" is not titlecased), then by its decomposition property of any
//    type (canonical or compatibility), applied again to each resulting code point until
//    none has one; the results are not titlecased again. Strings so prepared compare as
//    i;octet (equality, order, substring).
//  - The Unicode data is libunistring's (uc_totitle, uc_decomposition), not a table of
//    ours. Hangul syllables are left whole: UnicodeData.txt gives them no decomposition
//    property (theirs is algorithmic), so RFC 5051 keeps them.
//  - Each code point is prepared on its own (no reordering of combining marks; RFC 5051 §4
//    allows either), so preparing a concatenation is concatenating the preparations, and
//    every output byte comes from one input code point (`origin`).
//  - ASCII maps to its upper case without a table look-up: "C" < "[" < "_".
//  - Pure: no locale (RFC 5051 §2 warns against locale-sensitive toupper), no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mr::text {

// What becomes of bytes that are not well-formed UTF-8 (overlong forms, surrogates,
// truncated sequences, 8-bit text of another charset).
enum class InvalidUtf8 {
    // RFC 5051 §2 (1)(b): the whole string is used unchanged, with i;octet. SORT, THREAD
    // and Sieve.
    WholeString,
    // Each such byte is kept as it is and the well-formed text around it is prepared, so
    // text whose charset could not be converted still matches ASCII case-insensitively
    // (SEARCH: RFC 9051 §6.4.4 (rfc9051.txt:3843)).
    KeepBytes,
};

// The "titlecased canonicalized UTF-8" form of `s` (RFC 5051 §2).
std::string unicode_casemap(std::string_view s, InvalidUtf8 invalid = InvalidUtf8::WholeString);

// The same (InvalidUtf8::WholeString), and origin[i] the offset in `s` of the code point
// that output byte i comes from (origin.size() == the result's size): what Sieve's match
// variables need to give back text of the value as written.
std::string unicode_casemap(std::string_view s, std::vector<std::size_t>& origin);

// The length of the character at `pos` of a prepared string, for Sieve's "?" (RFC 5228
// §2.7.1: a character of a Unicode comparator is a code point, not an octet): one code
// point and the combining marks (canonical combining class other than 0) after it, so "?"
// takes "é" whole when decomposition made it "E" U+0301. 1 at a byte that starts no
// well-formed sequence; 0 at the end.
std::size_t casemap_character_length(std::string_view prepared, std::size_t pos);

// The length of the code point at `pos` (1 at a byte that starts no well-formed sequence;
// 0 at the end): the step of Sieve's "*" over a prepared string.
std::size_t casemap_code_point_length(std::string_view prepared, std::size_t pos);

}  // namespace mr::text
