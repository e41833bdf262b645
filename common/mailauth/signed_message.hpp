// What DKIM (RFC 6376) and ARC (RFC 8617) verification share: a message split into header
// fields and body, the body hash, the header hash input of a signature field, the public key
// behind a signature (s=._domainkey.d= TXT), and the signature check itself. ARC signatures
// are DKIM signatures with other names and a fixed set of signed fields (RFC 8617 §4.1), so
// dkim_verify and arc_verify are both written on these.
//
// Invariants:
//  - SignedMessage holds views into the caller's message, which must outlive it.
//  - Each body hash (per canonicalization and l=) is computed once per message.
//  - The public key behind a signature: public_key.hpp (fetch_public_key).
//  - Everything here may be called from several threads at once.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/dkim/signature.hpp"
#include "common/dns/dns_client.hpp"
#include "common/mailauth/dkim_verify.hpp"
#include "common/mailauth/public_key.hpp"

namespace mr::mailauth {

struct HeaderField {
    std::string name;  // lower case
    // The name as written up to the colon, WSP before it included: "simple" changes
    // nothing (RFC 6376 §3.4.1, rfc6376.txt:823), and obsolete syntax allows that WSP.
    std::string_view raw_name, raw_value;
};

struct BodyHash {
    dkim::Canon canon;
    std::optional<std::uint64_t> limit;
    std::string digest;            // SHA-256 of the first `limit` canonical octets
    std::uint64_t canonical_size;  // of the whole canonical body
};

class SignedMessage {
public:
    explicit SignedMessage(std::string_view message);

    const std::vector<HeaderField>& fields() const { return fields_; }

    // The canonical body's hash, computed once per (canonicalization, l=).
    const BodyHash& body_hash(dkim::Canon canon, std::optional<std::uint64_t> limit);

    // RFC 6376 §3.7 (rfc6376.txt:1614): the fields h= names, each instance taken from the
    // bottom up (§5.4.2, rfc6376.txt:2317), then `self` with b= emptied, without its CRLF.
    std::string header_hash_input(const dkim::Signature& sig, const HeaderField& self) const;

private:
    std::vector<HeaderField> fields_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_name_;  // indices, top down
    std::string_view body_;
    std::vector<BodyHash> body_hashes_;
};

// `self` canonicalized as `sig` says, b='s value emptied, without the final CRLF: the last
// part of every signature's header hash input.
std::string unsigned_signature_field(const dkim::Signature& sig, const HeaderField& self);

// Whether `sig`'s b= signs `input` (a header hash input) under `key`.
bool signature_verifies(const dkim::Signature& sig, std::string_view input, EVP_PKEY* key);

}  // namespace mr::mailauth
