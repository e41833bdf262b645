// Tokens of a Sieve script (RFC 5228 §8.1, rfc5228.txt:1868).
//
// Invariants:
//  - One pass, no backtracking: each byte is looked at a bounded number of times.
//  - Line ends may be CRLF or a bare LF (scripts are edited on Unix as often as not);
//    a bare CR, or a NUL anywhere, is an error (rfc5228.txt:1887, rfc5228.txt:425).
//  - Multi-line strings come out with CRLF line ends and dot-stuffing undone
//    (rfc5228.txt:1917); a string longer than max_string_bytes is an error.
//  - Every error names the line and column where the offending token starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/sieve/ast.hpp"
#include "common/util/result.hpp"

namespace mr::sieve {

enum class TokenKind {
    Identifier, Tag, Number, String,
    LeftBracket, RightBracket, LeftParen, RightParen, LeftBrace, RightBrace,
    Comma, Semicolon, End,
};

struct Token {
    TokenKind kind = TokenKind::End;
    Position pos;
    std::string text;           // Identifier/Tag: lowercased name; String: its value
    std::uint64_t number = 0;   // Number
};

// "line 3, column 7: expected ';'"
Error syntax_error(Position pos, std::string_view what);

class Lexer {
public:
    Lexer(std::string_view script, std::size_t max_string_bytes)
        : src_(script), max_string_(max_string_bytes) {}

    Result<Token> next();

private:
    Result<void> skip_white_space();
    Result<Token> quoted_string(Position start);
    Result<Token> multi_line(Position start);
    Result<Token> number(Position start);
    // Consumes one line end (CRLF or LF) at pos_, if there is one.
    bool line_end();
    void advance(std::size_t n = 1);
    Position here() const { return {line_, column_}; }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
    }
    bool at_end() const { return pos_ >= src_.size(); }

    std::string_view src_;
    std::size_t max_string_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;
};

}  // namespace mr::sieve
