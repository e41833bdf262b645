// The DKIM-Signature header field (RFC 6376 §3.5, rfc6376.txt:984) as a verifier reads it.
//
// Invariants:
//  - parse_signature() does every check of §6.1.1 (rfc6376.txt:2499) that needs only the
//    field: tag-list syntax, v=1, the required tags a, b, bh, d, h, s, known c= and q=,
//    base64 b= and bh=, h= naming From, i= within d= (defaulting to "@d"), numeric l=, t=
//    and x=, x= not before t=. Anything wrong is an Error whose message says what.
//  - rsa-sha1 parses (so that a result can name it); the verifier refuses it
//    (RFC 8301 §3.1).
//  - Domain, selector and h= names are lower-cased; DNS names are compared as such.
//  - The two ARC signature fields (RFC 8617 §4.1.2 and §4.1.3) share this syntax and parse
//    here too, with their differences: no v=, i= is the ARC instance (1..50) rather than an
//    AUID, From need not be signed; an ARC-Seal has cv= and neither h= nor bh=, and is
//    always relaxed-canonicalized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dkim/canonicalization.hpp"
#include "common/util/result.hpp"

namespace mr::dkim {

enum class SigAlgorithm : std::uint8_t { RsaSha256, Ed25519Sha256, RsaSha1 };

enum class SignatureField : std::uint8_t { Dkim, ArcMessage, ArcSeal };

// ARC instances run from 1 to this (RFC 8617 §4.2.1).
inline constexpr std::uint32_t kMaxArcInstance = 50;

// More h= names than this are refused: a header hash must stay cheap to compute.
inline constexpr std::size_t kMaxSignedFields = 256;

struct Signature {
    SigAlgorithm algorithm = SigAlgorithm::RsaSha256;
    Canon header_canon = Canon::Simple;
    Canon body_canon = Canon::Simple;
    std::string domain;    // d=
    std::string selector;  // s=
    std::string auid;      // i=, or "@" + d= (and "@" + d= for the ARC fields)
    std::uint32_t instance = 0;  // ARC i=
    std::string chain_status;    // ARC-Seal cv=: "none", "pass" or "fail"
    std::vector<std::string> signed_fields;  // h=, lower case, in order
    std::string body_hash;                   // bh=, decoded
    std::string signature;                   // b=, decoded
    std::optional<std::uint64_t> body_length;  // l=
    std::optional<std::int64_t> timestamp;     // t=
    std::optional<std::int64_t> expiry;        // x=
    // b='s value (whitespace around it included) in the field's raw value, to blank out.
    std::size_t b_value_begin = 0, b_value_end = 0;
};

Result<Signature> parse_signature(std::string_view raw_value, SignatureField field = SignatureField::Dkim);

// Whether `name` is a plausible DNS name for d= or s=: dot-separated non-empty labels of
// letters, digits, '-' and '_', 253 characters at most.
bool is_dns_name(std::string_view name);

}  // namespace mr::dkim
