// Message data: the one home of the CRLF, dot-stuffing and size rules for message bytes.
// Every producer and consumer of message bytes uses this module: smtpd (DATA un-stuffing),
// the store (sizes in the index), pop3d (RETR/TOP), deliverd (relaying DATA) and imapd
// (FETCH bytes and sizes, through imapd/render/wire_form.hpp).
//
// 1. Stored form (canonical, on disk). A message is stored as the octets it was accepted
//    with and is never rewritten (a Maildir file is also read by other tools):
//    - smtpd refuses a bare CR or bare LF in DATA and BDAT (5xx), so mail received by SMTP
//      has CRLF line ends only; after DATA it ends with CRLF (the CRLF before the final
//      "."), after BDAT it may end with an open line. deliverd prepends trace fields that
//      end in CRLF.
//    - IMAP APPEND stores its literal as given, and Maildir files written by other tools
//      (found by reindex) often end lines with a bare LF. So readers must accept any
//      octets: bare LF, bare CR, an open last line, NUL, 8-bit bytes, long lines.
//
// 2. CRLF form: what POP3 RETR sends before stuffing, what deliverd relays, and what
//    rfc822_size() counts (RFC 1939 §5 LIST exact size, rfc1939.txt:366; RFC 3501 §6.4.5
//    RFC822.SIZE, rfc3501.txt:3188). From the stored form:
//    - CRLF stays CRLF; a bare LF becomes CRLF; a bare CR (one not followed by LF, also at
//      the very end) becomes CRLF, so "\r\r\n" is two line ends;
//    - a last line without a line end is closed with CRLF; the empty message stays empty;
//    - every other octet passes unchanged.
//    The CRLF form has no bare CR or LF and is empty or ends with CRLF. CrlfNormalizer
//    produces it; rfc822_size() / Rfc822SizeCounter give its length without producing it.
//    For a message received by SMTP DATA the CRLF form is the stored form itself.
//
// 3. Dot-stuffed transmission (SMTP DATA, RFC 5321 §4.5.2, rfc5321.txt:3423; POP3
//    multi-line, RFC 1939 §3, rfc1939.txt:142): the CRLF form with one more "." before
//    every line that starts with ".", then ".\r\n". DotStuffer and append_dot_stuffed()
//    produce it from the stored form (they apply the CRLF rule themselves), and
//    DotUnstuffer reads it back: unstuff(stuff(m)) == crlf_form(m), for every m.
//    DotUnstuffer never rewrites line ends: it reports bare CR / bare LF for the caller
//    to refuse (see its comment for the end-of-data rule, the SMTP smuggling defence).
//
// 4. IMAP form: what FETCH sends (RFC 3501 §2.2, rfc3501.txt:313: CRLF only) is the CRLF
//    form of section 2, for every stored message whatever its source, cut to the range a
//    section names: a bare LF and a bare CR become CRLF, and the open last line of the
//    message is closed in whichever ranges end with the message (BODY[], BODY[TEXT], the
//    last part of a multipart without its close-delimiter, ...). A range that ends before
//    the message's end is sent without a line end added (a part's body before its
//    boundary's line end). Whether a CR is bare is decided by the next byte of the
//    message; no section range starts or ends between a CR and its LF (header blocks end
//    after a line end, part bodies end before the line end of their delimiter line), so
//    a range's IMAP form is its bytes converted on their own, and the pieces of a range
//    add up.
//    So RFC822.SIZE == len(BODY[]) == rfc822_size() == POP3 LIST, for every message.
//    Why not store APPEND literals normalised instead: Maildir files written by other
//    tools (found by reindex) must be read by this rule anyway, and the stored bytes stay
//    the ones the client sent (section 1).
//    IMAP takes every size from the MIME structure in the index, which counts per header
//    and body the octets this form adds (mime::Part::header_extra, body_extra: one per
//    bare LF and bare CR, two for the closed last line), so sizes need no message bytes;
//    a range that adds none is sent straight from the file. The MIME parser splits lines
//    where this form has its line ends (CRLF, bare LF, bare CR: mime::line_at), so the
//    structure IMAP reports (header end, part boundaries, ENVELOPE, BODYSTRUCTURE) is the
//    structure of the bytes it sends.

// All classes are incremental: the output never depends on how the input is chunked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/text/line_buffer.hpp"

namespace mr::text {

// --- 2. CRLF form ------------------------------------------------------------------------

// Appends the CRLF form of a stored message given in chunks. With a body line limit
// (POP3 TOP n k, rfc1939.txt:585) output stops after the header, the blank line that ends
// it and k more body lines; done() then turns true and the rest of the input is ignored.
// A message without a blank line is all header and sent whole.
class CrlfNormalizer {
public:
    explicit CrlfNormalizer(std::optional<std::uint64_t> body_lines = std::nullopt)
        : body_lines_left_(body_lines), limited_(body_lines.has_value()) {}

