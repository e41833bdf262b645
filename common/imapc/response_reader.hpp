// The client side of IMAP (RFC 3501 §7, rfc3501.txt:2520): server responses as a tree of
// values, for `mailroom import imap`. Sans-I/O: bytes in, whole responses out.
//
// Invariants:
//  - A response is one line plus the literals it announces ("{n}" at a line's end, then
//    n bytes, then the rest of the response); it comes out only when complete.
//  - Limits are hard: a line longer than kMaxLine or a literal larger than the reader's
//    literal limit is an error, never a buffer that grows without bound.
//  - Values: atoms (also "BODY[]", "\Seen", "[UIDVALIDITY" as the text between
//    delimiters), strings (quoted or literal, unescaped), NIL, and parenthesised lists.
//    Response codes in brackets are left as atoms: the importer asks STATUS for numbers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::imapc {

struct Value {
    enum class Kind { Atom, String, Nil, List };
    Kind kind = Kind::Atom;
    std::string text;           // Atom, String
    std::vector<Value> items;  // List

    bool is_atom(std::string_view upper) const;  // an atom equal to `upper`, case-insensitively
    bool is_string_like() const { return kind == Kind::Atom || kind == Kind::String; }
};

struct Response {
    std::string tag;            // "*", "+" or the command's tag
    std::vector<Value> values;  // the rest of the response, in order
};

class ResponseReader {
public:
    static constexpr std::size_t kMaxLine = 64 * 1024;
    explicit ResponseReader(std::size_t max_literal = 256 * 1024 * 1024) : max_literal_(max_literal) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete response; nullopt when more bytes are needed; Syntax on a malformed
    // or oversized one (the connection cannot continue after that).
    Result<std::optional<Response>> next();

private:
    std::size_t max_literal_;
    std::string buffer_;
    std::size_t scanned_ = 0;  // bytes of buffer_ known to belong to the current response
};

// Parses one complete response's bytes (lines and literals as they arrived).
Result<Response> parse_response(std::string_view bytes);

}  // namespace mr::imapc
