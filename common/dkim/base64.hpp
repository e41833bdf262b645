// Base64 (RFC 4648 §4) for DKIM's b=, bh= and p= tags, through OpenSSL's encoder.
#pragma once

#include <string>
#include <string_view>

namespace mr::dkim {

std::string base64_encode(std::string_view bytes);

}  // namespace mr::dkim
