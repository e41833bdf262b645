// imapd's sizes of a stored message: the IMAP form of common/text/message_data.hpp
// (section 4), where only a bare LF is sent as CRLF.
//
// RFC 3501 counts every size in octets as the client receives them (RFC822.SIZE,
// body-fld-octets, literal lengths, <partial> offsets; rfc3501.txt:4624, :3132).
//
// Invariants:
//  - The IMAP-form size of any stored byte range is its raw size plus the bare LFs in it,
//    which mime::Part already counts (header_bare_lf, body_bare_lf), so sizes never need
//    the message bytes. "Bare" looks at the byte before the range as well, exactly as
//    mime::LineIndex counts, so pieces of a range add up.
//  - When a range has no bare LF its IMAP form *is* the file range: the server can send
//    it straight from the file (sendfile/chunked reads) without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/mime/message_structure.hpp"
#include "common/text/message_data.hpp"

namespace mr::imapd {

// RFC822.SIZE (rfc3501.txt:3188): the whole message in IMAP form.
std::uint64_t wire_size(const mime::MessageStructure& structure);
// body-fld-octets (rfc3501.txt:4624) of a part: its body in IMAP form.
std::uint64_t wire_body_size(const mime::Part& part);
std::uint64_t wire_header_size(const mime::Part& part);

// The bytes themselves: message_data.hpp's IMAP form, by the names FETCH uses.
inline void append_wire(std::string& out, std::string_view message, std::size_t begin, std::size_t end) {
    text::append_imap_form(out, message, begin, end);
}
using WireStreamer = text::ImapFormStreamer;

}  // namespace mr::imapd
