// ASCII helpers for protocol text: keywords, domains, commands.
//
// Invariants:
//  - Only ASCII letters change case; bytes >= 0x80 pass through untouched, so
//    UTF-8 text is never corrupted and no locale is ever consulted (the C
//    <cctype> functions depend on the global locale and are UB for negative chars).
//  - Functions returning std::string_view return views into their argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mr::text {

constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char to_upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
constexpr bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// 0..15 for a hex digit of either case, -1 for any other byte.
constexpr int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
// Any byte outside 7-bit ASCII: UTF-8 lead or continuation byte.
constexpr bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
// Whether any byte of s is (an address or parameter that needs SMTPUTF8, RFC 6531).
constexpr bool has_non_ascii(std::string_view s) {
    for (char c : s) {
        if (is_non_ascii(c)) return true;
    }
    return false;
}

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Case-insensitive (ASCII) three-way compare: <0, 0, >0 like std::string::compare.
int icompare(std::string_view a, std::string_view b);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_ci(std::string_view s, std::string_view prefix);

// Strips SP, HTAB, CR and LF from both ends (the whitespace protocols tolerate
// around arguments); other control bytes are left for the caller to reject.
std::string_view trim(std::string_view s);

// Splits on runs of SP; empty fields are dropped ("a  b " -> {"a","b"}).
std::vector<std::string_view> split_spaces(std::string_view s);

// Strict UTF-8 per RFC 3629 as imported by RFC 6532 §3.1 (rfc6532.txt:201):
// no overlong forms, no surrogates (U+D800..DFFF), nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);
// Appends the UTF-8 encoding of a Unicode code point (at most 0x10FFFF; the caller has
// refused surrogates and larger values where its input could hold them).
void append_utf8(std::string& out, std::uint32_t code_point);

}  // namespace mr::text
