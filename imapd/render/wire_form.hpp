// imapd's sizes of a stored message: the IMAP form of common/text/message_data.hpp
// (section 4), which is the message's CRLF form (bare LF and bare CR sent as CRLF, the
// open last line closed), cut to the range a section names.
//
// RFC 3501 counts every size in octets as the client receives them (RFC822.SIZE,
// body-fld-octets, literal lengths, <partial> offsets; rfc3501.txt:4624, :3132).
//
// Invariants:
//  - The IMAP-form size of a part's header or body range is its raw size plus the octets
//    the form adds, which mime::Part already counts (header_extra, body_extra), so sizes
//    never need the message bytes. Bare-ness looks at the whole message, exactly as
//    mime::LineIndex counts, so pieces of a range add up.
//  - When a range adds nothing its IMAP form *is* the file range: the server can send
//    it straight from the file (sendfile/chunked reads) without copying.
//  - wire_size() of a message equals text::rfc822_size() of its bytes (POP3 LIST).
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

// The bytes themselves: message_data.hpp's IMAP form, by the names FETCH uses. `message`
// is the whole message, or a prefix of it that ends where the message's header block ends
// (the index's header cache): a header block ends after an LF or with the message.
inline void append_wire(std::string& out, std::string_view message, std::size_t begin, std::size_t end) {
    text::append_imap_form(out, message, begin, end);
}
using WireStreamer = text::ImapFormStreamer;

}  // namespace mr::imapd
