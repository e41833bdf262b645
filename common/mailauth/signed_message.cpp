#include "common/mailauth/signed_message.hpp"

#include <algorithm>

#include "common/dkim/canonicalization.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

using dkim::Canon;
using dkim::SigAlgorithm;

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string canonical(Canon canon, std::string_view name, std::string_view value) {
    return canon == Canon::Relaxed ? dkim::relaxed_header(name, value) : dkim::simple_header(name, value);
}

}  // namespace

SignedMessage::SignedMessage(std::string_view message) {
    mime::HeaderScanner scan(message);
    while (auto f = scan.next()) {
        by_name_[text::to_lower(f->name)].push_back(fields_.size());
        const auto colon = static_cast<std::size_t>(f->raw_value.data() - message.data()) - 1;
        fields_.push_back({text::to_lower(f->name), message.substr(f->offset, colon - f->offset), f->raw_value});
    }
    body_ = message.substr(scan.body_start());
}

const BodyHash& SignedMessage::body_hash(Canon canon, std::optional<std::uint64_t> limit) {
    for (const auto& h : body_hashes_) {
        if (h.canon == canon && h.limit == limit) return h;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
    std::uint64_t room = limit.value_or(UINT64_MAX);
    dkim::BodyCanonicalizer canonicalizer(canon, [&](std::string_view bytes) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size()));
        if (n == 0) return;
        room -= n;
        ok = ok && EVP_DigestUpdate(ctx.get(), bytes.data(), n) == 1;
    });
    canonicalizer.feed(body_);
    canonicalizer.finish();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx.get(), out, &out_len) == 1;
    // A hash that could not be computed matches nothing: the signature fails.
    std::string digest = ok ? std::string(reinterpret_cast<const char*>(out), out_len) : std::string();
    body_hashes_.push_back({canon, limit, std::move(digest), canonicalizer.emitted()});
    return body_hashes_.back();
}

std::string SignedMessage::header_hash_input(const dkim::Signature& sig, const HeaderField& self) const {
    std::string input;
    std::unordered_map<std::string_view, std::size_t> used;
    for (const auto& name : sig.signed_fields) {
        auto it = by_name_.find(name);
        if (it == by_name_.end()) continue;
        std::size_t& n = used[name];
        if (n >= it->second.size()) continue;
        const HeaderField& f = fields_[it->second[it->second.size() - 1 - n]];
        ++n;
        input += canonical(sig.header_canon, f.raw_name, f.raw_value);
    }
    input += unsigned_signature_field(sig, self);
    return input;
}

std::string unsigned_signature_field(const dkim::Signature& sig, const HeaderField& self) {
    std::string unsigned_value(self.raw_value.substr(0, sig.b_value_begin));
    unsigned_value += self.raw_value.substr(sig.b_value_end);
    std::string own = canonical(sig.header_canon, self.raw_name, unsigned_value);
    own.resize(own.size() - 2);
    return own;
}

bool signature_verifies(const dkim::Signature& sig, std::string_view input, EVP_PKEY* key) {
    std::string_view signed_data = input;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    const EVP_MD* md = EVP_sha256();
    if (sig.algorithm == SigAlgorithm::Ed25519Sha256) {
        // RFC 8463 §3 (rfc8463.txt:123): Ed25519 signs the SHA-256 hash of the input.
        if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1) return false;
        signed_data = std::string_view(reinterpret_cast<const char*>(digest), digest_len);
        md = nullptr;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.signature.data()),
                            sig.signature.size(), reinterpret_cast<const unsigned char*>(signed_data.data()),
                            signed_data.size()) == 1;
}

}  // namespace mr::mailauth
