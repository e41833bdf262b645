// MessageSigner: the DKIM-Signature fields (RFC 6376 §5, rfc6376.txt:1997) for one message,
// made once before it is queued, so every delivery attempt carries the same signatures.
//
// Invariants:
//  - One pass over the message, in chunks of any size (a spooled message is never held in
//    memory whole): the header block is kept (at most kMaxHeaderBytes; a larger header
//    is not signed), the body only flows through the canonicalizer into SHA-256.
//  - c=relaxed/relaxed for every signature; the body hash is computed once and shared by
//    all of them (RFC 8463 §A dual signing: one ed25519-sha256 and one rsa-sha256).
//  - h= lists every instance of the fields in kSignedFields that the message has, and
//    From once more than it has, so that no From can be added without breaking the
//    signature (§8.15, rfc6376.txt:3315: "over-signing").
//  - The result is the fields to put above the message, each ending CRLF, folded under
//    78 columns; the fields are hashed exactly as written (relaxed), b= empty (§3.7).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/dkim/canonicalization.hpp"
#include "common/dkim/signing_key.hpp"
#include "common/util/result.hpp"

namespace mr::dkim {

struct Signer {
    std::string domain;    // d=
    std::string selector;  // s=
    std::shared_ptr<const SigningKey> key;
};

// Fields signed when present (issue: what mail providers expect covered).
inline constexpr std::string_view kSignedFields[] = {
    "from",         "to",         "cc",          "subject",      "date",
    "message-id",   "reply-to",   "in-reply-to", "references",   "mime-version",
    "content-type", "content-transfer-encoding"};

class MessageSigner {
public:
    static constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;

    explicit MessageSigner(std::int64_t timestamp);
    ~MessageSigner();
    MessageSigner(const MessageSigner&) = delete;
    MessageSigner& operator=(const MessageSigner&) = delete;

    void feed(std::string_view bytes);
    // The header block seen so far (all of it once the body has started; empty when it was
    // too long to keep).
    std::string_view header() const { return header_; }
    // The DKIM-Signature fields, one per signer, in the signers' order.
    Result<std::string> finish(std::span<const Signer> signers);
    // Instead of finish(): the ARC-Message-Signature of ARC instance `instance` (RFC 8617
    // §4.1.2), which is `signer`'s DKIM signature of the same fields and body with i= in
    // place of v=, under its own field name.
    Result<std::string> finish_arc(const Signer& signer, std::uint32_t instance);

private:
    struct Hash;
    struct Prepared;
    Result<Prepared> prepare();
    Result<std::string> signature_field(std::string_view name, std::string_view first_tag, const Signer& s,
                                        const Prepared& p) const;
    void feed_body(std::string_view bytes);

    std::int64_t timestamp_;
    std::string header_;
    bool in_body_ = false;
    bool header_too_long_ = false;
    std::unique_ptr<Hash> body_hash_;
    BodyCanonicalizer body_;
};

// Whole message at once.
Result<std::string> sign_message(std::string_view message, std::span<const Signer> signers, std::int64_t timestamp);

}  // namespace mr::dkim
