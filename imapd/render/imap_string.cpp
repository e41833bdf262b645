// See imap_string.hpp for the rules; this file only applies them byte by byte.
#include "imapd/render/imap_string.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "common/text/ascii.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mr::imapd {
namespace {

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// ATOM-CHAR = any CHAR except atom-specials (rfc3501.txt:4556-4559):
// "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
bool is_atom_char(unsigned char c) {
    if (c == 0 || c >= 0x80 || is_ctl(c)) return false;
    switch (c) {
        case '(': case ')': case '{': case ' ': case '%': case '*':
        case '"': case '\\': case ']':
            return false;
        default:
            return true;
    }
}

// ASTRING-CHAR = ATOM-CHAR / resp-specials (rfc3501.txt:4552).
bool is_astring_char(unsigned char c) { return c == ']' || is_atom_char(c); }

bool is_nil_word(std::string_view s) {
    return s.size() == 3 && (s[0] == 'N' || s[0] == 'n') && (s[1] == 'I' || s[1] == 'i') &&
           (s[2] == 'L' || s[2] == 'l');
}

}  // namespace

bool fits_quoted(std::string_view s) {
    if (s.size() > kMaxQuotedLength) return false;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        // TEXT-CHAR = any CHAR except CR and LF (rfc3501.txt:5065); CHAR = %x01-7F.
        if (c == 0 || c >= 0x80 || c == '\r' || c == '\n') return false;
    }
    return true;
}

bool is_atom(std::string_view s) {
    if (s.empty()) return false;
    for (char ch : s)
        if (!is_atom_char(static_cast<unsigned char>(ch))) return false;
    return true;
}

void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

void append_literal_header(std::string& out, std::size_t size) {
    out += '{';
    append_number(out, size);
    out += "}\r\n";
}

namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

#if defined(__SSE2__)
// 16 bytes at a time: which bytes a quoted string cannot carry (8-bit, NUL, CR, LF) and
// which it escapes (DQUOTE, backslash), as bit masks.
struct ChunkClass {
    int bad = 0;
    int escaped = 0;
};
ChunkClass classify16(const char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
    const __m128i esc = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return {_mm_movemask_epi8(v) | _mm_movemask_epi8(ctl), _mm_movemask_epi8(esc)};
}
#else
// How a byte travels in a quoted string: as it is, escaped (quoted-specials,
// rfc3501.txt:4906), or not at all (fits_quoted() is false: the string goes as a literal).
enum : std::uint8_t { kPlain = 0, kEscaped = 1, kNotQuotable = 2 };

constexpr std::array<std::uint8_t, 256> make_quote_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        if (c == 0 || c >= 0x80 || c == '\r' || c == '\n')
            t[c] = kNotQuotable;
        else if (c == '"' || c == '\\')
            t[c] = kEscaped;
    }
    return t;
}
constexpr std::array<std::uint8_t, 256> kQuoteClass = make_quote_classes();
#endif

// Classifies s: false when it cannot be quoted; else `escaped` counts the bytes to escape.
bool quotable(std::string_view s, std::size_t& escaped) {
    escaped = 0;
    if (s.size() > kMaxQuotedLength) return false;
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= s.size(); i += 16) {
        const ChunkClass c = classify16(s.data() + i);
        if (c.bad) return false;
        escaped += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(c.escaped)));
    }
    if (i < s.size()) {
        // The last partial chunk, padded with a byte that is neither bad nor escaped.
        char padded[16];
        std::memset(padded, 'a', sizeof padded);
        std::memcpy(padded, s.data() + i, s.size() - i);
        const ChunkClass c = classify16(padded);
        if (c.bad) return false;
        escaped += static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(c.escaped)));
    }
#else
    for (; i < s.size(); ++i) {
        const std::uint8_t k = kQuoteClass[static_cast<unsigned char>(s[i])];
        if (k == kNotQuotable) return false;
        escaped += k;
    }
#endif
    return true;
}

// The hot path of ENVELOPE and BODYSTRUCTURE (every string of every message of a
// first sync): one pass classifies the bytes, then the quoted form is written in place.
template <bool kUpper>
void append_string_as(std::string& out, std::string_view s) {
    std::size_t escaped = 0;
    if (!quotable(s, escaped)) {
        append_literal_header(out, s.size());
        if constexpr (kUpper) {
            for (char ch : s) out += upper(ch);
        } else {
            out.append(s);
        }
        return;
    }
    const std::size_t at = out.size();
    out.resize(at + s.size() + escaped + 2);
    char* p = out.data() + at;
    *p++ = '"';
    if (escaped == 0 && !kUpper) {
        if (!s.empty()) std::memcpy(p, s.data(), s.size());
        p += s.size();
    } else {
        for (char ch : s) {
            if (ch == '"' || ch == '\\') *p++ = '\\';
            *p++ = kUpper ? upper(ch) : ch;
        }
    }
    *p = '"';
}

}  // namespace

void append_string(std::string& out, std::string_view s) { append_string_as<false>(out, s); }

void append_string(std::string& out, std::string_view s, QuotedText quoted) {
    std::size_t escaped = 0;
    if (quoted == QuotedText::Ascii || quotable(s, escaped) || s.size() > kMaxQuotedLength ||
        !text::is_valid_utf8(s)) {
        append_string_as<false>(out, s);
        return;
    }
    // 8-bit, valid UTF-8: quoted unless it holds what no quoted string carries.
    for (char ch : s) {
        if (ch == '\0' || ch == '\r' || ch == '\n') {
            append_string_as<false>(out, s);
            return;
        }
    }
    out += '"';
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    out += '"';
}

void append_string_upper(std::string& out, std::string_view s) { append_string_as<true>(out, s); }

void append_nstring(std::string& out, std::optional<std::string_view> s) {
    if (!s) {
        out += "NIL";
        return;
    }
    append_string(out, *s);
}

void append_astring(std::string& out, std::string_view s) {
    bool bare = !s.empty() && !is_nil_word(s);
    for (char ch : s) {
        if (!bare) break;
        bare = is_astring_char(static_cast<unsigned char>(ch));
    }
    if (bare)
        out.append(s);
    else
        append_string(out, s);
}

}  // namespace mr::imapd
