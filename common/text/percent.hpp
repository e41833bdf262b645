// Percent-decoding of a URL component (RFC 3986 §2.1): webd's request paths and query
// values, imapd's IMAP URLs (RFC 5092 §3.1). '+' stays '+' (URLs, not form bodies, and
// '+' is common in e-mail addresses).
#pragma once

#include <string>
#include <string_view>

namespace mr::text {

// Decodes `in` into `out`; false for a bad escape or a NUL.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace mr::text
