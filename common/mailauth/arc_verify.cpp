#include "common/mailauth/arc_verify.hpp"

#include <openssl/err.h>

#include <array>
#include <map>
#include <optional>

#include "common/dkim/canonicalization.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/tag_list.hpp"
#include "common/mailauth/signed_message.hpp"

namespace mr::mailauth {

namespace {

using dkim::kMaxArcInstance;
using dkim::SigAlgorithm;
using dkim::SignatureField;

using Part = ArcPart;

constexpr std::array<const char*, 3> kPartNames = {"ARC-Authentication-Results", "ARC-Message-Signature",
                                                   "ARC-Seal"};

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// "1".."50" exactly; nullopt otherwise.
std::optional<std::uint32_t> instance_number(std::string_view v) {
    if (v.empty() || v.size() > 2) return std::nullopt;
    std::uint32_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (n < 1 || n > kMaxArcInstance) return std::nullopt;
    return n;
}

struct ArcSet {
    std::array<const HeaderField*, 3> parts{};
    const HeaderField* operator[](Part p) const { return parts[static_cast<std::size_t>(p)]; }
};

class Validator {
public:
    Validator(dns::DnsClient& dns, SignedMessage& message, std::int64_t now)
        : dns_(dns), now_(now), message_(message) {}

    ArcResult run() {
        // §5.2 step 1: collect the sets.
        bool any = false;
        for (const auto& f : message_.fields()) {
            const auto part = arc_part_of(f.name);
            if (!part) continue;
            any = true;
            const auto i = arc_instance_of(*part, f.raw_value);
            const char* name = kPartNames[static_cast<std::size_t>(*part)];
            if (!i) return fail(std::string(name) + " without a valid instance i= (1..50)");
            const HeaderField*& slot = sets_[*i].parts[static_cast<std::size_t>(*part)];
            if (slot != nullptr) return fail("two " + std::string(name) + " fields with i=" + std::to_string(*i));
            slot = &f;
            n_ = std::max(n_, *i);
        }
        if (!any) return std::move(result_);
        result_.instance = n_;
        // Step 3's first two conditions (each set complete, 1..N without gaps) are needed to
        // read step 2's seal at all, so they come first.
        for (std::uint32_t i = 1; i <= n_; ++i) {
            for (std::size_t p = 0; p < 3; ++p) {
                if (sets_[i].parts[p] == nullptr) {
                    return fail("ARC set i=" + std::to_string(i) + " has no " + kPartNames[p]);
                }
            }
        }
        std::array<dkim::Signature, kMaxArcInstance + 1> seals;
        for (std::uint32_t i = 1; i <= n_; ++i) {
            auto seal = dkim::parse_signature(sets_[i][Part::Seal]->raw_value, SignatureField::ArcSeal);
            if (!seal) return fail("ARC-Seal i=" + std::to_string(i) + ": " + seal.error().message);
            seals[i] = std::move(*seal);
        }
        result_.domain = seals[n_].domain;
        // Step 2: a chain a sealer already judged broken stays broken.
        if (seals[n_].chain_status == "fail") return fail("ARC-Seal i=" + std::to_string(n_) + " says cv=fail");
        // Step 3, third condition.
        for (std::uint32_t i = 1; i <= n_; ++i) {
            const std::string& cv = seals[i].chain_status;
            const char* want = i == 1 ? "none" : "pass";
            if (cv != want) {
                return fail("ARC-Seal i=" + std::to_string(i) + " says cv=" + cv + " (must be " + want + ")");
            }
        }
        // Step 4: the newest AMS.
        if (auto why = verify_message_signature(n_); !why.empty()) {
            return fail("ARC-Message-Signature i=" + std::to_string(n_) + ": " + why);
        }
        // Step 5: oldest-pass, from the older AMSes (optional in the RFC; one key lookup and
        // one body hash per instance at most).
        result_.oldest_pass = 0;
        for (std::uint32_t i = n_ - 1; i >= 1; --i) {
            if (!verify_message_signature(i).empty()) {
                result_.oldest_pass = i + 1;
                break;
            }
        }
        // Step 6: every seal, newest first.
        for (std::uint32_t i = n_; i >= 1; --i) {
            if (auto why = verify_seal(seals[i], i); !why.empty()) {
                return fail("ARC-Seal i=" + std::to_string(i) + ": " + why);
            }
        }
        result_.result = ArcVerdict::Pass;
        return std::move(result_);
    }

private:
    ArcResult fail(std::string reason) {
        result_.result = ArcVerdict::Fail;
        result_.reason = std::move(reason);
        result_.oldest_pass = 0;
        return std::move(result_);
    }

