// Base64 (RFC 4648 §4) for DKIM's b=, bh= and p= tags, through OpenSSL's encoder.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mr::dkim {

std::string base64_encode(std::string_view bytes);

// Whitespace (SP, HTAB, CR, LF: folding inside a tag value, RFC 6376 §3.5 (rfc6376.txt:1054))
// is skipped; anything else that is not canonical padded base64 gives nullopt.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mr::dkim
