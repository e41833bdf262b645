// DKIM key records (RFC 6376 §3.6.1, rfc6376.txt:1430): the TXT record at
// <selector>._domainkey.<domain> that publishes a signer's public key.
//
// Invariants:
//  - v= is optional, but when present it is "DKIM1"; any other version, an unknown k=, a
//    p= that is not base64, or a tag-list syntax error makes the record invalid (§6.1.2
//    step 5, rfc6376.txt:2621). Unknown tags, hash names, service types and flags are
//    ignored (§3.6.1: "unrecognized ... MUST be ignored").
//  - An empty p= is a revoked key (rfc6376.txt:1501): parsed, with `revoked` set.
//  - The key bytes are not interpreted here: which DER form an RSA key uses, and its size,
//    are the verifier's business (it has OpenSSL); for Ed25519 p= is the raw 32-byte key
//    (RFC 8463 §4.2, rfc8463.txt:161).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::dkim {

enum class KeyType : std::uint8_t { Rsa, Ed25519 };

struct KeyRecord {
    KeyType type = KeyType::Rsa;
    std::string public_key;     // decoded p=; empty when revoked
    bool revoked = false;
    bool allows_sha256 = true;  // h= absent, or lists sha256
    bool allows_sha1 = true;    // h= absent, or lists sha1
    bool for_email = true;      // s= absent, "*" or "email"
    bool testing = false;       // t=y
    bool strict = false;        // t=s: the i= domain must be d= itself, no subdomain
};

Result<KeyRecord> parse_key_record(std::string_view txt);

}  // namespace mr::dkim
