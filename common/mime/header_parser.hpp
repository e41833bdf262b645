// Splitting a header block (RFC 5322 §2.2, rfc5322.txt:399) into fields.
//
// Invariants:
//  - Zero-copy: every view points into the caller's message; nothing is allocated
//    while scanning, so a 50 MB header costs one pass and no memory.
//  - A line ends at LF; a CR before it is part of the line end (bare LF tolerated).
//  - The header block ends at the first empty line (CRLF or LF alone) or at `end`;
//    the empty line belongs to the header block, so body_start is just after it.
//  - Lines without a colon, lines whose name is not ftext, and continuation lines
//    with no field before them are skipped, never fatal.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::mime {

struct HeaderFieldView {
    std::string_view name;       // as written, trailing WSP before the colon removed
    std::string_view raw_value;  // after the colon up to the last line end, folding kept
    std::size_t offset = 0;      // of the first byte of the name, in the message
};

// One field with its unfolded value, for callers that want values, not views.
struct HeaderField {
    std::string name;
    std::string raw_value;
    std::string value;  // unfold(raw_value)
};

struct HeaderBlock {
    std::size_t header_start = 0;  // first byte of the header block
    std::size_t body_start = 0;    // first byte after the empty line (or `end`)
    bool has_empty_line = false;   // false: the header ran to `end`
    std::vector<HeaderField> fields;
};

// Pull-style scanner over message[start, end): next() yields fields in order.
class HeaderScanner {
public:
    HeaderScanner(std::string_view message, std::size_t start, std::size_t end);
    explicit HeaderScanner(std::string_view message)
        : HeaderScanner(message, 0, message.size()) {}

    // The next well-formed field, or nullopt once the header block is exhausted.
    std::optional<HeaderFieldView> next();

    // Valid once next() has returned nullopt.
    std::size_t body_start() const { return body_start_; }
    bool has_empty_line() const { return has_empty_line_; }

private:
    std::string_view msg_;
    std::size_t pos_;
    std::size_t end_;
    std::size_t body_start_;
    bool has_empty_line_ = false;
    bool done_ = false;
};

// RFC 5322 §2.2.3 (rfc5322.txt:436): unfolding removes each line end that precedes
// WSP; leading and trailing WSP of the field body are dropped as well, because
// every consumer (IMAP ENVELOPE, MIME fields) wants the value without them.
std::string unfold(std::string_view raw_value);

// Convenience: the whole block as owned fields (tests, small headers).
HeaderBlock parse_header_block(std::string_view message, std::size_t start, std::size_t end);
inline HeaderBlock parse_header_block(std::string_view message) {
    return parse_header_block(message, 0, message.size());
}

// Case-insensitive ASCII comparison of header names.
bool header_name_equals(std::string_view a, std::string_view b);

}  // namespace mr::mime
