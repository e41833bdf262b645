// BINARY[<section-part>] and BINARY.SIZE (RFC 3516 §4.2): a part's content with its
// Content-Transfer-Encoding removed.
//
// Invariants:
//  - Only a leaf part is decoded, and only base64 and quoted-printable need it
//    (common/mime/transfer_decoding.hpp does the decoding); 7bit, 8bit and binary leaves,
//    the message itself (BINARY[]) and multipart / message parts are their BODY[part]
//    content (RFC 3516 §4.2: nothing to decode), in IMAP form (CRLF line ends, RFC 3516 §6)
//    except a binary leaf, whose octets are sent as stored.
//  - A leaf with a CTE we do not know is `unknown_cte`: the FETCH fails with
//    [UNKNOWN-CTE] (RFC 3516 §4.2) before any of that message's response is sent.
//  - A part number that names no part is empty content, as BODY[part] is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "imapd/proto/fetch_section.hpp"
#include "imapd/render/section.hpp"

namespace mr::imapd {

struct BinaryPlan {
    SectionRange range;  // where the encoded content is (as BODY[part] would send it)
    mime::TransferEncoding decode = mime::TransferEncoding::Binary;  // Base64/QP: decode it
    bool unknown_cte = false;
    // A leaf with CTE binary is sent as stored: its octets are the content (RFC 3516 §4.2),
    // not text whose line ends the IMAP form would make CRLF.
    bool as_stored = false;
};

BinaryPlan plan_binary(const mime::MessageStructure& structure, const std::vector<std::uint32_t>& part);

// The content of the plan's range in IMAP form (`wire`, what BODY[part] sends), decoded.
std::string decode_binary(const BinaryPlan& plan, std::string wire);

// Whether the content goes in a literal8: it is not in the "8bit" domain (RFC 3516 §4.2:
// only such data without NUL SHOULD be a plain string), i.e. it holds a NUL, a bare CR or
// a bare LF (RFC 2045 §2.8: 8bit data is CRLF-separated lines without NUL). Decided on the
// whole content, so every <partial> of it comes the same way (as Dovecot does).
bool needs_literal8(std::string_view content);

// "BINARY[1.2]<0>" / "BINARY.SIZE[1.2]" (RFC 3516 §7 msg-att-static); the partial's
// origin only, as for BODY (rfc3501.txt:4095).
void append_binary_name(std::string& out, const BodySection& section, bool size);

}  // namespace mr::imapd
