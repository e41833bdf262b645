#include "common/sieve/strings.hpp"

#include <cstdint>

#include "common/text/ascii.hpp"
#include "common/text/sasl.hpp"

namespace mr::sieve {

namespace {

using text::hex_value;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

using text::append_utf8;

// Parses the hex sequence of one encoding starting at s[pos] (just after "hex:" or
// "unicode:") up to its "}". Returns the index after the "}", or npos when the sequence
// does not match the grammar. `unicode` allows any number of digits (1*HEXDIG) and sets
// `out_of_range` for values the RFC forbids.
std::size_t decode_sequence(std::string_view s, std::size_t pos, bool unicode, std::string& out,
                            bool& out_of_range) {
    bool any = false;
    for (;;) {
        const std::size_t blanks_from = pos;
        while (pos < s.size() && is_blank(s[pos])) ++pos;
        if (pos >= s.size()) return std::string_view::npos;
        if (s[pos] == '}') return any ? pos + 1 : std::string_view::npos;
        if (any && pos == blanks_from) return std::string_view::npos;  // values need blanks between
        std::size_t digits = 0;
        std::uint64_t v = 0;
        while (pos < s.size() && hex_value(s[pos]) >= 0) {
            if (v <= 0x10FFFF) v = v * 16 + static_cast<std::uint64_t>(hex_value(s[pos]));
            ++digits;
            ++pos;
        }
        if (digits == 0 || (!unicode && digits > 2)) return std::string_view::npos;
        if (unicode) {
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) out_of_range = true;
            else append_utf8(out, static_cast<std::uint32_t>(v));
        } else {
            out.push_back(static_cast<char>(v));
        }
        any = true;
    }
}

}  // namespace

Result<std::string> decode_encoded_characters(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
            // Prefix tests only: searching for the ':' would make "${${${..." quadratic.
            const std::string_view rest = s.substr(i + 2);
            const bool hex = text::starts_with_ci(rest, "hex:");
            const bool unicode = text::starts_with_ci(rest, "unicode:");
            if (hex || unicode) {
                std::string decoded;
                bool out_of_range = false;
                const std::size_t from = i + 2 + (hex ? 4 : 8);
                const std::size_t end = decode_sequence(s, from, unicode, decoded, out_of_range);
                if (end != std::string_view::npos) {
                    if (out_of_range) return Error::syntax("encoded character out of the Unicode range");
                    out += decoded;
                    i = end;
                    continue;
                }
            }
        }
        out.push_back(s[i]);
        ++i;
    }
    return out;
}

bool is_identifier(std::string_view s) {
    if (s.empty() || !(text::is_alpha(s[0]) || s[0] == '_')) return false;
    for (char c : s)
        if (!(text::is_alnum(c) || c == '_')) return false;
    return true;
}

bool is_address_header(std::string_view name) {
    static constexpr std::string_view kHeaders[] = {
        "from", "to", "cc", "bcc", "sender", "reply-to",
        "resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender", "resent-reply-to",
        "return-path", "delivered-to", "x-original-to", "envelope-to", "errors-to",
        "disposition-notification-to", "mail-followup-to", "mail-reply-to", "original-recipient",
    };
    for (auto h : kHeaders)
        if (text::iequals(name, h)) return true;
    return false;
}

std::string quote_wildcards(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '*' || c == '?' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

bool is_field_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    return true;
}

std::string header_value_text(std::string_view s) {
    std::string one_line(s);
    for (char& c : one_line)
        if (c == '\r' || c == '\n') c = ' ';
    if (!text::has_non_ascii(one_line)) return one_line;
    return "=?utf-8?B?" + text::base64_encode(one_line) + "?=";
}

}  // namespace mr::sieve
