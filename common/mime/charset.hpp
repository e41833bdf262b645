// Converting text in a MIME charset (RFC 2046 §4.1.2, rfc2046.txt:370) to UTF-8.
//
// Invariants:
//  - UTF-8 and US-ASCII pass through unchanged (no validation: 8-bit header bytes are
//    already passed through everywhere else, and the caller owns display policy).
//  - ISO-8859-1 and Windows-1252 are converted by table, with no allocation beyond the
//    result and no dependency on the host's locale data.
//  - Anything else goes through glibc iconv; an unknown charset or an invalid byte
//    sequence yields nullopt, so callers can keep the original text as-is
//    (RFC 2047 §6.2, rfc2047.txt:523: "display the 'encoded-word' as ordinary text").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mr::mime {

std::optional<std::string> charset_to_utf8(std::string_view charset, std::string_view bytes);

// Lowercased charset name with an RFC 2231 §5 (rfc2231.txt:294) "*language" suffix removed.
std::string normalize_charset(std::string_view charset);

}  // namespace mr::mime