    // Empty when `sig` may be checked with `key`; else why not. DNS failures are noted.
    std::string usable(const dkim::Signature& sig, std::shared_ptr<EVP_PKEY>& key) {
        // RFC 8301 §3.1: rsa-sha1 signatures are not valid.
        if (sig.algorithm == SigAlgorithm::RsaSha1) return "rsa-sha1 not acceptable (RFC 8301)";
        if (sig.expiry && now_ > *sig.expiry) return "signature expired";
        if (sig.timestamp && *sig.timestamp > now_ + kClockSlack) return "signature timestamp in the future";
        const std::string name = sig.selector + "._domainkey." + sig.domain +
                                 (sig.algorithm == SigAlgorithm::Ed25519Sha256 ? "/e" : "/r");
        auto it = keys_.find(name);
        if (it == keys_.end()) it = keys_.emplace(name, fetch_public_key(dns_, sig)).first;
        const PublicKey& k = it->second;
        if (!k.key) {
            if (k.verdict == DkimVerdict::TempError) result_.dns_failure = true;
            return k.reason;
        }
        key = k.key;
        return {};
    }

    // RFC 8617 §4.1.2: the AMS is a DKIM signature over h= and the body, i= its instance.
    std::string verify_message_signature(std::uint32_t i) {
        const HeaderField& field = *sets_[i][Part::Message];
        auto parsed = dkim::parse_signature(field.raw_value, SignatureField::ArcMessage);
        if (!parsed) return parsed.error().message;
        const dkim::Signature& sig = *parsed;
        for (const auto& name : sig.signed_fields) {
            if (name == "arc-seal") return "h= signs ARC-Seal";
        }
        std::shared_ptr<EVP_PKEY> key;
        if (auto why = usable(sig, key); !why.empty()) return why;
        const BodyHash& body = message_.body_hash(sig.body_canon, sig.body_length);
        if (sig.body_length && body.canonical_size < *sig.body_length) return "body shorter than l=";
        if (body.digest != sig.body_hash) return "body hash did not verify";
        if (!signature_verifies(sig, message_.header_hash_input(sig, field), key.get())) {
            return "signature did not verify";
        }
        return {};
    }

    // RFC 8617 §5.1.1: the seal of instance i signs the sets 1..i, each AAR, AMS, AS in
    // that order, relaxed, the seal itself last with b= emptied.
    std::string verify_seal(const dkim::Signature& seal, std::uint32_t i) {
        std::shared_ptr<EVP_PKEY> key;
        if (auto why = usable(seal, key); !why.empty()) return why;
        std::string input;
        for (std::uint32_t j = 1; j <= i; ++j) {
            for (Part p : {Part::Results, Part::Message, Part::Seal}) {
                const HeaderField& f = *sets_[j][p];
                if (j == i && p == Part::Seal) {
                    input += unsigned_signature_field(seal, f);
                } else {
                    input += dkim::relaxed_header(f.raw_name, f.raw_value);
                }
            }
        }
        if (!signature_verifies(seal, input, key.get())) return "signature did not verify";
        return {};
    }

    dns::DnsClient& dns_;
    std::int64_t now_;
    SignedMessage& message_;
    std::array<ArcSet, kMaxArcInstance + 1> sets_{};
    std::uint32_t n_ = 0;
    std::map<std::string, PublicKey> keys_;
    ArcResult result_;
};

}  // namespace

std::optional<ArcPart> arc_part_of(const std::string& lower_name) {
    if (lower_name == "arc-authentication-results") return ArcPart::Results;
    if (lower_name == "arc-message-signature") return ArcPart::Message;
    if (lower_name == "arc-seal") return ArcPart::Seal;
    return std::nullopt;
}

// RFC 8617 §4.1.1: an AAR's value is "i=" instance ";" then the results; the two signature
// fields are tag lists with an i= tag.
std::optional<std::uint32_t> arc_instance_of(ArcPart part, std::string_view value) {
    if (part != ArcPart::Results) {
        auto tags = dkim::parse_tag_list(value);
        if (!tags) return std::nullopt;
        const dkim::Tag* i = dkim::find_tag(*tags, "i");
        return i == nullptr ? std::nullopt : instance_number(i->value);
    }
    std::size_t p = 0;
    auto skip = [&] {
        while (p < value.size() && is_fws(value[p])) ++p;
    };
    skip();
    if (p >= value.size() || value[p] != 'i') return std::nullopt;
    ++p;
    skip();
    if (p >= value.size() || value[p] != '=') return std::nullopt;
    ++p;
    skip();
    const std::size_t start = p;
    while (p < value.size() && value[p] >= '0' && value[p] <= '9') ++p;
    auto n = instance_number(value.substr(start, p - start));
    skip();
    if (p >= value.size() || value[p] != ';') return std::nullopt;
    return n;
}

std::string_view arc_verdict_name(ArcVerdict v) {
    switch (v) {
    case ArcVerdict::None: return "none";
    case ArcVerdict::Pass: return "pass";
    case ArcVerdict::Fail: return "fail";
    }
    return "fail";
}

ArcResult verify_arc(dns::DnsClient& dns, std::string_view message, std::int64_t now) {
    SignedMessage parsed(message);
    return verify_arc(dns, parsed, now);
}

ArcResult verify_arc(dns::DnsClient& dns, SignedMessage& message, std::int64_t now) {
    ArcResult r = Validator(dns, message, now).run();
    // OpenSSL leaves its reasons on the thread's error queue; none of them is ours to keep.
    ERR_clear_error();
    return r;
}

}  // namespace mr::mailauth
