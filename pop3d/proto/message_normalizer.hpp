// MessageNormalizer: the bytes POP3 sends for a stored message, before dot-stuffing.
//
// RFC 1939 §3 (rfc1939.txt:142) makes every line of a multi-line response end in CRLF, and
// §5 LIST (rfc1939.txt:366) wants the exact size of the message as sent. Maildir files
// written by other tools often use bare LF, so:
// - every CRLF stays, every bare LF and every bare CR becomes CRLF (exactly what
//   text::DotStuffer does, so its "line start" and ours agree), and finish() ends an
//   unterminated last line with CRLF. octets() is then the LIST/STAT size, and the same
//   count whatever the chunking.
// - With a body line limit (TOP n k, rfc1939.txt:585) output stops after the header, the
//   blank line that ends it and k more body lines; done() then turns true and the rest of
//   the input is ignored. A message without a blank line is all header and sent whole.
// Output is appended to the caller's string; no state but a few counters is kept, so a
// 50 MB message streams through in chunks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mr::pop3d {

class MessageNormalizer {
public:
    explicit MessageNormalizer(std::optional<std::uint64_t> body_lines = std::nullopt)
        : body_lines_left_(body_lines), limited_(body_lines.has_value()) {}

    // Appends the normalised form of `chunk` to `out`. Returns done().
    bool feed(std::string_view chunk, std::string& out);
    // End of input: closes an open last line. Idempotent.
    void finish(std::string& out);

    bool done() const { return done_; }
    std::uint64_t octets() const { return octets_; }

private:
    void emit(std::string& out, std::string_view bytes);
    void end_line(std::string& out);

    std::optional<std::uint64_t> body_lines_left_;
    bool limited_;
    bool done_ = false;
    bool pending_cr_ = false;   // saw CR, not yet emitted: LF may follow
    bool in_header_ = true;
    std::uint64_t line_length_ = 0;  // content octets of the current line
    std::uint64_t octets_ = 0;
};

// The POP3 size of a whole message (what RETR sends before dot-stuffing).
std::uint64_t wire_size(std::string_view message);

}  // namespace mr::pop3d
