// Content-Transfer-Encoding decoding (RFC 2045 §6, rfc2045.txt:753) for IMAP SEARCH
// BODY/TEXT, BINARY fetches and anything else that needs a part's octets.
//
// Invariants:
//  - Decoders never fail: mail in the wild is often slightly broken, and a search or
//    a display must still see as much of the content as can be recovered.
//  - Output size is bounded by input size (both encodings only shrink data).
#pragma once

#include <string>
#include <string_view>

namespace mr::mime {

enum class TransferEncoding { SevenBit, EightBit, Binary, QuotedPrintable, Base64, Unknown };

// RFC 2045 §6.1 (rfc2045.txt:770): the mechanism token is case-insensitive; an absent
// (empty) field means 7bit (rfc2045.txt:795). Unknown tokens stay Unknown.
TransferEncoding parse_transfer_encoding(std::string_view token);

// RFC 2045 §6.8 (rfc2045.txt:1295). Characters outside the alphabet are ignored
// (rfc2045.txt:1411: they "are to be ignored"); missing padding is tolerated;
// "=" ends a group, so concatenated encodings ("QQ==QQ==") decode piece by piece.
std::string decode_base64(std::string_view encoded);

// RFC 2045 §6.7 (rfc2045.txt:1025): "=XX" octets (lowercase hex tolerated), soft line
// breaks "=" + optional WSP + line end, trailing WSP on each line deleted (rule 3).
// An "=" that starts neither is kept literally. Line ends are kept as they are.
std::string decode_quoted_printable(std::string_view encoded);

// Dispatch on the encoding; 7bit/8bit/binary/unknown return the body unchanged.
std::string decode_transfer(TransferEncoding encoding, std::string_view body);

}  // namespace mr::mime
