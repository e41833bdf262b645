// APPEND of binary content (RFC 3516 §4.4): a leaf part with Content-Transfer-Encoding
// binary whose body holds NUL cannot be sent by FETCH BODY[...] (an IMAP literal has no
// NUL), and RFC 3516 §6 wants BODY to show it in a CTE of the base protocol. Such parts are
// stored base64-encoded instead, which RFC 3516 §4.4 allows ("MAY modify the CTE of the
// appended data" without loss); BINARY[part] gives back the original octets.
//
// Invariants:
//  - Only binary leaves with a NUL change; every other byte of the message is kept.
//  - The part's Content-Transfer-Encoding field becomes "base64" and its body base64 in
//    lines of 76 characters (RFC 2045 §6.8), ending with CRLF.
#pragma once

#include <string>
#include <string_view>

namespace mr::imapd {

// The message to store for `message`: itself, or with its NUL-holding binary parts
// base64-encoded.
std::string encode_binary_parts(std::string_view message);

}  // namespace mr::imapd
