// Shape-based redaction of credential-bearing command lines; see redact.hpp.
#include "common/log/redact.hpp"

#include <cstddef>

namespace mr::log {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

// Index just past the space-separated token starting at `from` (an IMAP quoted string counts
// as one token even when it holds spaces).
std::size_t token_end(std::string_view s, std::size_t from) {
    if (from < s.size() && s[from] == '"') {
        for (std::size_t i = from + 1; i < s.size(); ++i) {
            if (s[i] == '\\') {
                ++i;
            } else if (s[i] == '"') {
                return i + 1;
            }
        }
        return s.size();
    }
    std::size_t sp = s.find(' ', from);
    return sp == std::string_view::npos ? s.size() : sp;
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
    while (i < s.size() && s[i] == ' ') ++i;
    return i;
}

// Keeps `keep` tokens of `s` and replaces the remainder (if any) with kRedacted.
std::string keep_tokens(std::string_view s, int keep) {
    std::size_t pos = 0;
    for (int n = 0; n < keep; ++n) {
        pos = skip_spaces(s, pos);
        if (pos >= s.size()) return std::string(s);
        pos = token_end(s, pos);
    }
    if (skip_spaces(s, pos) >= s.size()) return std::string(s);
    std::string out(s.substr(0, pos));
    out += ' ';
    out += kRedacted;
    return out;
}

std::string_view token_at(std::string_view s, int index) {
    std::size_t pos = 0;
    for (int n = 0;; ++n) {
        pos = skip_spaces(s, pos);
        if (pos >= s.size()) return {};
        std::size_t end = token_end(s, pos);
        if (n == index) return s.substr(pos, end - pos);
        pos = end;
    }
}

}  // namespace

std::string redact_command(std::string_view line) {
    std::string_view first = token_at(line, 0);
    if (iequals(first, "AUTH")) return keep_tokens(line, 2);
    if (iequals(first, "PASS")) return keep_tokens(line, 1);
    if (iequals(first, "APOP")) return keep_tokens(line, 2);

    std::string_view second = token_at(line, 1);  // IMAP: first token is the tag
    if (iequals(second, "AUTHENTICATE")) return keep_tokens(line, 3);
    if (iequals(second, "LOGIN")) {
        std::string_view user = token_at(line, 2);
        // A literal user name means the password follows on a later line, and the rest of
        // this one may already be credential bytes: hide everything after LOGIN.
        if (!user.empty() && user.front() == '{') return keep_tokens(line, 2);
        return keep_tokens(line, 3);
    }
    return std::string(line);
}

}  // namespace mr::log
