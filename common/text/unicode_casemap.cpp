// See unicode_casemap.hpp. The steps are RFC 5051 §2's (2)(a) and (2)(b), one code point at a
// time, over libunistring's Unicode data.
#include "common/text/unicode_casemap.hpp"

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <numeric>

namespace mr::text {
namespace {

constexpr ucs4_t kHangulFirst = 0xAC00;
constexpr ucs4_t kHangulLast = 0xD7A3;

// The length of the well-formed UTF-8 sequence at s[pos] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF) and its code point; 0 when there is none.
std::size_t decode(std::string_view s, std::size_t pos, ucs4_t& cp) {
    const int n = u8_mbtoucr(&cp, reinterpret_cast<const std::uint8_t*>(s.data() + pos), s.size() - pos);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void append_utf8(std::string& out, ucs4_t cp) {
    std::uint8_t buf[6];
    const int n = u8_uctomb(buf, cp, sizeof buf);
    if (n > 0) out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

// (2)(b): the decomposition property of any type, applied again to each code point it gives
// until none has one. uc_decomposition also decomposes Hangul syllables (algorithmically),
// which UnicodeData.txt does not: those stay whole.
void append_decomposed(std::string& out, ucs4_t cp) {
    ucs4_t parts[UC_DECOMPOSITION_MAX_LENGTH];
    int tag = 0;
    const int n = (cp >= kHangulFirst && cp <= kHangulLast) ? -1 : uc_decomposition(cp, &tag, parts);
    if (n <= 0) {
        append_utf8(out, cp);
        return;
    }
    for (int i = 0; i < n; ++i) append_decomposed(out, parts[i]);
}

// Prepares `s` into `out`; false when a byte starts no well-formed sequence and `invalid`
// says the whole string then stays as it is (`out` is then partial).
bool prepare(std::string_view s, InvalidUtf8 invalid, std::string& out, std::vector<std::size_t>* origin) {
    out.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) {
        const auto c = static_cast<unsigned char>(s[pos]);
        std::size_t len = 1;
        if (c < 0x80) {
            // ASCII has no decomposition; its titlecase is its upper case.
            out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : s[pos]);
        } else {
            ucs4_t cp = 0;
            len = decode(s, pos, cp);
            if (len == 0) {
                if (invalid == InvalidUtf8::WholeString) return false;
                out.push_back(s[pos]);
                len = 1;
            } else {
                append_decomposed(out, uc_totitle(cp));  // (2)(a), then (2)(b)
            }
        }
        if (origin) origin->resize(out.size(), pos);
        pos += len;
    }
    return true;
}

}  // namespace

std::string unicode_casemap(std::string_view s, InvalidUtf8 invalid) {
    std::string out;
    if (!prepare(s, invalid, out, nullptr)) return std::string(s);
    return out;
}

std::string unicode_casemap(std::string_view s, std::vector<std::size_t>& origin) {
    std::string out;
    origin.clear();
    if (!prepare(s, InvalidUtf8::WholeString, out, &origin)) {
        origin.resize(s.size());
        std::iota(origin.begin(), origin.end(), std::size_t{0});
        return std::string(s);
    }
    return out;
}

std::size_t casemap_code_point_length(std::string_view prepared, std::size_t pos) {
    if (pos >= prepared.size()) return 0;
    if (static_cast<unsigned char>(prepared[pos]) < 0x80) return 1;
    ucs4_t cp = 0;
    const std::size_t len = decode(prepared, pos, cp);
    return len == 0 ? 1 : len;
}

std::size_t casemap_character_length(std::string_view prepared, std::size_t pos) {
    std::size_t len = casemap_code_point_length(prepared, pos);
    if (len == 0) return 0;
    for (;;) {
        ucs4_t cp = 0;
        const std::size_t next = pos + len;
        if (next >= prepared.size() || static_cast<unsigned char>(prepared[next]) < 0x80) return len;
        const std::size_t n = decode(prepared, next, cp);
        if (n == 0 || uc_combining_class(cp) == UC_CCC_NR) return len;
        len += n;
    }
}

}  // namespace mr::text
