// See imap_string.hpp for the rules; this file only applies them byte by byte.
#include "imapd/render/imap_string.hpp"

#include <charconv>

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

template <bool kUpper>
void append_string_as(std::string& out, std::string_view s) {
    auto map = [](char c) {
        return (kUpper && c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    };
    if (!fits_quoted(s)) {
        append_literal_header(out, s.size());
        for (char ch : s) out += map(ch);
        return;
    }
    out += '"';
    for (char ch : s) {
        // quoted-specials = DQUOTE / "\" (rfc3501.txt:4906) travel escaped.
        if (ch == '"' || ch == '\\') out += '\\';
        out += map(ch);
    }
    out += '"';
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
    if (!fits_quoted(s)) {
        append_literal_header(out, s.size());
        out.append(s);
        return;
    }
    // The hot path of ENVELOPE and BODYSTRUCTURE: runs between quoted-specials are
    // appended in one piece, not byte by byte.
    out += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"' || s[i] == '\\') {
            out.append(s.data() + run, i - run);
            out += '\\';
            run = i;
        }
    }
    out.append(s.data() + run, s.size() - run);
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

void append_flag_list(std::string& out, std::span<const std::string> flags) {
    out += '(';
    bool first = true;
    for (const auto& flag : flags) {
        if (!first) out += ' ';
        first = false;
        out += flag;
    }
    out += ')';
}

}  // namespace mr::imapd
