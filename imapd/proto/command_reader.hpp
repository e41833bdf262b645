// CommandReader: sans-I/O framing of IMAP client input into complete commands.
//
// A command is one or more lines; a line that ends with a literal marker "{n}" or
// "{n+}" is followed by exactly n octets of literal data and then the command goes on
// (RFC 3501 §4.3 (rfc3501.txt:864), §7.5 (rfc3501.txt:4396); RFC 7888 §3
// (rfc7888.txt:179)). The reader hands out the whole command with its literal bytes in
// place; parse_command() then turns it into a typed Command.
//
// Framing is text::LineBuffer's (common/text/line_buffer.hpp): it finds the line ends,
// counts each literal's octets in its byte-count mode (expect_raw) — an APPEND's
// message included — and enforces the line limit, which this reader sets per line to
// what is left of the command's budget (limit_next_line). What is IMAP's stays here:
// literal markers and the continuation request, LITERAL+ / LITERAL- limits, the
// per-command limits, the tag of a rejected command, draining a rejected command.
//
// Invariants:
//  - It never reads: next() consumes a prefix of the caller's bytes and says what
//    happened. After any event other than NeedMore the rest of the input is untouched,
//    so the session can switch modes (raw line, STARTTLS) exactly at that boundary.
//  - Memory is bounded whatever the peer sends: the non-literal text of a command is at
//    most max_line octets. Only APPEND carries a message: its literals may reach
//    max_literal each and max_literal + max_line together; any other command's literals
//    (a password, a search string) are held to max_line in all, so a client cannot make
//    LOGIN buffer an APPEND-sized literal. Over-size input is discarded, not kept.
//  - A synchronising literal over the limit is refused before any of its octets are
//    read: the client is waiting for "+" and, on the tagged NO, sends nothing more of
//    that command (rfc3501.txt:347). A non-synchronising one cannot be refused early,
//    so its octets, and the rest of its command, are drained and then rejected with
//    BAD [TOOBIG] (RFC 7888 §4-5, rfc7888.txt:243, :290). An overlong line is drained to
//    its end (LineBuffer keeps its last text::kLongLineTail octets, to see a literal
//    marker there) and rejected; so are the lines of a command already rejected.
//  - Every command ends in exactly one event: CommandReady or CommandRejected.
//  - A line ends at LF; a CR right before it is dropped. A bare LF is accepted as a
//    line end (what clients mean by it is never in doubt); any other CR stays in the
//    text for the parser to reject as a control character (LinePolicy: both
//    BareLf::Tolerate and BareCr::Tolerate).
//  - Empty lines between commands are skipped (some clients send a stray CRLF).
//  - The event sequence does not depend on how the input is chunked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/text/line_buffer.hpp"

namespace mr::imapd {

// RFC 3501 sets no limit; the issue asks 64 KiB for a command line without literals.
inline constexpr std::size_t kMaxCommandLine = 64 * 1024;

// Where one literal's content sits inside RawCommand::bytes. The marker "{n}" or
// "{n+}" ends right at `offset` (the CRLF after it is not kept).
struct LiteralSpan {
    std::size_t offset = 0;
    std::size_t size = 0;
    bool synchronizing = true;
};

// A complete command: its lines without their CRLFs, each literal's octets placed
// right after the marker that announced it.
struct RawCommand {
    std::string bytes;
    std::vector<LiteralSpan> literals;  // in order of offset
};

struct ReaderNeedMore {};

// The client sent a synchronising literal marker and waits: send "+ <text>" CRLF
// (continue-req, rfc3501.txt:4683), then feed the literal's octets.
struct SendContinuation {
    std::uint64_t literal_size = 0;
};

struct CommandReady {
    RawCommand command;
};

// The line requested with expect_raw_line() (IDLE's "DONE", a SASL response).
struct RawLineReady {
    std::string line;
};

// A command (or raw line) that will not be parsed. Send
// "<tag or *> <BAD|NO> [<code>] <text>" and go on reading.
struct CommandRejected {
    std::string tag;   // empty when the command had no readable tag: answer untagged
    bool bad = true;   // true: BAD; false: NO
    std::string code;  // response code without brackets, e.g. "TOOBIG"; may be empty
    std::string text;  // human-readable, safe to log (no client data)
    bool raw_line = false;  // it was the raw line asked for by expect_raw_line()
};

using ReaderEvent =
    std::variant<ReaderNeedMore, SendContinuation, CommandReady, RawLineReady, CommandRejected>;

class CommandReader {
public:
    // max_literal: the largest APPEND literal accepted (the message-size limit).
    explicit CommandReader(std::uint64_t max_literal, std::size_t max_line = kMaxCommandLine);

    // Changes the APPEND limit from the next literal on; e.g. 0 before login, where
    // APPEND is not allowed anyway, so nobody can make the server buffer a message
    // before authenticating.
    void set_max_literal(std::uint64_t max_literal) { max_literal_ = max_literal; }
    std::uint64_t max_literal() const { return max_literal_; }

    // Consumes a prefix of `input` and returns the next event; ReaderNeedMore means
    // all of `input` was consumed. Call again until ReaderNeedMore.
    ReaderEvent next(std::string_view& input);

    // The next line is handed out as RawLineReady, without looking for literals
    // (IDLE "DONE", RFC 2177 §3 rfc2177.txt:85; AUTHENTICATE responses, RFC 3501
    // §6.2.2 rfc3501.txt:1551). One line only; then commands are read again. Valid
    // between commands only (after the event that ended the previous one): a session
    // that got IDLE or AUTHENTICATE calls it before asking for the next event, since a
    // pipelining client may already have sent the line.
    void expect_raw_line() { raw_line_ = true; }
    bool expecting_raw_line() const { return raw_line_; }

    // Forgets everything buffered (after STARTTLS, RFC 3501 §6.2.1 rfc3501.txt:1488:
    // nothing sent before the TLS negotiation may be acted on after it).
    void reset();

    // True between commands: nothing of a command has been received yet.
    bool idle() const {
        return !in_command_ && !draining_ && lines_.buffered() == 0 && !lines_.discarding() &&
               !lines_.in_raw_mode();
    }
    // Octets currently held (command text and literal data).
    std::size_t buffered() const { return cmd_.bytes.size() + lines_.buffered(); }

private:
    ReaderEvent on_line(std::string_view line);
    ReaderEvent on_drained_line(std::string_view tail);
    void on_line_too_long(std::string_view head);
    ReaderEvent finish_command();
    void start_draining(std::string tag, std::string code, std::string text);
    void expect_literal(std::uint64_t size);
    void clear_command();

    std::uint64_t max_literal_;
    std::size_t max_line_;
    text::LineBuffer lines_;

    bool raw_line_ = false;
    bool in_command_ = false;      // some line of the current command was completed
    RawCommand cmd_;
    std::size_t text_len_ = 0;     // non-literal octets of the command so far
    std::uint64_t literal_total_ = 0;
    bool is_append_ = false;       // known from the first line: "<tag> APPEND ..."

    // Draining: the command is already rejected; its octets are discarded and only
    // the end of each line is looked at, for a literal marker.
    bool draining_ = false;
    CommandRejected pending_;
};

// The tag of a command line ("a001 NOOP" → "a001"), or empty when the first word is
// not a valid tag (1*<ASTRING-CHAR except "+">, rfc3501.txt:5061).
std::string_view command_tag(std::string_view line);

}  // namespace mr::imapd
