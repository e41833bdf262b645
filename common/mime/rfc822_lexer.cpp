#include "common/mime/rfc822_lexer.hpp"

namespace mr::mime::lex {

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string read_quoted(std::string_view s, std::size_t& pos) {
    std::string out;
    ++pos;  // opening quote
    while (pos < s.size()) {
        const char c = s[pos];
        if (c == '"') {
            ++pos;
            return out;
        }
        if (c == '\\' && pos + 1 < s.size()) {
            // RFC 5322 §3.2.1 (rfc5322.txt:554): the backslash of a quoted-pair is invisible.
            out.push_back(s[pos + 1]);
            pos += 2;
            continue;
        }
        if (c != '\r' && c != '\n') out.push_back(c);
        ++pos;
    }
    return out;  // unterminated: everything to the end is the string
}

std::string read_comment(std::string_view s, std::size_t& pos) {
    std::string out;
    int depth = 0;
    while (pos < s.size()) {
        const char c = s[pos];
        if (c == '\\' && pos + 1 < s.size()) {
            out.push_back(s[pos + 1]);
            pos += 2;
            continue;
        }
        ++pos;
        if (c == '(') {
            if (depth++ == 0) continue;
        } else if (c == ')') {
            if (--depth == 0) return out;
        }
        if (c != '\r' && c != '\n') out.push_back(c);
    }
    return out;
}

std::size_t skip_cfws(std::string_view s, std::size_t pos, std::string* last_comment) {
    while (pos < s.size()) {
        if (is_space(s[pos])) {
            ++pos;
        } else if (s[pos] == '(') {
            std::string text = read_comment(s, pos);
            if (last_comment) *last_comment = std::move(text);
        } else {
            break;
        }
    }
    return pos;
}

}  // namespace mr::mime::lex
