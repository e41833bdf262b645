#include "common/sieve/lexer.hpp"

#include <limits>

#include "common/text/ascii.hpp"

namespace mr::sieve {

Error syntax_error(Position pos, std::string_view what) {
    return Error::syntax("line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) +
                         ": " + std::string(what));
}

namespace {

bool is_identifier_start(char c) { return text::is_alpha(c) || c == '_'; }
bool is_identifier_char(char c) { return text::is_alnum(c) || c == '_'; }

}  // namespace

void Lexer::advance(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < src_.size(); ++i) {
        if (src_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++pos_;
    }
}

bool Lexer::line_end() {
    if (peek() == '\n') {
        advance();
        return true;
    }
    if (peek() == '\r' && peek(1) == '\n') {
        advance(2);
        return true;
    }
    return false;
}

Result<void> Lexer::skip_white_space() {
    while (!at_end()) {
        const char c = peek();
        if (c == ' ' || c == '\t') {
            advance();
        } else if (c == '\r' || c == '\n') {
            if (!line_end()) return syntax_error(here(), "CR not followed by LF");
        } else if (c == '#') {
            while (!at_end() && peek() != '\n') {
                if (peek() == '\0') return syntax_error(here(), "NUL in comment");
                advance();
            }
        } else if (c == '/' && peek(1) == '*') {
            const Position start = here();
            advance(2);
            for (;;) {
                if (at_end()) return syntax_error(start, "unterminated comment");
                if (peek() == '*' && peek(1) == '/') {
                    advance(2);
                    break;
                }
                if (peek() == '\0') return syntax_error(here(), "NUL in comment");
                advance();
            }
        } else {
            break;
        }
    }
    return {};
}

Result<Token> Lexer::next() {
    if (auto r = skip_white_space(); !r) return r.error();
    const Position start = here();
    Token t;
    t.pos = start;
    if (at_end()) return t;
    const char c = peek();
    auto single = [&](TokenKind k) {
        advance();
        t.kind = k;
        return Result<Token>(std::move(t));
    };
    switch (c) {
        case '[': return single(TokenKind::LeftBracket);
        case ']': return single(TokenKind::RightBracket);
        case '(': return single(TokenKind::LeftParen);
        case ')': return single(TokenKind::RightParen);
        case '{': return single(TokenKind::LeftBrace);
        case '}': return single(TokenKind::RightBrace);
        case ',': return single(TokenKind::Comma);
        case ';': return single(TokenKind::Semicolon);
        case '"': return quoted_string(start);
        default: break;
    }
    if (text::is_digit(c)) return number(start);
    if (c == ':') {
        advance();
        if (!is_identifier_start(peek())) return syntax_error(start, "expected a tag name after ':'");
        const std::size_t from = pos_;
        while (is_identifier_char(peek())) advance();
        t.kind = TokenKind::Tag;
        t.text = text::to_lower(src_.substr(from, pos_ - from));
        return t;
    }
    if (is_identifier_start(c)) {
        const std::size_t from = pos_;
        while (is_identifier_char(peek())) advance();
        t.text = text::to_lower(src_.substr(from, pos_ - from));
        if (t.text == "text" && peek() == ':') return multi_line(start);
        t.kind = TokenKind::Identifier;
        return t;
    }
    return syntax_error(start, c == '\0' ? std::string("NUL in script")
                                         : "unexpected character '" + std::string(1, c) + "'");
}

Result<Token> Lexer::quoted_string(Position start) {
    advance();  // the opening quote
    Token t;
    t.kind = TokenKind::String;
    t.pos = start;
    for (;;) {
        if (at_end()) return syntax_error(start, "unterminated string");
        char c = peek();
        if (c == '"') {
            advance();
            return t;
        }
        if (c == '\0') return syntax_error(here(), "NUL in string");
        if (c == '\r' && peek(1) != '\n') return syntax_error(here(), "CR not followed by LF");
        if (c == '\\') {
            advance();
            if (at_end()) return syntax_error(start, "unterminated string");
            c = peek();
            if (c == '\0') return syntax_error(here(), "NUL in string");
        }
        t.text.push_back(c);
        advance();
        if (t.text.size() > max_string_)
            return syntax_error(start, "string longer than " + std::to_string(max_string_) + " bytes");
    }
}

Result<Token> Lexer::multi_line(Position start) {
    advance();  // the ':' of "text:"
    while (peek() == ' ' || peek() == '\t') advance();
    if (peek() == '#') {
        while (!at_end() && peek() != '\n') advance();
    }
    if (!line_end()) return syntax_error(here(), "expected a line end after \"text:\"");
    Token t;
    t.kind = TokenKind::String;
    t.pos = start;
    for (;;) {
        if (at_end()) return syntax_error(start, "unterminated multi-line string (no \".\" line)");
        if (peek() == '.') {
            advance();
            if (line_end() || at_end()) return t;
            // Dot-stuffing: ".." stands for "."; the second dot is read with the line.
            if (peek() != '.') t.text.push_back('.');
        }
        while (!at_end() && peek() != '\n' && peek() != '\r') {
            if (peek() == '\0') return syntax_error(here(), "NUL in string");
            t.text.push_back(peek());
            advance();
        }
        if (!at_end() && !line_end()) return syntax_error(here(), "CR not followed by LF");
        t.text += "\r\n";
        if (t.text.size() > max_string_)
            return syntax_error(start, "string longer than " + std::to_string(max_string_) + " bytes");
    }
}

Result<Token> Lexer::number(Position start) {
    Token t;
    t.kind = TokenKind::Number;
    t.pos = start;
    // 2^63 - 1 leaves room for comparisons; RFC 5228 §2.4.1 (rfc5228.txt:400) only asks for 2^31 - 1.
    constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::uint64_t v = 0;
    while (text::is_digit(peek())) {
        const auto d = static_cast<std::uint64_t>(peek() - '0');
        if (v > (kMax - d) / 10) return syntax_error(start, "number too large");
        v = v * 10 + d;
        advance();
    }
    std::uint64_t scale = 1;
    switch (text::to_upper(peek())) {
        case 'K': scale = 1ull << 10; break;
        case 'M': scale = 1ull << 20; break;
        case 'G': scale = 1ull << 30; break;
        default: break;
    }
    if (scale != 1) {
        advance();
        if (v > kMax / scale) return syntax_error(start, "number too large");
        v *= scale;
    }
    if (is_identifier_char(peek())) return syntax_error(here(), "unexpected character after number");
    t.number = v;
    return t;
}

}  // namespace mr::sieve
