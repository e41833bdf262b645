// LineBuffer: sans-I/O line framing. smtpd's session (and its DATA, through
// text::DotUnstuffer), net::Connection's line mode (pop3d, deliverd's SMTP client), imapd's
// CommandReader, the PROXY header reader and the fuzz targets split their peer's bytes
// into lines and byte-counted blocks here.
//
// The caller owns the bytes it read from the socket and hands them in as a
// std::string_view that next() advances; LineBuffer only keeps the unfinished
// part of the current line. Invariants:
//  - Every LineBuffer has an explicit maximum (LinePolicy::max_line, no default): at
//    most max_line + 1 bytes of a line are ever buffered (a line's content plus a CR
//    that may turn out to be the first half of its CRLF), whatever the peer sends;
//    under LongLineEnd::Report, at most kLongLineTail + 1 more (the end of a line being
//    discarded).
//  - limit_next_line() lowers the maximum for one line, for a protocol whose limit
//    counts across several lines (IMAP: the text of one command around its literals).
//  - A line whose content exceeds the limit yields exactly one LineTooLong, as soon
//    as the limit is crossed (so the server can answer early), carrying the line's
//    first limit + 1 octets (IMAP answers with the command's tag); the rest of that
//    line up to and including its LF is then discarded. Under LongLineEnd::Drop
//    silently; under LongLineEnd::Report its LF yields one LongLineEnded with the
//    line's last octets (IMAP looks there for a literal marker, RFC 7888 §3
//    rfc7888.txt:179, to drain a literal that follows). Under LongLineEnd::Pass nothing
//    is discarded: the rest of the line comes as LinePart views into the caller's input
//    (a CR that may begin the CRLF is held back until the next byte shows which it is),
//    then its LF yields LongLineEnded (SMTP DATA, whose over-long lines are refused only
//    once the data has ended, and whose bytes stay in step with the client's).
//  - The sequence of events does not depend on how the input was chunked.
//  - In raw mode (IMAP literal, RFC 9051 §9 rfc9051.txt:6655; SMTP BDAT chunk,
//    RFC 3030 §2 rfc3030.txt:140) exactly N bytes are passed through as RawChunk
//    views into the caller's input, without copying and without any framing.
//
// Bare CR and bare LF. Every protocol here says a line ends with CRLF:
//  - SMTP: RFC 5321 §2.3.8 (rfc5321.txt:763) allows only CRLF as a terminator and
//    forbids bare CR and LF in commands and replies; §4.1.1.4 (rfc5321.txt:2032) warns
//    that treating "<LF>.<LF>" as the end of DATA invites smuggling.
//  - IMAP: RFC 3501 §2.2 (rfc3501.txt:305) and RFC 9051 §2.2 (rfc9051.txt:322): commands
//    and responses are lines that end with CRLF; a bare CR is a CTL the grammar rejects.
//  - POP3: RFC 1939 §3 (rfc1939.txt:119): commands and responses end with a CRLF pair.
// The framing always ends a line at LF, strips one CR right before it, and reports
// what it saw (Line::bare_lf, Line::bare_cr); LinePolicy says, per protocol, whether
// such a line is still handed out (Tolerate: the protocol decides) or refused at the
// framing (Refuse: a RefusedLine event instead of the Line). The callers' choices:
//  - smtpd commands (smtpd/proto/session.hpp kCommandLines): bare LF tolerated, bare
//    CR handed to the session, which answers 500 for a command line holding one (a
//    SASL response goes to the mechanism as it is).
//  - SMTP DATA (text::kDataLines, message_data.hpp, framed by text::DotUnstuffer): both
//    tolerated and reported, so that only CRLF starts a line for the end-of-data rule;
//    smtpd refuses such a message once its data has ended.
//  - The PROXY protocol v1 header (proxy_header.hpp): bare LF refused, bare CR left to
//    its parser.
//  - pop3d (pop3d/proto/session.hpp kCommandLines) and deliverd's reading of SMTP replies
//    (deliverd/remote/smtp_connection.cpp kReplyLines): both tolerated; a bare CR stays in
//    the text for the protocol's parser. imapd's CommandReader (imapd/proto/command_reader.hpp)
//    tolerates both too: a bare CR reaches parse_command, which refuses it as a CTL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/util/result.hpp"

