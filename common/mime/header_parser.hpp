// Splitting a header block (RFC 5322 §2.2, rfc5322.txt:399) into fields.
//
// Invariants:
//  - Zero-copy: every view points into the caller's message; nothing is allocated
//    while scanning, so a 50 MB header costs one pass and no memory.
//  - A line ends at CRLF, at a bare LF or at a bare CR: the line ends of the CRLF form
//    (common/text/message_data.hpp), so the structure describes the bytes IMAP and POP3
//    send. A CR at `end` counts as bare.
//  - The header block ends at the first empty line (a line end alone) or at `end`;
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

// The line that starts at `from` in data[0, size): its content ends at content_end, the
// next line starts at next (== size when the line has no line end; then
// content_end == size too). Inline: imapd's header-field filter runs it on every line.
struct LineSpan {
    std::size_t content_end = 0;
    std::size_t next = 0;
};
inline LineSpan line_at(const char* data, std::size_t from, std::size_t size) {
    for (std::size_t i = from; i < size; ++i) {
        const char c = data[i];
        if (c == '\n') return {i, i + 1};
        if (c == '\r') return {i, i + 1 < size && data[i + 1] == '\n' ? i + 2 : i + 1};
    }
    return {size, size};
}

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

// The header block of `message`: its fields and the empty line that ends them (all of
// `message` when there is no empty line).
std::string_view header_section(std::string_view message);

// Case-insensitive ASCII comparison of header names.
bool header_name_equals(std::string_view a, std::string_view b);

}  // namespace mr::mime
