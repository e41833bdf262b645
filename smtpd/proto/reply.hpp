// SMTP replies: a three-digit code, an enhanced status code (RFC 2034, RFC 3463) and text.
//
// Invariants:
// - Every reply this daemon sends goes through format(); a line is "ddd x.y.z text" + CRLF
//   (RFC 5321 §4.2, rfc5321.txt:2498; RFC 2034 §4, rfc2034.txt:108), the last line of a
//   multi-line reply uses SP and the others "-" (rfc5321.txt:2532).
// - Reply text never contains CR or LF: peer data that might end up in it is cleaned first
//   (printable()), so a client cannot forge a second reply line.
// - Codes 220, 221, 334 and 354 carry no enhanced code where RFC 2034 §4 says the greeting
//   and challenges do not need one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mr::smtpd {

struct Reply {
    int code = 250;
    std::string enhanced;  // "2.1.0", or empty
    std::string text;

    bool positive() const { return code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    // The wire form: one line with its CRLF.
    std::string format() const;
};

// "250-first\r\n250-second\r\n250 last\r\n".
std::string format_multiline(int code, const std::vector<std::string>& lines);

// Peer-supplied text made safe for a reply or a header: bytes outside 0x21-0x7E become '?',
// at most max_length bytes are kept.
std::string printable(std::string_view text, std::size_t max_length = 128);

}  // namespace mr::smtpd
