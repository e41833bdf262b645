#include "common/dkim/signature.hpp"

#include <array>
#include <span>

#include "common/dkim/base64.hpp"
#include "common/dkim/tag_list.hpp"
#include "common/text/ascii.hpp"

namespace mr::dkim {

namespace {

// 1*n DIGIT as an unsigned number; nullopt when empty, not digits or past `max_digits`.
std::optional<std::uint64_t> parse_decimal(std::string_view v, std::size_t max_digits) {
    if (v.empty() || v.size() > max_digits) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

std::optional<Canon> parse_canon(std::string_view v) {
    if (v == "simple") return Canon::Simple;
    if (v == "relaxed") return Canon::Relaxed;
    return std::nullopt;
}

// field-name = 1*ftext, ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8, rfc5322.txt:1689).
bool is_field_name(std::string_view n) {
    if (n.empty()) return false;
    for (char c : n) {
        if (c < 33 || c > 126 || c == ':') return false;
    }
    return true;
}

}  // namespace

bool is_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_';
        if (!ok || ++label > 63) return false;
    }
    return label > 0;
}

Result<Signature> parse_signature(std::string_view raw_value, SignatureField field) {
    auto parsed = parse_tag_list(raw_value);
    if (!parsed) return parsed.error();
    const TagList& tags = *parsed;
    const bool dkim = field == SignatureField::Dkim;
    const bool seal = field == SignatureField::ArcSeal;
    static constexpr std::array<const char*, 7> kDkimTags = {"v", "a", "b", "bh", "d", "h", "s"};
    static constexpr std::array<const char*, 7> kMessageTags = {"i", "a", "b", "bh", "d", "h", "s"};
    static constexpr std::array<const char*, 6> kSealTags = {"i", "a", "b", "cv", "d", "s"};
    const std::span<const char* const> required = dkim ? std::span<const char* const>(kDkimTags)
                                                  : seal ? std::span<const char* const>(kSealTags)
                                                         : std::span<const char* const>(kMessageTags);
    for (const char* name : required) {
        if (find_tag(tags, name) == nullptr) {
            return Error::syntax("signature missing required tag " + std::string(name) + "=");
        }
    }
    if (dkim) {
        if (const std::string_view v = find_tag(tags, "v")->value; v != "1") {
            return Error::syntax("incompatible version v=" + std::string(v));
        }
    }

    Signature sig;
    const std::string_view a = find_tag(tags, "a")->value;
    if (a == "rsa-sha256") {
        sig.algorithm = SigAlgorithm::RsaSha256;
    } else if (a == "ed25519-sha256") {
        sig.algorithm = SigAlgorithm::Ed25519Sha256;
    } else if (a == "rsa-sha1") {
        sig.algorithm = SigAlgorithm::RsaSha1;
    } else {
        return Error::syntax("unknown algorithm a=" + std::string(a));
    }

    const Tag* b = find_tag(tags, "b");
    auto b_bytes = base64_decode(b->value);
    if (!b_bytes || b_bytes->empty()) return Error::syntax("b= is not base64");
    sig.signature = std::move(*b_bytes);
    sig.b_value_begin = b->after_equals;
    sig.b_value_end = b->spec_end;
    if (!seal) {
        auto bh_bytes = base64_decode(find_tag(tags, "bh")->value);
        if (!bh_bytes || bh_bytes->empty()) return Error::syntax("bh= is not base64");
        sig.body_hash = std::move(*bh_bytes);
    }

    if (seal) {
        // RFC 8617 §4.1.3: the seal covers header fields only, relaxed, and lists none.
        if (find_tag(tags, "h") != nullptr) return Error::syntax("h= is not allowed in ARC-Seal");
        sig.header_canon = Canon::Relaxed;
        sig.body_canon = Canon::Relaxed;
        sig.chain_status = std::string(find_tag(tags, "cv")->value);
        if (sig.chain_status != "none" && sig.chain_status != "pass" && sig.chain_status != "fail") {
            return Error::syntax("unknown chain validation status cv=" + sig.chain_status);
        }
    } else if (const Tag* c = find_tag(tags, "c")) {
        const std::string_view v = c->value;
        const std::size_t slash = v.find('/');
        auto header = parse_canon(v.substr(0, slash));
        // "c=relaxed" alone leaves the body simple (rfc6376.txt:1093).
        auto body = slash == std::string_view::npos ? std::optional<Canon>(Canon::Simple)
                                                    : parse_canon(v.substr(slash + 1));
        if (!header || !body) return Error::syntax("unknown canonicalization c=" + std::string(v));
        sig.header_canon = *header;
        sig.body_canon = *body;
    }

    sig.domain = text::to_lower(find_tag(tags, "d")->value);
    if (!is_dns_name(sig.domain)) return Error::syntax("d= is not a domain");
    sig.selector = text::to_lower(find_tag(tags, "s")->value);
    if (!is_dns_name(sig.selector)) return Error::syntax("s= is not a selector");

    bool from_signed = false;
    if (const Tag* h = find_tag(tags, "h"); h != nullptr) {
        for (auto name : split_colons(h->value)) {
            if (!is_field_name(name)) return Error::syntax("h= has an invalid field name");
            if (sig.signed_fields.size() == kMaxSignedFields) return Error::syntax("h= names too many fields");
            sig.signed_fields.push_back(text::to_lower(name));
            if (sig.signed_fields.back() == "from") from_signed = true;
        }
    }
    if (dkim && !from_signed) return Error::syntax("From field not signed");

    if (!dkim) {
        const auto instance = parse_decimal(find_tag(tags, "i")->value, 2);
        if (!instance || *instance < 1 || *instance > kMaxArcInstance) {
            return Error::syntax("i= is not an ARC instance (1.." + std::to_string(kMaxArcInstance) + ")");
        }
        sig.instance = static_cast<std::uint32_t>(*instance);
        sig.auid = "@" + sig.domain;
    } else if (const Tag* i = find_tag(tags, "i")) {
        const std::size_t at = i->value.rfind('@');
        if (at == std::string_view::npos) return Error::syntax("i= has no @");
        const std::string auid_domain = text::to_lower(i->value.substr(at + 1));
        const bool inside = auid_domain == sig.domain ||
                            (auid_domain.size() > sig.domain.size() && auid_domain.ends_with(sig.domain) &&
                             auid_domain[auid_domain.size() - sig.domain.size() - 1] == '.');
        if (!inside) return Error::syntax("domain mismatch: i= is not within d=");
        sig.auid = std::string(i->value);
    } else {
        sig.auid = "@" + sig.domain;
    }

    if (const Tag* q = find_tag(tags, "q")) {
        bool dns_txt = false;
        for (auto method : split_colons(q->value)) dns_txt = dns_txt || method == "dns/txt";
        if (!dns_txt) return Error::syntax("no known query method in q=");
    }
    // l= and t=/x= are at most 76 and 12 digits (rfc6376.txt:1244, rfc6376.txt:1310); an
    // l= past 2^64 cannot describe a body anyway.
    if (const Tag* l = find_tag(tags, "l")) {
        sig.body_length = parse_decimal(l->value, 19);
        if (!sig.body_length) return Error::syntax("l= is not a number");
    }
    if (const Tag* t = find_tag(tags, "t")) {
        auto v = parse_decimal(t->value, 12);
        if (!v) return Error::syntax("t= is not a number");
        sig.timestamp = static_cast<std::int64_t>(*v);
    }
    if (const Tag* x = find_tag(tags, "x")) {
        auto v = parse_decimal(x->value, 12);
        if (!v) return Error::syntax("x= is not a number");
        sig.expiry = static_cast<std::int64_t>(*v);
    }
    // rfc6376.txt:1338: "the value of the "x=" tag MUST be greater than the value of the "t=" tag".
    if (sig.timestamp && sig.expiry && *sig.expiry <= *sig.timestamp) return Error::syntax("x= is not after t=");
    return sig;
}

}  // namespace mr::dkim
