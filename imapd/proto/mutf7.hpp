// Modified UTF-7 mailbox names (RFC 3501 §5.1.3, rfc3501.txt:1043): the wire form of
// international mailbox names, converted to and from the UTF-8 the store keeps.
//
// Invariants:
//  - Decoding is strict, as the RFC asks servers to check CREATE arguments
//    (rfc3501.txt:1105): printable ASCII (0x20-0x7e) stands for itself except "&";
//    "&-" is "&"; "&" opens modified BASE64 (alphabet with "," for "/") of UTF-16BE
//    that must be closed by "-"; no padding, zero leftover bits, no empty or
//    back-to-back runs ("-&" null shift, rfc3501.txt:1073), no printable ASCII inside a
//    run, no raw control or 8-bit octets, surrogates only in valid pairs.
//  - Encoding produces the one canonical form, so decode(encode(x)) == x and
//    encode(decode(y)) == y for every valid y.
//  - The BASE64 itself is libsodium's (through mr::text), not hand-written.
#pragma once

#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::imapd {

// mUTF-7 → UTF-8. Errors are Syntax with a reason (the session answers NO or BAD).
Result<std::string> mutf7_decode(std::string_view mutf7);

// UTF-8 → mUTF-7. Refuses input that is not valid UTF-8.
Result<std::string> mutf7_encode(std::string_view utf8);

}  // namespace mr::imapd
