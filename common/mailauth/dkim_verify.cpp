#include "common/mailauth/dkim_verify.hpp"

#include <openssl/err.h>

#include "common/dkim/signature.hpp"
#include "common/dkim/tag_list.hpp"
#include "common/mailauth/signed_message.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

using dkim::SigAlgorithm;

class Verifier {
public:
    Verifier(dns::DnsClient& dns, SignedMessage& message, std::int64_t now)
        : dns_(dns), now_(now), message_(message) {}

    std::vector<DkimResult> run() {
        std::vector<DkimResult> results;
        for (const auto& f : message_.fields()) {
            if (f.name != "dkim-signature") continue;
            DkimResult r = describe(f.raw_value);
            if (results.size() >= kMaxSignatures) {
                r.result = DkimVerdict::Policy;
                r.reason = "too many signatures: only the first " + std::to_string(kMaxSignatures) + " are verified";
            } else {
                verify(f, r);
            }
            results.push_back(std::move(r));
        }
        // OpenSSL leaves its reasons on the thread's error queue; none of them is ours to keep.
        ERR_clear_error();
        return results;
    }

private:
    // What the field says about itself, as far as its tags can be read: a result names
    // d= and s= even when the signature is broken.
    static DkimResult describe(std::string_view raw_value) {
        DkimResult r;
        auto tags = dkim::parse_tag_list(raw_value);
        if (!tags) return r;
        auto text_of = [&](const char* name) {
            const dkim::Tag* t = dkim::find_tag(*tags, name);
            return t == nullptr ? std::string() : std::string(t->value);
        };
        r.domain = text::to_lower(text_of("d"));
        r.selector = text::to_lower(text_of("s"));
        r.algorithm = text_of("a");
        r.auid = text_of("i");
        std::string b;
        for (char c : text_of("b")) {
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b += c;
            if (b.size() == 8) break;
        }
        r.header_b = std::move(b);
        return r;
    }

    void verify(const HeaderField& field, DkimResult& r) {
        auto parsed = dkim::parse_signature(field.raw_value);
        if (!parsed) return set(r, DkimVerdict::PermError, parsed.error().message);
        const dkim::Signature& sig = *parsed;
        r.domain = sig.domain;
        r.selector = sig.selector;
        r.auid = sig.auid;
        // RFC 8301 §3.1: rsa-sha1 signatures are not valid.
        if (sig.algorithm == SigAlgorithm::RsaSha1) {
            return set(r, DkimVerdict::PermError, "rsa-sha1 not acceptable (RFC 8301)");
        }
        if (sig.expiry && now_ > *sig.expiry) return set(r, DkimVerdict::Fail, "signature expired");
        if (sig.timestamp && *sig.timestamp > now_ + kClockSlack) {
            return set(r, DkimVerdict::PermError, "signature timestamp in the future");
        }

        PublicKey key = fetch_public_key(dns_, sig);
        r.testing = key.testing;
        if (!key.key) return set(r, key.verdict, std::move(key.reason));

        const BodyHash& body = message_.body_hash(sig.body_canon, sig.body_length);
        if (sig.body_length && body.canonical_size < *sig.body_length) {
            return set(r, DkimVerdict::Fail, "body shorter than l=");
        }
        if (body.digest != sig.body_hash) return set(r, DkimVerdict::Fail, "body hash did not verify");
        if (!signature_verifies(sig, message_.header_hash_input(sig, field), key.key.get())) {
            return set(r, DkimVerdict::Fail, "signature did not verify");
        }
        r.result = DkimVerdict::Pass;
        if (sig.body_length && body.canonical_size > *sig.body_length) {
            r.body_truncated = true;
            r.reason = "l=" + std::to_string(*sig.body_length) + " leaves " +
                       std::to_string(body.canonical_size - *sig.body_length) + " body octets unsigned";
        }
        if (r.testing) r.reason += std::string(r.reason.empty() ? "" : "; ") + "key in testing mode (t=y)";
    }

    static void set(DkimResult& r, DkimVerdict v, std::string reason) {
        r.result = v;
        r.reason = std::move(reason);
    }

    dns::DnsClient& dns_;
    std::int64_t now_;
    SignedMessage& message_;
};

}  // namespace

std::string_view dkim_verdict_name(DkimVerdict v) {
    switch (v) {
    case DkimVerdict::Pass: return "pass";
    case DkimVerdict::Fail: return "fail";
    case DkimVerdict::Neutral: return "neutral";
    case DkimVerdict::Policy: return "policy";
    case DkimVerdict::TempError: return "temperror";
    case DkimVerdict::PermError: return "permerror";
    }
    return "permerror";
}

std::vector<DkimResult> verify_dkim(dns::DnsClient& dns, std::string_view message, std::int64_t now) {
    SignedMessage parsed(message);
    return verify_dkim(dns, parsed, now);
}

std::vector<DkimResult> verify_dkim(dns::DnsClient& dns, SignedMessage& message, std::int64_t now) {
    return Verifier(dns, message, now).run();
}

}  // namespace mr::mailauth
