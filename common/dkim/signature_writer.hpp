// SignatureWriter: the text of one signature header field, as every signer of ours writes
// it: DKIM-Signature (RFC 6376 §3.5, rfc6376.txt:984), and the two ARC signatures,
// ARC-Message-Signature and ARC-Seal (RFC 8617 §4.1.2 and §4.1.3), which share its syntax.
//
// Invariants:
//  - "Name:" then "tag=value;" pieces, a new line (CRLF TAB) begun before one would pass
//    76 columns; h= is folded at its colons, b= in pieces that fit the line (folding
//    whitespace may stand between tags, RFC 6376 §3.2).
//  - sign() hashes the caller's canonical header fields followed by this field, relaxed,
//    with b= empty and without its CRLF (RFC 6376 §3.7, rfc6376.txt:1614), then appends b=.
//    The field is hashed exactly as written, so a verifier sees the same bytes.
//  - RSA signs the input itself (SHA-256 inside, PKCS#1 v1.5); Ed25519 signs its SHA-256
//    hash (RFC 8463 §3, rfc8463.txt:123).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/dkim/signing_key.hpp"
#include "common/util/result.hpp"

namespace mr::dkim {

class SignatureWriter {
public:
    explicit SignatureWriter(std::string_view name);

    // "a=rsa-sha256": one tag and its value, ';' after it.
    void tag(std::string_view tag_and_value);
    // "h=a:b:c;", from the names joined with ':'.
    void header_list(std::string_view names);
    // Ends the field with b=: signs `signed_fields` (canonical, each with its CRLF) and this
    // field as the invariants say. The whole field, ending CRLF.
    Result<std::string> sign(std::string signed_fields, const SigningKey& key);

private:
    std::string name_;
    std::string field_;
    std::size_t column_ = 0;
};

}  // namespace mr::dkim
