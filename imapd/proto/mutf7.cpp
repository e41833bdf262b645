#include "imapd/proto/mutf7.hpp"

#include <cstdint>

#include "common/text/ascii.hpp"
#include "common/text/sasl.hpp"

namespace mr::imapd {

namespace {

constexpr bool is_printable(std::uint32_t c) { return c >= 0x20 && c <= 0x7e; }

constexpr bool is_mbase64_char(char c) {
    return text::is_alnum(c) || c == '+' || c == ',';
}

using text::append_utf8;

// One modified-BASE64 run (between "&" and "-") → UTF-8 appended to `out`.
Result<void> decode_run(std::string_view run, std::string& out) {
    if (run.empty()) return Error::syntax("Empty modified UTF-7 shift");
    if (run.size() % 4 == 1) return Error::syntax("Truncated modified UTF-7");
    std::string b64(run);
    for (char& c : b64) {
        if (c == ',') c = '/';
    }
    while (b64.size() % 4 != 0) b64 += '=';
    auto bytes = text::base64_decode(b64, b64.size() / 4 * 3);
    // libsodium also refuses non-zero bits left over after the last octet.
    if (!bytes) return Error::syntax("Invalid modified BASE64 in mailbox name");
    if (bytes->size() % 2 != 0) return Error::syntax("Modified UTF-7 run is not UTF-16");
    std::uint32_t high = 0;
    for (std::size_t i = 0; i < bytes->size(); i += 2) {
        const std::uint32_t unit = static_cast<std::uint32_t>(static_cast<unsigned char>((*bytes)[i]) << 8) |
                                   static_cast<unsigned char>((*bytes)[i + 1]);
        std::uint32_t cp = unit;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (high != 0) return Error::syntax("Unpaired surrogate in mailbox name");
            high = unit;
            continue;
        }
        if (unit >= 0xDC00 && unit <= 0xDFFF) {
            if (high == 0) return Error::syntax("Unpaired surrogate in mailbox name");
            cp = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
            high = 0;
        } else if (high != 0) {
            return Error::syntax("Unpaired surrogate in mailbox name");
        }
        // rfc3501.txt:1057: BASE64 MUST NOT encode a printing character.
        if (is_printable(cp)) return Error::syntax("Modified UTF-7 encodes a printable character");
        append_utf8(out, cp);
    }
    if (high != 0) return Error::syntax("Unpaired surrogate in mailbox name");
    return {};
}

// Decodes one code point of valid UTF-8 at s[i], advancing i.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    std::uint32_t cp = b0;
    if (b0 >= 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    } else if (b0 >= 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if (b0 >= 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    }
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    return cp;
}

void flush_run(std::string& utf16, std::string& out) {
    std::string b64 = text::base64_encode(utf16);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    for (char& c : b64) {
        if (c == '/') c = ',';
    }
    out += '&';
    out += b64;
    out += '-';
    utf16.clear();
}

}  // namespace

Result<std::string> mutf7_decode(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    std::size_t last_run_end = std::string_view::npos;
    while (i < s.size()) {
        const char c = s[i];
        if (c != '&') {
            if (!is_printable(static_cast<unsigned char>(c)))
                return Error::syntax("Mailbox name has 8-bit or control characters; use modified UTF-7");
            out += c;
            ++i;
            continue;
        }
        if (i + 1 < s.size() && s[i + 1] == '-') {
            out += '&';
            i += 2;
            continue;
        }
        if (i == last_run_end) return Error::syntax("Superfluous shift in modified UTF-7");
        std::size_t j = i + 1;
        while (j < s.size() && is_mbase64_char(s[j])) ++j;
        if (j == s.size() || s[j] != '-') return Error::syntax("Unterminated modified UTF-7 shift");
        auto r = decode_run(s.substr(i + 1, j - i - 1), out);
        if (!r) return r.error();
        i = j + 1;
        last_run_end = i;
    }
    return out;
}

Result<std::string> mutf7_encode(std::string_view utf8) {
    if (!text::is_valid_utf8(utf8)) return Error::syntax("Mailbox name is not valid UTF-8");
    std::string out;
    std::string utf16;  // pending run, UTF-16BE
    std::size_t i = 0;
    while (i < utf8.size()) {
        const std::uint32_t cp = next_code_point(utf8, i);
        if (is_printable(cp)) {
            if (!utf16.empty()) flush_run(utf16, out);
            out += static_cast<char>(cp);
            if (cp == '&') out += '-';
            continue;
        }
        auto put_unit = [&utf16](std::uint32_t u) {
            utf16 += static_cast<char>(u >> 8);
            utf16 += static_cast<char>(u & 0xFF);
        };
        if (cp >= 0x10000) {
            put_unit(0xD800 + ((cp - 0x10000) >> 10));
            put_unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            put_unit(cp);
        }
    }
    if (!utf16.empty()) flush_run(utf16, out);
    return out;
}

}  // namespace mr::imapd
