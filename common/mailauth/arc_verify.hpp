// ARC chain validation (RFC 8617 §5.2): whether the ARC sets on a message form an intact
// chain of custody, recorded in our Authentication-Results as arc= (§7.2). The result is
// only recorded: nothing acts on it yet (a DMARC fail of mail that a trusted forwarder's
// chain vouches for is to be trusted by policy later).
//
// verify_arc() is a plain function of the message bytes and DNS answers, like verify_dkim().
//
// Invariants:
//  - none: no ARC header field at all. pass: every step of §5.2 held. fail: anything else,
//    with `reason` saying which step.
//  - Structure first, without DNS: each instance 1..N (N <= 50) has exactly one
//    ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal, with no gap and no
//    duplicate; the newest seal does not say cv=fail; i=1 says cv=none and every later seal
//    cv=pass. Then the newest AMS is verified like a DKIM signature (its h= fields and the
//    body), then every seal from N down to 1: seal i signs AAR, AMS, AS of instances 1..i in
//    that order, relaxed, itself with b= emptied (§5.1.1).
//  - Signatures follow the DKIM rules of signed_message (rsa-sha256 and ed25519-sha256,
//    RFC 8301's limits, keys at s=._domainkey.d=).
//  - DNS: RFC 8617 §5.2.1 treats a key that cannot be fetched like any other failure, so the
//    result is fail; `dns_failure` marks that case, for a policy that would rather retry.
//  - Work is bounded: at most 50 sets, one DNS query per distinct key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/dns/dns_client.hpp"

namespace mr::mailauth {

enum class ArcVerdict : std::uint8_t { None, Pass, Fail };

// "none", "pass", "fail" (the arc method's results, RFC 8617 §7.2).
std::string_view arc_verdict_name(ArcVerdict v);

struct ArcResult {
    ArcVerdict result = ArcVerdict::None;
    std::uint32_t instance = 0;  // N, the newest instance (0: none, or none readable)
    // §5.2 step 5: with pass, the lowest instance from which every AMS up to N verifies,
    // 0 when all of them do (the message is as its first sealer saw it).
    std::uint32_t oldest_pass = 0;
    std::string domain;  // d= of the newest ARC-Seal, when it could be read
    std::string reason;  // why not pass; for logs and the header comment
    bool dns_failure = false;  // fail because a key could not be looked up
};

class SignedMessage;

// The three fields of an ARC set (RFC 8617 §4.1), and the instance each names: "1".."50"
// exactly, else nullopt. Validation reads them here, and so does the sealer (arc_seal.hpp).
enum class ArcPart : std::uint8_t { Results, Message, Seal };
std::optional<ArcPart> arc_part_of(const std::string& lower_name);
std::optional<std::uint32_t> arc_instance_of(ArcPart part, std::string_view raw_value);

ArcResult verify_arc(dns::DnsClient& dns, std::string_view message, std::int64_t now);
// The same, on a message already split (signed_message.hpp): DKIM's fields and body hashes.
ArcResult verify_arc(dns::DnsClient& dns, SignedMessage& message, std::int64_t now);

}  // namespace mr::mailauth
