// ARC sealing (RFC 8617 §5.1): the ARC set we add to a message we received from another
// server and forward to one (an alias of ours, or a user's Sieve redirect, to an address
// off-site), so that the next hop can trust what we found on arrival even though our
// forwarding breaks SPF and, when the message is changed, DKIM.
//
// arc_seal() is a function of the message bytes, our authserv-id and a key: no DNS. What it
// needs to know of the incoming chain it reads from the message itself:
//
// Invariants:
//  - Only mail that smtpd checked on arrival is sealed: the message must carry an
//    Authentication-Results field with our authserv-id above the first Received field,
//    where no client can have written one (smtpd removes the forged ones below it and puts
//    its own on top). Its results become the ARC-Authentication-Results (§4.1.1), and its
//    arc= result, the validation smtpd did on arrival (§5.2), gives cv=.
//  - Instance i = N + 1, N the highest instance on the message (RFC 8617 §4.2.1: i <= 50;
//    a message with 50 sets is not sealed). cv=none when there is no ARC field at all;
//    cv=pass when our arc= says pass and sets 1..N are complete; cv=fail otherwise.
//  - A chain whose newest seal already says cv=fail has ended: no set is added (§5.1).
//  - ARC-Message-Signature: the DKIM signature our signer makes (MessageSigner::finish_arc:
//    relaxed/relaxed, the same fields as our DKIM signatures, From over-signed, no l=).
//  - ARC-Seal: relaxed, signs the AAR, AMS and AS of each set 1..N in that order, then
//    the new AAR and AMS, then itself with b= empty (§5.1.1); with cv=fail only the new
//    set (§5.1.2), since the older sets are not to be vouched for.
//  - The fields come back in the order to put them on top: ARC-Seal, ARC-Message-Signature,
//    ARC-Authentication-Results; each ends CRLF.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/dkim/message_signer.hpp"
#include "common/util/result.hpp"

namespace mr::mailauth {

struct ArcSealRequest {
    std::string_view message;      // as queued (CRLF lines)
    std::string_view authserv_id;  // ours: [server] hostname
    const dkim::Signer* signer = nullptr;  // arc_signer() of the forwarding domain
    std::int64_t now = 0;
};

struct ArcSealOutcome {
    std::string fields;          // to put on top; empty: not sealed (`skipped` says why)
    std::uint32_t instance = 0;  // i= of the new set
    std::string cv;              // none, pass, fail
    std::string skipped;
};

Result<ArcSealOutcome> arc_seal(const ArcSealRequest& request);

// The key that seals among a domain's signers: its rsa-sha256 one, or null. One ARC set
// holds one AMS and one seal, so there is no dual signing as with DKIM (RFC 8463), and
// ed25519-sha256 seals are not verified by the large receivers ARC is for (Gmail,
// Microsoft): an unverifiable seal would break the chain.
const dkim::Signer* arc_signer(std::span<const dkim::Signer> signers);

}  // namespace mr::mailauth
