// append_stuffed_message: the whole RETR body of a message held in memory, in one pass.
//
// What it appends is, byte for byte, what MessageNormalizer followed by text::DotStuffer
// (feed + finish) produce for the same input: every line ends in CRLF (bare LF and bare CR
// become CRLF, an open last line is closed), a line starting with "." gets one more
// (RFC 1939 §3, rfc1939.txt:142), and ".\r\n" ends the response. It exists because RETR
// of small cached messages is pop3d's hot path (issue 5): the two stream classes copy
// every message twice and look at every octet with find_first_of, while almost every
// stored message already has CRLF line ends (smtpd stores what it received, which RFC 5321
// §2.3.8, rfc5321.txt:763, makes CRLF). Here each line costs two memchr calls and the
// bytes are copied once, in runs between the dots that must be added.
//
// Invariants:
// - The output equals normalize-then-stuff for every input (tests compare them on random
//   inputs): from the first line that is not a clean CRLF line, the rest goes through
//   text::DotStuffer, which starts at a line start exactly as this loop leaves it.
// - Only for RETR of a whole message in memory; TOP and chunked streaming keep the
//   stream classes.
#pragma once

#include <string>
#include <string_view>

namespace mr::pop3d {

// Appends the dot-stuffed, CRLF-terminated body of `message` and the final ".\r\n".
void append_stuffed_message(std::string_view message, std::string& out);

}  // namespace mr::pop3d
