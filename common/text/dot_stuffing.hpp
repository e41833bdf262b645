// Dot-stuffing in both directions, incremental over arbitrary chunks.
//
// DotUnstuffer receives SMTP DATA (RFC 5321 §4.1.1.4, rfc5321.txt:1992 and
// §4.5.2, rfc5321.txt:3423). Invariants:
//  - The end of data is recognised ONLY as the exact octets CR LF "." CR LF,
//    where the start of data counts as following a CRLF. Only CRLF starts a
//    line: after a bare LF or bare CR a "." is ordinary data. So "\n.\n",
//    "\r.\r", "\n.\r\n", "\r\n.\n", "\r\n.\r\r\n" never end data (rfc5321.txt:2032:
//    "<LF>.<LF>" MUST NOT be treated as end of data). This is the SMTP
//    smuggling defence: a relay that reads a different end than we do could
//    have a second message injected through us.
//  - Every bare CR and bare LF is reported (bare_cr()/bare_lf()); the byte is
//    kept in the output unchanged so nothing is silently rewritten. The
//    caller must reject such a message with a 5xx once data ends (or at once).
//  - A "." at the start of a line is removed (the client stuffed it).
//  - size() counts unstuffed message octets (CRLFs included, the final
//    ".\r\n" excluded). Past max_size, octets are still counted and the end is
//    still found, but no more are appended, so a huge message costs no memory.
//  - longest_line() is the longest CRLF-delimited line, CRLF excluded, dot
//    removed: RFC 5321 §4.5.3.1.6 (rfc5321.txt:3510) sets 1000 with CRLF = 998.
//  - State survives chunk boundaries: the output does not depend on chunking.
//
// DotStuffer produces a POP3 multi-line response body (RFC 1939 §3,
// rfc1939.txt:142): a "." is prepended to every line that starts with ".",
// and finish() ends the last line with CRLF if needed, then writes ".\r\n".
// Because POP3 lines are CRLF-delimited and Maildir files written by other
// tools often use bare LF, every bare LF and bare CR is sent as CRLF; that
// keeps the "line start" seen by the client identical to ours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace mr::text {

class DotUnstuffer {
public:
    enum class Status { NeedMore, Done };

    explicit DotUnstuffer(std::uint64_t max_size = std::numeric_limits<std::uint64_t>::max());

    // Consumes `input` up to and including the end-of-data marker, appending
    // unstuffed message octets to `out`. On Done, `input` holds the bytes
    // that followed the marker (pipelined commands, RFC 2920) untouched.
    // After Done, further calls return Done and consume nothing.
    Status feed(std::string_view& input, std::string& out);

    bool done() const { return state_ == State::Done; }
    bool bare_cr() const { return bare_cr_; }
    bool bare_lf() const { return bare_lf_; }
    bool bare_line_ending() const { return bare_cr_ || bare_lf_; }
    std::uint64_t size() const { return size_; }
    bool size_exceeded() const { return size_ > max_size_; }
    // Includes the line still in progress, so a caller may bail out early.
    std::size_t longest_line() const { return longest_ > current_ ? longest_ : current_; }

    void reset();

private:
    enum class State {
        LineStart,       // after CRLF (or at the start of data)
        LineStartDot,    // "." at line start seen and dropped
        LineStartDotCr,  // ".\r" at line start: the marker if LF follows
        InLine,
        InLineCr,        // CR seen (already emitted); LF makes it a CRLF
        Done,
    };

    void emit(std::string& out, std::string_view bytes);
    void end_line();

    std::uint64_t max_size_;
    State state_ = State::LineStart;
    std::uint64_t size_ = 0;
    std::size_t current_ = 0;
    std::size_t longest_ = 0;
    bool bare_cr_ = false;
    bool bare_lf_ = false;
};

class DotStuffer {
public:
    // Appends the stuffed form of `chunk` to `out`.
    void feed(std::string_view chunk, std::string& out);
    // Terminates the response: CRLF if the last line is open, then ".\r\n".
    // The stuffer is then ready for the next message.
    void finish(std::string& out);

private:
    bool line_start_ = true;
    bool pending_cr_ = false;  // emitted "\r", waiting to see if LF follows
};

}  // namespace mr::text
