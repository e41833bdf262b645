// ChunkInspector: the line checks DotUnstuffer makes for DATA, for BDAT content, which
// arrives by byte count and is not dot-stuffed (RFC 3030 §2, rfc3030.txt:140). The lines
// are those of a text::LineBuffer under text::kDataLines, the checks text::DataLineChecks
// (message_data.hpp), as for DATA.
//
// Invariants:
// - A bare CR (not followed by LF) and a bare LF (not preceded by CR) are flagged wherever
//   they occur, whatever the chunking; a CR at the very end is bare unless an LF follows in
//   a later chunk (finish() decides).
// - longest_line() is the longest CRLF-delimited line without its CRLF.
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include "common/text/line_buffer.hpp"
#include "common/text/message_data.hpp"

namespace mr::smtpd {

class ChunkInspector {
public:
    void feed(std::string_view bytes) {
        while (true) {
            const text::LineEvent event = lines_.next(bytes);
            if (std::holds_alternative<text::NeedMore>(event)) return;
            if (const auto* line = std::get_if<text::Line>(&event)) {
                checks_.content(line->text);
                checks_.end_line(line->bare_lf);
            } else if (const auto* head = std::get_if<text::LineTooLong>(&event)) {
                checks_.content(head->head);
            } else if (const auto* part = std::get_if<text::LinePart>(&event)) {
                checks_.content(part->bytes);
            } else if (const auto* end = std::get_if<text::LongLineEnded>(&event)) {
                checks_.end_line(end->bare_lf);
            }  // RefusedLine, RawChunk: kDataLines refuses nothing and nothing asks for raw bytes
        }
    }
    // The end of the content: an open last line counts as it is (a CR ending it is bare).
    void finish() {
        checks_.content(lines_.partial());
        lines_.reset();
    }
    bool bare_line_ending() const { return checks_.bare_cr() || checks_.bare_lf(); }
    std::size_t longest_line() const { return checks_.longest_line(lines_.buffered()); }
    void reset() {
        lines_.reset();
        checks_ = {};
    }

private:
    text::LineBuffer lines_{text::kDataLines};
    text::DataLineChecks checks_;
};

}  // namespace mr::smtpd