    // Appends the CRLF form of `chunk` to `out`. Returns done().
    bool feed(std::string_view chunk, std::string& out);
    // End of input: closes an open last line. Idempotent.
    void finish(std::string& out);

    bool done() const { return done_; }
    // Octets appended so far (after finish(): the length of the CRLF form, or of TOP's part).
    std::uint64_t octets() const { return octets_; }

private:
    void emit(std::string& out, std::string_view bytes);
    void end_line(std::string& out);

    std::optional<std::uint64_t> body_lines_left_;
    bool limited_;
    bool done_ = false;
    bool pending_cr_ = false;  // saw CR, not yet emitted: LF may follow
    bool in_header_ = true;
    std::uint64_t line_length_ = 0;  // content octets of the current line
    std::uint64_t octets_ = 0;
};

// The length of the CRLF form, counted in one branch-free pass per chunk (the index stores
// it at append time, so listing a mailbox never reads message files).
class Rfc822SizeCounter {
public:
    void feed(std::string_view chunk);
    // Total after the last chunk; feed() must not be called afterwards.
    std::uint64_t finish() const;

private:
    std::uint64_t octets_ = 0;
    bool empty_ = true;
    char last_ = '\0';  // last byte fed: a CR there is bare unless LF comes next
};

// RFC822.SIZE / POP3 LIST size of a whole stored message: the length of its CRLF form.
std::uint64_t rfc822_size(std::string_view message);

// --- 3. Dot-stuffing ---------------------------------------------------------------------

// RFC 5321 §4.5.3.1.6 (rfc5321.txt:3510): a text line is at most 1000 octets with CRLF.
inline constexpr std::size_t kMaxTextLine = 998;

// The framing of DATA (line_buffer.hpp): bare LF and bare CR are tolerated, so that they
// can be reported (and the message refused once its data has ended) and, above all, so
// that a line ended by a bare LF is seen as one that did not end with CRLF; lines over
// kMaxTextLine are passed through, so the client's bytes and ours stay in step and the
// message is refused as a whole; at most kMaxTextLine + 1 octets of a line are buffered.
inline constexpr LinePolicy kDataLines{kMaxTextLine, BareLf::Tolerate, BareCr::Tolerate, LongLineEnd::Pass};

// The line checks of message data smtpd receives, DATA and BDAT content alike (BDAT is
// not dot-stuffed, RFC 3030 §2, rfc3030.txt:140, but may be relayed later by DATA), fed
// what a LineBuffer under kDataLines hands out:
//  - bare_cr() / bare_lf(): a CR not followed by LF, an LF not preceded by CR, anywhere;
//  - longest_line(): the longest CRLF-delimited line without its CRLF; a bare LF ends no
//    such line, it and a bare CR count as octets of it.
class DataLineChecks {
public:
    // Octets of a line (every CR among them is bare: the framing keeps the CRLF's apart).
    void content(std::string_view bytes) {
        current_ += bytes.size();
        if (bytes.find('\r') != std::string_view::npos) bare_cr_ = true;
    }
    // The end of a line, at its LF.
    void end_line(bool bare_lf) {
        if (bare_lf) {
            ++current_;
            bare_lf_ = true;
            return;
        }
        if (current_ > longest_) longest_ = current_;
        current_ = 0;
    }
    bool bare_cr() const { return bare_cr_; }
    bool bare_lf() const { return bare_lf_; }
    // `pending`: octets of the line still in the framing.
    std::size_t longest_line(std::size_t pending = 0) const {
        return longest_ > current_ + pending ? longest_ : current_ + pending;
    }

private:
    std::size_t current_ = 0;  // octets of the CRLF-delimited line so far
    std::size_t longest_ = 0;
    bool bare_cr_ = false;
    bool bare_lf_ = false;
};

// Receives SMTP DATA (RFC 5321 §4.1.1.4, rfc5321.txt:1992 and §4.5.2, rfc5321.txt:3423),
// framed by a LineBuffer under kDataLines; what it adds is the per-line dot rule:
//  - The end of data is recognised ONLY as the exact octets CR LF "." CR LF, where the
//    start of data counts as following a CRLF. Only CRLF starts a line: after a bare LF or
//    bare CR a "." is ordinary data. So "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n",
//    "\r\n.\r\r\n" never end data (rfc5321.txt:2032: "<LF>.<LF>" MUST NOT be treated as
//    end of data). This is the SMTP smuggling defence: a relay that reads a different end
//    than we do could have a second message injected through us.
//  - Every bare CR and bare LF is reported (bare_cr()/bare_lf()); the byte is kept in the
//    output unchanged so nothing is silently rewritten. The caller must reject such a
//    message with a 5xx once data ends (or at once).
//  - A "." at the start of a line is removed (the client stuffed it).
//  - size() counts unstuffed message octets (CRLFs included, the final ".\r\n" excluded).
//    Past max_size, octets are still counted and the end is still found, but no more are
//    appended, so a huge message costs no memory.
//  - longest_line() is the longest CRLF-delimited line, CRLF excluded, dot removed:
//    RFC 5321 §4.5.3.1.6 (rfc5321.txt:3510) sets 1000 with CRLF = 998 (kMaxTextLine).
class DotUnstuffer {
public:
    enum class Status { NeedMore, Done };

