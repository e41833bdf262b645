// The "RFC822 size" of a stored message: the octet count of the message as POP3 RETR
// sends it before dot-stuffing (RFC 1939 §3, rfc1939.txt:142; exact size in LIST,
// rfc1939.txt:366) and as IMAP reports it in RFC822.SIZE (RFC 3501 §6.4.5,
// rfc3501.txt:3188), i.e. with every line end CRLF.
//
// The rule (the one pop3d's MessageNormalizer applies byte by byte; a unit test of pop3d
// checks the two agree on every edge):
// - CRLF stays CRLF; a bare LF and a bare CR (one not followed by LF, also at the very
//   end) each become CRLF: +1 octet each;
// - a last line without any line end gets CRLF: +2 octets;
// - the empty message is 0 octets.
// The index stores this number at append time (mailbox_index.hpp, messages.rfc822_size),
// so listing a mailbox never reads message files.
#pragma once

#include <cstdint>
#include <string_view>

namespace mr::storage {

// Incremental form for messages read in chunks: the result does not depend on how the
// bytes are split.
class Rfc822SizeCounter {
public:
    void feed(std::string_view chunk);
    // Total after the last chunk; feed() must not be called afterwards.
    std::int64_t finish() const;

private:
    std::int64_t octets_ = 0;
    bool empty_ = true;
    char last_ = '\0';  // last byte fed: a CR there is bare unless LF comes next
};

std::int64_t rfc822_size(std::string_view message);

}  // namespace mr::storage
