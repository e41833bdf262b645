#include "common/mailauth/arc_seal.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "common/dkim/canonicalization.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/signature_writer.hpp"
#include "common/mailauth/arc_verify.hpp"
#include "common/mailauth/auth_results.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

using dkim::kMaxArcInstance;

struct Field {
    std::string_view name, raw_value;
};

// What the sealer reads of the message's header: our results and the ARC sets.
struct Header {
    std::optional<std::string_view> our_results;  // the raw value
    std::array<std::array<std::optional<Field>, 3>, kMaxArcInstance + 1> sets{};
    std::uint32_t newest = 0;  // N
    bool malformed = false;    // an ARC field without a valid instance, or a duplicate

    const std::optional<Field>& part(std::uint32_t i, ArcPart p) const { return sets[i][static_cast<std::size_t>(p)]; }
    bool complete() const {
        if (malformed) return false;
        for (std::uint32_t i = 1; i <= newest; ++i) {
            for (const auto& f : sets[i]) {
                if (!f) return false;
            }
        }
        return true;
    }
};

Header read_header(std::string_view message, std::string_view authserv_id) {
    Header h;
    const std::string ours = text::to_lower(authserv_id);
    bool below_received = false;
    mime::HeaderScanner scan(message);
    while (auto f = scan.next()) {
        if (mime::header_name_equals(f->name, "Received")) below_received = true;
        if (!below_received && !h.our_results && mime::header_name_equals(f->name, "Authentication-Results") &&
            authserv_id_of(f->raw_value) == ours) {
            h.our_results = f->raw_value;
        }
        const auto part = arc_part_of(text::to_lower(f->name));
        if (!part) continue;
        const auto i = arc_instance_of(*part, f->raw_value);
        if (!i) {
            h.malformed = true;
            continue;
        }
        auto& slot = h.sets[*i][static_cast<std::size_t>(*part)];
        if (slot) h.malformed = true;
        else slot = Field{f->name, f->raw_value};
        h.newest = std::max(h.newest, *i);
    }
    return h;
}

std::string_view trim_front(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n')) {
        v.remove_prefix(1);
    }
    return v;
}

}  // namespace

const dkim::Signer* arc_signer(std::span<const dkim::Signer> signers) {
    for (const auto& s : signers) {
        if (s.key && s.key->algorithm() == dkim::Algorithm::RsaSha256) return &s;
    }
    return nullptr;
}

Result<ArcSealOutcome> arc_seal(const ArcSealRequest& r) {
    ArcSealOutcome out;
    if (r.signer == nullptr || !r.signer->key) return Error::internal("arc: no key to seal with");
    const Header h = read_header(r.message, r.authserv_id);
    if (!h.our_results) {
        out.skipped = "not checked on arrival (no Authentication-Results of ours on top)";
        return out;
    }
    const std::uint32_t n = h.newest;
    if (const auto& seal = h.part(n, ArcPart::Seal); n > 0 && seal) {
        auto parsed = dkim::parse_signature(seal->raw_value, dkim::SignatureField::ArcSeal);
        if (parsed && parsed->chain_status == "fail") {
            out.skipped = "the chain has ended: ARC-Seal i=" + std::to_string(n) + " says cv=fail";
            return out;
        }
    }
    if (n >= kMaxArcInstance) {
        out.skipped = "the chain has " + std::to_string(kMaxArcInstance) + " sets already";
        return out;
    }
    const bool chain_valid = h.complete() && method_result(*h.our_results, "arc") == std::optional<std::string>("pass");
    out.instance = n + 1;
    out.cv = n == 0 && !h.malformed ? "none" : chain_valid ? "pass" : "fail";
    const std::string instance = "i=" + std::to_string(out.instance);

    // RFC 8617 §4.1.1: "i=" instance "; " then the results as we recorded them.
    const std::string aar_value = " " + instance + "; " + std::string(trim_front(*h.our_results));

    dkim::MessageSigner message_signer(r.now);
    message_signer.feed(r.message);
    auto ams = message_signer.finish_arc(*r.signer, out.instance);
    if (!ams) return ams.error();
    constexpr std::string_view kAms = "ARC-Message-Signature:";
    const std::string_view ams_value = std::string_view(*ams).substr(kAms.size(), ams->size() - kAms.size() - 2);

    std::string signed_fields;
    if (out.cv != "fail") {
        for (std::uint32_t i = 1; i <= n; ++i) {
            for (ArcPart p : {ArcPart::Results, ArcPart::Message, ArcPart::Seal}) {
                const auto& f = h.part(i, p);
                signed_fields += dkim::relaxed_header(f->name, f->raw_value);
            }
        }
    }
    signed_fields += dkim::relaxed_header("ARC-Authentication-Results", aar_value);
    signed_fields += dkim::relaxed_header("ARC-Message-Signature", ams_value);

    dkim::SignatureWriter seal("ARC-Seal");
    seal.tag(instance);
    seal.tag("a=" + std::string(dkim::algorithm_tag(r.signer->key->algorithm())));
    seal.tag("t=" + std::to_string(r.now));
    seal.tag("cv=" + out.cv);
    seal.tag("d=" + r.signer->domain);
    seal.tag("s=" + r.signer->selector);
    auto as = seal.sign(std::move(signed_fields), *r.signer->key);
    if (!as) return as.error();
    out.fields = std::move(*as) + *ams + "ARC-Authentication-Results:" + aar_value + "\r\n";
    return out;
}

}  // namespace mr::mailauth