    explicit DotUnstuffer(std::uint64_t max_size = std::numeric_limits<std::uint64_t>::max());

    // Consumes `input` up to and including the end-of-data marker, appending
    // unstuffed message octets to `out`. On Done, `input` holds the bytes
    // that followed the marker (pipelined commands, RFC 2920) untouched.
    // After Done, further calls return Done and consume nothing.
    Status feed(std::string_view& input, std::string& out);

    bool done() const { return done_; }
    bool bare_cr() const { return checks_.bare_cr(); }
    bool bare_lf() const { return checks_.bare_lf(); }
    bool bare_line_ending() const { return bare_cr() || bare_lf(); }
    std::uint64_t size() const { return size_; }
    bool size_exceeded() const { return size_ > max_size_; }
    // Includes the line still in progress, so a caller may bail out early (its octets as
    // buffered: a dot to be removed or a CR awaiting its LF may count one more).
    std::size_t longest_line() const { return checks_.longest_line(lines_.buffered()); }

    void reset();
    // The same, for a message of another size limit.
    void reset(std::uint64_t max_size);

private:
    void content(std::string& out, std::string_view bytes);
    void end_line(std::string& out, bool bare_lf);
    void emit(std::string& out, std::string_view bytes);

    LineBuffer lines_{kDataLines};
    std::uint64_t max_size_;
    bool done_ = false;
    bool line_start_ = true;  // after CRLF (or at the start of data): a "." here is stuffing
    std::uint64_t size_ = 0;
    DataLineChecks checks_;
};

// Stuffs a stored message given in chunks: its CRLF form, with a "." prepended to every
// line that starts with "."; finish() closes an open last line and writes ".\r\n".
class DotStuffer {
public:
    // Appends the stuffed form of `chunk` to `out`.
    void feed(std::string_view chunk, std::string& out);
    // Terminates the transmission: CRLF if the last line is open, then ".\r\n".
    // The stuffer is then ready for the next message.
    void finish(std::string& out);

private:
    bool line_start_ = true;
    bool pending_cr_ = false;  // emitted "\r", waiting to see if LF follows
};

// The same bytes as DotStuffer feed + finish for a whole message in memory, in one pass:
// each clean CRLF line costs two memchr calls and the bytes are copied once, in runs
// between the dots that must be added (RETR of small cached messages is pop3d's hot path).
// From the first line that is not a clean CRLF line on, DotStuffer takes over.
void append_dot_stuffed(std::string_view message, std::string& out);

// --- 4. IMAP form ------------------------------------------------------------------------

// Whether a message whose last byte is `last_byte` has an open last line, which the CRLF
// and IMAP forms close with CRLF (a bare CR at the end is closed as a bare CR).
bool closes_open_line(char last_byte);

// Appends message[begin, end) in IMAP form: `begin`'s predecessor decides whether an LF at
// `begin` is bare, and a range that ends at message.size() closes an open last line.
void append_imap_form(std::string& out, std::string_view message, std::size_t begin, std::size_t end);

// Converts a stored range that arrives in chunks (read from disk off the event loop) into
// IMAP form and cuts out octets [skip, skip + limit) of it: a <partial> of a 50 MB body
// costs one pass and no copy of the whole.
class ImapFormStreamer {
public:
    // prev_byte: the stored byte just before the range ('\n' or 0 at file start, any
    // non-CR byte works then); limit: IMAP-form octets wanted after skipping.
    ImapFormStreamer(std::uint64_t skip, std::uint64_t limit, char prev_byte = '\n')
        : skip_(skip), left_(limit), prev_(prev_byte) {}

    // Appends the wanted octets of the next stored chunk. Returns done().
    bool feed(std::string_view raw_chunk, std::string& out);
    // Call after the last chunk only when the range ends the message: closes an open last
    // line. Returns done().
    bool finish(std::string& out);
    bool done() const { return left_ == 0; }

private:
    void emit(std::string& out, const char* data, std::size_t n);

    std::uint64_t skip_;
    std::uint64_t left_;
    char prev_;
    bool seen_ = false;  // a non-empty chunk was fed
};

}  // namespace mr::text
