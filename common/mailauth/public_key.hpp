// The public key behind a DKIM or ARC signature (RFC 6376 §6.1.2, rfc6376.txt:2567): the
// key record at s=._domainkey.d=, checked against the signature and decoded for OpenSSL.
//
// Invariants:
//  - fetch_public_key() applies every key rule of RFC 6376 §6.1.2 and RFC 8301: a key comes
//    back only when a signature may be checked with it; otherwise the verdict says why
//    (temperror: no DNS answer; permerror: no usable key; fail: revoked key).
//  - What a key record name publishes (its first key record, decoded) is kept process-wide
//    by that name for as long as the DNS answer's TTL allows, so the few keys that sign
//    most mail are neither asked for, parsed nor decoded again per message. An answer with
//    TTL 0, a void answer and a DNS failure are never kept. Bounded: emptied when full, so
//    names an attacker makes us look up cost memory only up to the bound.
//  - Decoded keys are also kept by their exact bytes (bounded the same way), for resolvers
//    that answer with TTL 0: decoding costs OpenSSL 3 about 165 us, five times an RSA-2048
//    verification.
//  - Everything here may be called from several threads at once: an EVP_PKEY that is only
//    read may be used by several at once.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/dkim/signature.hpp"
#include "common/dns/dns_client.hpp"
#include "common/mailauth/dkim_verify.hpp"

namespace mr::mailauth {

struct PublicKey {
    std::shared_ptr<EVP_PKEY> key;  // null: not usable, `verdict` and `reason` say why
    DkimVerdict verdict = DkimVerdict::PermError;
    std::string reason;
    bool testing = false;  // the record says t=y
};

// RFC 6376 §6.1.2 (rfc6376.txt:2567): the key of `sig`, looked up at s=._domainkey.d=.
PublicKey fetch_public_key(dns::DnsClient& dns, const dkim::Signature& sig);

}  // namespace mr::mailauth
