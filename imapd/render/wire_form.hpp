// The wire form of a stored message: the bytes imapd sends for it, and their sizes.
//
// RFC 3501 counts every size in octets as the client receives them (RFC822.SIZE,
// body-fld-octets, literal lengths, <partial> offsets; rfc3501.txt:4624, :3132), and
// RFC 5322 allows CR and LF only together (rfc5322.txt:486). Maildir files written by
// other tools often end lines with a bare LF. One rule, used by every size and every
// byte imapd sends:
//
// Invariants:
//  - An LF that is not preceded by CR *in the stored file* is sent as CRLF. Nothing
//    else changes: CRLF stays, a bare CR stays, an unterminated last line stays
//    unterminated, NUL and 8-bit bytes pass through.
//  - Hence the wire size of any stored byte range is its raw size plus the bare LFs
//    in it, which mime::Part already counts (header_bare_lf, body_bare_lf), so sizes
//    never need the message bytes. "Preceded" looks at the byte before the range as
//    well, exactly as mime::LineIndex counts, so pieces of a range add up.
//  - When a range has no bare LF its wire form *is* the file range: the server can
//    send it straight from the file (sendfile/chunked reads) without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/mime/message_structure.hpp"

namespace mr::imapd {

// RFC822.SIZE (rfc3501.txt:3188): the whole message in wire form.
std::uint64_t wire_size(const mime::MessageStructure& structure);
// body-fld-octets (rfc3501.txt:4624) of a part: its body in wire form.
std::uint64_t wire_body_size(const mime::Part& part);
std::uint64_t wire_header_size(const mime::Part& part);

// Appends message[begin, end) in wire form; `begin`'s predecessor decides whether an
// LF at `begin` is bare.
void append_wire(std::string& out, std::string_view message, std::size_t begin, std::size_t end);

// Converts a raw range that arrives in chunks (read from disk off the event loop)
// into wire form and cuts out wire octets [skip, skip + limit): a <partial> of a
// 50 MB body costs one pass and no copy of the whole.
class WireStreamer {
public:
    // prev_byte: the stored byte just before the range ('\n' or 0 at file start, any
    // non-CR byte works then); limit: wire octets wanted after skipping.
    WireStreamer(std::uint64_t skip, std::uint64_t limit, char prev_byte = '\n')
        : skip_(skip), left_(limit), prev_(prev_byte) {}

    // Appends the wanted wire bytes of the next raw chunk. Returns done().
    bool feed(std::string_view raw_chunk, std::string& out);
    bool done() const { return left_ == 0; }

private:
    void emit(std::string& out, const char* data, std::size_t n);

    std::uint64_t skip_;
    std::uint64_t left_;
    char prev_;
};

}  // namespace mr::imapd
