// SRS, the Sender Rewriting Scheme (Shevek, 2004; the scheme of libsrs2, postsrsd and
// Exim): the envelope sender of mail an alias forwards to another domain is rewritten to an
// address of the forwarding domain, so the destination's SPF check passes, and a bounce to
// that address can be turned back into the original sender.
//
//   SRS0=HHHH=TT=orig-domain=orig-local@forward-domain
//   SRS1=HHHH=first-domain==HHHH=TT=orig-domain=orig-local@forward-domain
//
// Invariants:
// - HHHH is the first 4 characters of base64(HMAC-SHA1(secret, the parts lower-cased and
//   concatenated)): SRS0 hashes TT, orig-domain, orig-local; SRS1 hashes first-domain and
//   the opaque rest (from its leading separator on). TT is the day number mod 1024 in
//   base32 (A-Z2-7, two characters, high five bits first).
// - The guarded scheme: an SRS0 sender is wrapped in SRS1 (naming its domain, the first
//   forwarder); an SRS1 sender keeps its first domain and opaque rest and is re-hashed
//   with our secret, so any bounce comes back here first and then goes straight to the
//   first forwarder. A sender of the forward domain itself is left as it is.
// - Decoding accepts '=', '+' or '-' right after SRS0/SRS1, the tags and hashes in any
//   case; the hash is compared in constant time. An SRS0 older than kSrsMaxAgeDays days,
//   or dated more than one day ahead, is refused.
// - The local part of a rewritten address never exceeds 64 octets (RFC 5321 §4.5.3.1.1,
//   rfc5321.txt:3486): a sender that would need more is Refused, never truncated, so the
//   caller can fail that forwarding visibly.
// - Pure: no clock (the caller passes `now`), no files; OpenSSL's HMAC only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::mailauth {

inline constexpr int kSrsMaxAgeDays = 21;
inline constexpr std::size_t kSrsMaxLocalPart = 64;

// The address to use as envelope sender when mail from `sender` is forwarded by
// `forward_domain`. Syntax: `sender` is not local@domain (or has a quoted local part);
// Refused: the rewritten local part would be longer than 64 octets.
Result<std::string> srs_forward(std::string_view sender, std::string_view forward_domain, std::string_view secret,
                                std::int64_t now);

// Whether a local part is in SRS form (SRS0 or SRS1, any case, then '=', '+' or '-').
bool is_srs_local_part(std::string_view local_part);

// The address an SRS address stands for: the original sender for SRS0, the first
// forwarder's SRS0 address for SRS1. Syntax: not an SRS address, or malformed; Refused:
// the hash does not match or the timestamp is too old (or ahead).
Result<std::string> srs_reverse(std::string_view address, std::string_view secret, std::int64_t now);

}  // namespace mr::mailauth
