// ChunkInspector: the line checks DotUnstuffer makes for DATA, for BDAT content, which
// arrives by byte count and is not dot-stuffed (RFC 3030 §2, rfc3030.txt:140).
//
// Invariants:
// - A bare CR (not followed by LF) and a bare LF (not preceded by CR) are flagged wherever
//   they occur, whatever the chunking; a CR at the very end is bare unless an LF follows in
//   a later chunk (finish() decides).
// - longest_line() is the longest CRLF-delimited line without its CRLF.
#pragma once

#include <cstddef>
#include <string_view>

namespace mr::smtpd {

class ChunkInspector {
public:
    void feed(std::string_view bytes) {
        for (char c : bytes) {
            if (pending_cr_) {
                pending_cr_ = false;
                if (c == '\n') {
                    end_line();
                    continue;
                }
                bare_ = true;
                ++current_;  // the CR was line content
            }
            if (c == '\r') {
                pending_cr_ = true;
            } else if (c == '\n') {
                bare_ = true;
                end_line();
            } else {
                ++current_;
            }
        }
    }
    void finish() {
        if (pending_cr_) bare_ = true;
        pending_cr_ = false;
        end_line();
    }
    bool bare_line_ending() const { return bare_; }
    std::size_t longest_line() const { return longest_ > current_ ? longest_ : current_; }
    void reset() { *this = ChunkInspector{}; }

private:
    void end_line() {
        if (current_ > longest_) longest_ = current_;
        current_ = 0;
    }
    bool pending_cr_ = false;
    bool bare_ = false;
    std::size_t current_ = 0;
    std::size_t longest_ = 0;
};

}  // namespace mr::smtpd
