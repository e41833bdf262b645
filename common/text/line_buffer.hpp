// LineBuffer: sans-I/O CRLF line framing for the SMTP, POP3 and IMAP servers.
//
// The caller owns the bytes it read from the socket and hands them in as a
// std::string_view that next() advances; LineBuffer only keeps the unfinished
// part of the current line. Invariants:
//  - At most max_line + 1 bytes are ever buffered (a line's content plus a CR
//    that may turn out to be the first half of its CRLF), whatever the peer sends.
//  - A line ends at LF. RFC 5321 §2.3.8 (rfc5321.txt:763) allows only CRLF as a
//    terminator, so a line ended by LF alone is still delivered but flagged
//    bare_lf, and a CR not followed by LF is line content flagged bare_cr: the
//    protocol decides whether to reject (SMTP must, see §4.1.1.4, rfc5321.txt:2032).
//  - A line whose content exceeds max_line yields exactly one LineTooLong, as
//    soon as the limit is crossed (so the server can answer early); the rest of
//    that line up to and including its LF is then discarded silently.
//  - The sequence of events does not depend on how the input was chunked.
//  - In raw mode (IMAP literal, RFC 9051 §9 rfc9051.txt:6655; SMTP BDAT chunk,
//    RFC 3030 §2 rfc3030.txt:140) exactly N bytes are passed through as RawChunk
//    views into the caller's input, without copying and without any framing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/util/result.hpp"

namespace mr::text {

struct NeedMore {
    bool operator==(const NeedMore&) const = default;
};

// One complete line without its terminator. `text` points into the
// LineBuffer and stays valid until the next call to next() or expect_raw().
struct Line {
    std::string_view text;
    bool bare_lf = false;  // ended with LF not preceded by CR
    bool bare_cr = false;  // contains a CR that is not part of the final CRLF
};

// The current line exceeded max_line; it is being discarded up to its LF.
struct LineTooLong {
    bool operator==(const LineTooLong&) const = default;
};

// Part of a raw block requested with expect_raw(). `bytes` points into the
// caller's input. `last` is true on the chunk that completes the block.
struct RawChunk {
    std::string_view bytes;
    bool last = false;
};

using LineEvent = std::variant<NeedMore, Line, LineTooLong, RawChunk>;

class LineBuffer {
public:
    // max_line counts content octets, excluding the CRLF. SMTP's 512-octet
    // command line "including the CRLF" (rfc5321.txt:3500) is max_line = 510.
    explicit LineBuffer(std::size_t max_line);

    // Consumes a prefix of `input` and returns the next event. NeedMore means
    // all of `input` was consumed (a partial line may be kept). Call again
    // until NeedMore; after a Line, the remaining input is untouched, so a
    // protocol can switch modes (expect_raw, STARTTLS) at the line boundary.
    LineEvent next(std::string_view& input);

    // Switches to raw mode for the next n bytes. Only valid at a line
    // boundary (no partial line buffered, not discarding): anything else
    // means the caller lost track of framing, so it is refused. n == 0 is a
    // no-op (an empty literal "{0}" has no bytes to pass through).
    Result<void> expect_raw(std::uint64_t n);

    bool in_raw_mode() const { return raw_remaining_ > 0; }
    std::uint64_t raw_remaining() const { return raw_remaining_; }
    // Bytes of an unfinished line currently held (never above max_line + 1).
    std::size_t buffered() const { return returned_line_ ? 0 : buf_.size(); }
    bool discarding() const { return discarding_; }
    std::size_t max_line() const { return max_line_; }

    // Drops any partial line and raw/discard state (e.g. after STARTTLS, where
    // RFC 3207 requires forgetting everything received in plaintext).
    void reset();

private:
    std::size_t max_line_;
    std::string buf_;             // partial line, or the last returned line
    bool returned_line_ = false;  // buf_ holds a line already handed out
    bool discarding_ = false;     // inside an overlong line, skipping to LF
    std::uint64_t raw_remaining_ = 0;
};

}  // namespace mr::text
