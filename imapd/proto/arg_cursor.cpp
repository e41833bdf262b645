#include "imapd/proto/arg_cursor.hpp"

#include <algorithm>
#include <string>

namespace mr::imapd {

Error syntax_error(std::string_view expected) {
    return Error::syntax("Expected " + std::string(expected));
}

ArgCursor::ArgCursor(const RawCommand& cmd) : bytes_(cmd.bytes), cmd_(&cmd) {}

std::size_t ArgCursor::text_limit() const {
    // min(): a RawCommand not made by CommandReader cannot send us out of bounds.
    if (next_literal_ < cmd_->literals.size())
        return std::min(cmd_->literals[next_literal_].offset, bytes_.size());
    return bytes_.size();
}

std::size_t ArgCursor::atom_end(bool allow_bracket) const {
    const std::size_t limit = text_limit();
    std::size_t p = pos_;
    while (p < limit && (is_atom_char(bytes_[p]) || (allow_bracket && bytes_[p] == ']'))) ++p;
    return p;
}

bool ArgCursor::eat(char c) {
    if (peek() != c || c == '\0') return false;
    ++pos_;
    return true;
}

Result<void> ArgCursor::sp() { return expect(' ', "SP"); }

Result<void> ArgCursor::expect(char c, const char* what) {
    if (!eat(c)) return syntax_error(what);
    return {};
}

Result<void> ArgCursor::end() {
    if (!at_end()) return Error::syntax("Unexpected characters at end of command");
    return {};
}

bool ArgCursor::eat_keyword(std::string_view word) {
    const std::size_t e = atom_end(false);
    if (e - pos_ != word.size() || !text::iequals(bytes_.substr(pos_, word.size()), word))
        return false;
    pos_ = e;
    return true;
}

bool ArgCursor::eat_prefix(std::string_view prefix) {
    if (text_limit() - pos_ < prefix.size()) return false;
    if (!text::iequals(bytes_.substr(pos_, prefix.size()), prefix)) return false;
    pos_ += prefix.size();
    return true;
}

std::string_view ArgCursor::take_while(bool (*pred)(char)) {
    const std::size_t limit = text_limit();
    const std::size_t start = pos_;
    while (pos_ < limit && pred(bytes_[pos_])) ++pos_;
    return bytes_.substr(start, pos_ - start);
}

std::string_view ArgCursor::peek_atom() const { return bytes_.substr(pos_, atom_end(false) - pos_); }

Result<std::string_view> ArgCursor::atom(const char* what) {
    const std::size_t e = atom_end(false);
    if (e == pos_) return syntax_error(what);
    const std::string_view a = bytes_.substr(pos_, e - pos_);
    pos_ = e;
    return a;
}

Result<std::string_view> ArgCursor::astring_atom(const char* what) {
    const std::size_t e = atom_end(true);
    if (e == pos_) return syntax_error(what);
    const std::string_view a = bytes_.substr(pos_, e - pos_);
    pos_ = e;
    return a;
}

Result<std::string> ArgCursor::quoted(const char* what) {
    if (!eat('"')) return syntax_error(what);
    const std::size_t limit = text_limit();
    std::string out;
    while (pos_ < limit) {
        const char c = bytes_[pos_++];
        if (c == '"') {
            // RFC 6855 §3 (rfc6855.txt:170): 8-bit octets that are not UTF-8 are BAD.
            if (text::has_non_ascii(out) && !text::is_valid_utf8(out))
                return Error::syntax("Invalid UTF-8 in quoted string");
            return out;
        }
        if (c == '\\') {
            // QUOTED-CHAR: only quoted-specials may be escaped (rfc3501.txt:4903).
            if (pos_ >= limit || (bytes_[pos_] != '"' && bytes_[pos_] != '\\'))
                return Error::syntax("Invalid escape in quoted string");
            out += bytes_[pos_++];
            continue;
        }
        // TEXT-CHAR excludes CR and LF (rfc3501.txt:5065); NUL is never allowed.
        // 8-bit octets: RFC 9051 §9 and RFC 6855 §3 allow UTF-8 in quoted strings (and
        // clients send it for SEARCH CHARSET UTF-8); checked at the closing quote.
        if (c == '\r' || c == '\n' || c == '\0') return Error::syntax("Invalid character in quoted string");
        out += c;
    }
    return Error::syntax("Unterminated quoted string");
}

Result<LiteralSpan> ArgCursor::literal(const char* what, bool allow_literal8) {
    const std::size_t start = pos_;
    if (allow_literal8 && peek() == '~') ++pos_;
    if (!eat('{')) {
        pos_ = start;
        return syntax_error(what);
    }
    std::uint64_t size = 0;
    std::size_t digits = 0;
    while (text::is_digit(peek()) && digits < 20) {
        size = size * 10 + static_cast<std::uint64_t>(peek() - '0');
        ++pos_;
        ++digits;
    }
    eat('+');
    if (digits == 0 || !eat('}')) {
        pos_ = start;
        return syntax_error(what);
    }
    // CommandReader recorded every literal whose marker ended a line; a marker in the
    // middle of a line is not a literal.
    if (next_literal_ >= cmd_->literals.size() || cmd_->literals[next_literal_].offset != pos_ ||
        cmd_->literals[next_literal_].size != size || bytes_.size() - pos_ < size) {
        pos_ = start;
        return Error::syntax("Literal marker must end its line");
    }
    const LiteralSpan span = cmd_->literals[next_literal_++];
    pos_ += span.size;
    return span;
}

Result<std::string> ArgCursor::literal_string(const char* what) {
    auto span = literal(what);
    if (!span) return span.error();
    return std::string(bytes_.substr(span->offset, span->size));
}

Result<std::string> ArgCursor::string(const char* what) {
    if (peek() == '"') return quoted(what);
    if (peek() == '{') return literal_string(what);
    return syntax_error(what);
}

Result<std::string> ArgCursor::astring(const char* what) {
    if (peek() == '"' || peek() == '{') return string(what);
    auto a = astring_atom(what);
    if (!a) return a.error();
    return std::string(*a);
}

Result<std::optional<std::string>> ArgCursor::nstring(const char* what) {
    if (eat_keyword("NIL")) return std::optional<std::string>{};
    auto s = string(what);
    if (!s) return s.error();
    return std::optional<std::string>(std::move(*s));
}

Result<std::string> ArgCursor::list_mailbox(const char* what) {
    if (peek() == '"' || peek() == '{') return string(what);
    const std::size_t limit = text_limit();
    const std::size_t start = pos_;
    while (pos_ < limit && is_list_char(bytes_[pos_])) ++pos_;
    if (pos_ == start) return syntax_error(what);
    return std::string(bytes_.substr(start, pos_ - start));
}

Result<std::string> ArgCursor::mailbox(const char* what) {
    auto name = astring(what);
    if (!name) return name;
    if (text::iequals(*name, "INBOX")) return std::string("INBOX");
    return name;
}

Result<std::uint64_t> ArgCursor::number64(const char* what) {
    if (!text::is_digit(peek())) return syntax_error(what);
    std::uint64_t v = 0;
    while (text::is_digit(peek())) {
        const auto d = static_cast<std::uint64_t>(peek() - '0');
        if (v > (UINT64_MAX - d) / 10) return Error::syntax("Number too large");
        v = v * 10 + d;
        ++pos_;
    }
    return v;
}

Result<std::uint32_t> ArgCursor::number(const char* what) {
    auto v = number64(what);
    if (!v) return v.error();
    if (*v > UINT32_MAX) return Error::syntax("Number too large");
    return static_cast<std::uint32_t>(*v);
}

Result<std::uint32_t> ArgCursor::nz_number(const char* what) {
    if (peek() == '0') return syntax_error(what);
    return number(what);
}

}  // namespace mr::imapd