namespace mr::text {

// What the framing does with a line that ended with LF alone.
enum class BareLf : std::uint8_t {
    Tolerate,  // it is a line (flagged Line::bare_lf); the protocol decides
    Refuse,    // RefusedLine instead of the Line
};

// What the framing does with a line holding a CR that is not part of its final CRLF.
enum class BareCr : std::uint8_t {
    Tolerate,  // the CR stays in the text (flagged Line::bare_cr); the protocol decides
    Refuse,    // RefusedLine instead of the Line
};

// What the framing tells about the end of a line it is discarding for its length.
enum class LongLineEnd : std::uint8_t {
    Drop,    // nothing: the line ends silently at its LF
    Report,  // LongLineEnded at its LF, with the line's last octets
    Pass,    // the rest of the line as LinePart events, then LongLineEnded at its LF
};

// How many of an over-long line's last octets LongLineEnded carries: room for the
// longest IMAP literal marker, "{" 20 digits "+}".
inline constexpr std::size_t kLongLineTail = 32;

// One protocol's line rules. No default maximum: each caller names the limit its
// protocol or configuration implies.
struct LinePolicy {
    // max_line counts content octets, excluding the CRLF. SMTP's 512-octet
    // command line "including the CRLF" (rfc5321.txt:3500) is max_line = 510.
    constexpr LinePolicy(std::size_t max_line_octets, BareLf lf, BareCr cr,
                         LongLineEnd long_end = LongLineEnd::Drop)
        : max_line(max_line_octets), bare_lf(lf), bare_cr(cr), long_line_end(long_end) {}

    std::size_t max_line;
    BareLf bare_lf;
    BareCr bare_cr;
    LongLineEnd long_line_end;
};

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

// A complete line (within max_line) that the policy refuses; its text is dropped.
struct RefusedLine {
    bool bare_lf = false;
    bool bare_cr = false;
    bool operator==(const RefusedLine&) const = default;
};

// The current line exceeded its limit; it is being discarded up to its LF. `head`
// holds its first limit + 1 octets (a CR among them is content), valid until the next
// call to next() or expect_raw().
struct LineTooLong {
    std::string_view head;
};

// Under LongLineEnd::Report and Pass: the LF of a line reported as LineTooLong arrived.
// `tail` (Report only) holds the line's last octets (at most kLongLineTail, the CR of its
// CRLF not counted), valid until the next call to next() or expect_raw(). `bare_lf`: no
// CR came right before the LF.
struct LongLineEnded {
    std::string_view tail;
    bool bare_lf = false;
};

// Under LongLineEnd::Pass: octets of an over-long line after its LineTooLong head, all
// of them content (a CR among them is a bare CR). `bytes` points into the caller's input,
// or is a static "\r" for a CR held back from an earlier input.
struct LinePart {
    std::string_view bytes;
};

// Part of a raw block requested with expect_raw(). `bytes` points into the
// caller's input. `last` is true on the chunk that completes the block.
struct RawChunk {
    std::string_view bytes;
    bool last = false;
};

using LineEvent = std::variant<NeedMore, Line, RefusedLine, LineTooLong, LongLineEnded, LinePart, RawChunk>;

class LineBuffer {
public:
    explicit LineBuffer(LinePolicy policy);

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

    // The next line may hold at most n content octets (capped at the policy's
    // max_line); the line after it has the policy's limit again. Valid at a line
    // boundary, also in raw mode (then it is the line after the block), else refused
    // like expect_raw().
    Result<void> limit_next_line(std::size_t n);

    bool in_raw_mode() const { return raw_remaining_ > 0; }
    std::uint64_t raw_remaining() const { return raw_remaining_; }
    // Bytes of an unfinished line currently held (never above max_line + 1, plus
    // kLongLineTail + 1 while discarding under LongLineEnd::Report; under Pass, at most the
    // one CR held back).
    std::size_t buffered() const { return (returned_line_ ? 0 : buf_.size()) + tail_.size() + (held_cr_ ? 1 : 0); }
    // The unfinished line held, for data that may end without a line end (BDAT LAST):
    // its octets so far, a CR that may begin its CRLF included; under Pass, after the
    // head, the CR held back if any. Valid until the next call to next() or reset().
    std::string_view partial() const {
        if (held_cr_) return "\r";
        return returned_line_ ? std::string_view{} : std::string_view(buf_);
    }
    // Inside an over-long line, up to its LF (under Pass: handing it on).
    bool discarding() const { return discarding_; }
    std::size_t max_line() const { return policy_.max_line; }
    const LinePolicy& policy() const { return policy_; }

    // Drops any partial line and raw/discard state (e.g. after STARTTLS, where
    // RFC 3207 requires forgetting everything received in plaintext).
    void reset();

private:
    LineEvent too_long(std::string_view& input, std::size_t n);
    LineEvent pass_long(std::string_view& input);
    LineEvent end_long_line(bool bare_lf);
    void keep_tail(std::string_view bytes);

    LinePolicy policy_;
    std::size_t line_max_;        // limit of the current line
    std::string buf_;             // partial line, or the last line / head / tail handed out
    bool returned_line_ = false;  // buf_ holds something already handed out
    bool discarding_ = false;     // inside an overlong line, skipping to LF
    std::string tail_;            // LongLineEnd::Report: the discarded line's last octets
    bool held_cr_ = false;        // LongLineEnd::Pass: a CR not yet known as content or CRLF
    std::uint64_t raw_remaining_ = 0;
};

}  // namespace mr::text
