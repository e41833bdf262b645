#include "common/mailauth/signed_message.hpp"

#include <openssl/x509.h>

#include <algorithm>
#include <mutex>

#include "common/dkim/canonicalization.hpp"
#include "common/dkim/key_record.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

using dkim::Canon;
using dkim::SigAlgorithm;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using SharedPkey = std::shared_ptr<EVP_PKEY>;

// Decoding a public key costs OpenSSL 3 about 165 us (its decoder framework), five times an
// RSA-2048 verification; the same few keys sign most mail, so decoded keys are kept, keyed
// by their exact bytes (a changed record is another key, so nothing goes stale). Shared
// between threads: an EVP_PKEY that is only read may be used by several at once. Bounded:
// emptied when full, so keys an attacker publishes cost memory only up to the bound.
class DecodedKeys {
public:
    static constexpr std::size_t kMaxKeys = 256;

    template <class Decode>
    SharedPkey get(bool ed25519, const std::string& bytes, Decode decode) {
        std::string id = (ed25519 ? "e" : "r") + bytes;
        {
            std::lock_guard lock(mutex_);
            if (auto it = keys_.find(id); it != keys_.end()) return it->second;
        }
        Pkey fresh = decode(bytes);
        if (!fresh) return nullptr;
        SharedPkey key(fresh.release(), PkeyFree{});
        std::lock_guard lock(mutex_);
        if (keys_.size() >= kMaxKeys) keys_.clear();
        keys_.emplace(std::move(id), key);
        return key;
    }

    // Never destroyed: keys must not be freed after OpenSSL's own exit handler has run.
    static DecodedKeys& instance() {
        static auto* keys = new DecodedKeys;
        return *keys;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, SharedPkey> keys_;
};

// RFC 8463 §4.2 (rfc8463.txt:161): p= is the 32-byte public key itself.
Pkey ed25519_key(const std::string& raw) {
    if (raw.size() != 32) return nullptr;
    return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                            reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
}

// RFC 6376 §3.6.1 (rfc6376.txt:1501) says SubjectPublicKeyInfo; some publish the bare
// RSAPublicKey, which verifiers accept too.
Pkey rsa_key(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const long len = static_cast<long>(der.size());
    Pkey key(d2i_PUBKEY(nullptr, &p, len));
    if (key && p == reinterpret_cast<const unsigned char*>(der.data()) + der.size() &&
        EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) {
        return key;
    }
    p = reinterpret_cast<const unsigned char*>(der.data());
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
    if (key && p == reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return key;
    return nullptr;
}

PublicKey refused(DkimVerdict v, std::string reason) {
    PublicKey k;
    k.verdict = v;
    k.reason = std::move(reason);
    return k;
}

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

PublicKey fetch_public_key(dns::DnsClient& dns, const dkim::Signature& sig) {
    const std::string name = sig.selector + "._domainkey." + sig.domain;
    const dns::DnsAnswer answer = dns.lookup(name, dns::RecordType::TXT);
    if (answer.status == dns::DnsAnswer::Status::TempFail) {
        return refused(DkimVerdict::TempError, "key unavailable: DNS lookup of " + name + " failed");
    }
    if (answer.is_void()) return refused(DkimVerdict::PermError, "no key for signature at " + name);
    // Several records: the first one that is a key record (step 4 lets us choose).
    std::optional<dkim::KeyRecord> record;
    std::string problem;
    for (const auto& txt : answer.records) {
        auto k = dkim::parse_key_record(txt);
        if (k) {
            record = std::move(*k);
            break;
        }
        if (problem.empty()) problem = k.error().message;
    }
    if (!record) return refused(DkimVerdict::PermError, "key syntax error: " + problem);
    PublicKey out;
    out.testing = record->testing;
    auto refuse = [&](DkimVerdict v, std::string reason) {
        out.verdict = v;
        out.reason = std::move(reason);
        return out;
    };
    if (!record->for_email) return refuse(DkimVerdict::PermError, "key is not for email (s=)");
    if (!record->allows_sha256) return refuse(DkimVerdict::PermError, "inappropriate hash algorithm (key h=)");
    if (record->revoked) return refuse(DkimVerdict::Fail, "key revoked");
    const bool ed25519 = sig.algorithm == SigAlgorithm::Ed25519Sha256;
    if ((record->type == dkim::KeyType::Ed25519) != ed25519) {
        return refuse(DkimVerdict::PermError, "inappropriate key algorithm (k= does not match a=)");
    }
    // t=s (rfc6376.txt:1554): the AUID's domain must be d= itself.
    if (record->strict && text::to_lower(sig.auid.substr(sig.auid.rfind('@') + 1)) != sig.domain) {
        return refuse(DkimVerdict::PermError, "key allows no subdomain in i= (t=s)");
    }
    SharedPkey key = DecodedKeys::instance().get(ed25519, record->public_key, ed25519 ? ed25519_key : rsa_key);
    if (!key) {
        return refuse(DkimVerdict::PermError,
                      ed25519 ? "key data is not an Ed25519 key" : "key data is not an RSA key");
    }
    // RFC 8301 §3.2 (rfc8301.txt:113): RSA keys under 1024 bits are not valid.
    if (!ed25519 && EVP_PKEY_get_bits(key.get()) < 1024) {
        return refuse(DkimVerdict::PermError, "RSA key under 1024 bits (RFC 8301)");
    }
    out.key = std::move(key);
    out.verdict = DkimVerdict::Pass;
    return out;
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
