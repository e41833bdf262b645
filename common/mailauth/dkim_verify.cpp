#include "common/mailauth/dkim_verify.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/dkim/canonicalization.hpp"
#include "common/dkim/key_record.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/tag_list.hpp"
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

struct Field {
    std::string name;  // lower case
    // The name as written up to the colon, WSP before it included: "simple" changes
    // nothing (RFC 6376 §3.4.1, rfc6376.txt:823), and obsolete syntax allows that WSP.
    std::string_view raw_name, raw_value;
};

struct BodyHash {
    Canon canon;
    std::optional<std::uint64_t> limit;
    std::string digest;           // SHA-256 of the first `limit` canonical octets
    std::uint64_t canonical_size;  // of the whole canonical body
};

class Verifier {
public:
    Verifier(dns::DnsClient& dns, std::string_view message, std::int64_t now) : dns_(dns), now_(now) {
        mime::HeaderScanner scan(message);
        while (auto f = scan.next()) {
            by_name_[text::to_lower(f->name)].push_back(fields_.size());
            const auto colon = static_cast<std::size_t>(f->raw_value.data() - message.data()) - 1;
            fields_.push_back({text::to_lower(f->name), message.substr(f->offset, colon - f->offset), f->raw_value});
        }
        body_ = message.substr(scan.body_start());
    }

    std::vector<DkimResult> run() {
        std::vector<DkimResult> results;
        for (const auto& f : fields_) {
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

    void verify(const Field& field, DkimResult& r) {
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

        auto key = fetch_key(sig, r);
        if (!key) return;

        const BodyHash& body = body_hash(sig.body_canon, sig.body_length);
        if (sig.body_length && body.canonical_size < *sig.body_length) {
            return set(r, DkimVerdict::Fail, "body shorter than l=");
        }
        if (body.digest != sig.body_hash) return set(r, DkimVerdict::Fail, "body hash did not verify");
        if (!signature_matches(sig, field, key.get())) {
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

    // RFC 6376 §6.1.2 (rfc6376.txt:2567): the key, or null with `r` set to why not.
    SharedPkey fetch_key(const dkim::Signature& sig, DkimResult& r) {
        const std::string name = sig.selector + "._domainkey." + sig.domain;
        const dns::DnsAnswer answer = dns_.lookup(name, dns::RecordType::TXT);
        if (answer.status == dns::DnsAnswer::Status::TempFail) {
            set(r, DkimVerdict::TempError, "key unavailable: DNS lookup of " + name + " failed");
            return nullptr;
        }
        if (answer.is_void()) {
            set(r, DkimVerdict::PermError, "no key for signature at " + name);
            return nullptr;
        }
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
        if (!record) {
            set(r, DkimVerdict::PermError, "key syntax error: " + problem);
            return nullptr;
        }
        r.testing = record->testing;
        if (!record->for_email) {
            set(r, DkimVerdict::PermError, "key is not for email (s=)");
            return nullptr;
        }
        if (!record->allows_sha256) {
            set(r, DkimVerdict::PermError, "inappropriate hash algorithm (key h=)");
            return nullptr;
        }
        if (record->revoked) {
            set(r, DkimVerdict::Fail, "key revoked");
            return nullptr;
        }
        const bool ed25519 = sig.algorithm == SigAlgorithm::Ed25519Sha256;
        if ((record->type == dkim::KeyType::Ed25519) != ed25519) {
            set(r, DkimVerdict::PermError, "inappropriate key algorithm (k= does not match a=)");
            return nullptr;
        }
        // t=s (rfc6376.txt:1554): the AUID's domain must be d= itself.
        if (record->strict && text::to_lower(sig.auid.substr(sig.auid.rfind('@') + 1)) != sig.domain) {
            set(r, DkimVerdict::PermError, "key allows no subdomain in i= (t=s)");
            return nullptr;
        }
        SharedPkey key = DecodedKeys::instance().get(ed25519, record->public_key, ed25519 ? ed25519_key : rsa_key);
        if (!key) {
            set(r, DkimVerdict::PermError, ed25519 ? "key data is not an Ed25519 key" : "key data is not an RSA key");
            return nullptr;
        }
        // RFC 8301 §3.2 (rfc8301.txt:113): RSA keys under 1024 bits are not valid.
        if (!ed25519 && EVP_PKEY_get_bits(key.get()) < 1024) {
            set(r, DkimVerdict::PermError, "RSA key under 1024 bits (RFC 8301)");
            return nullptr;
        }
        return key;
    }

    // RFC 8463 §4.2 (rfc8463.txt:161): p= is the 32-byte public key itself.
    static Pkey ed25519_key(const std::string& raw) {
        if (raw.size() != 32) return nullptr;
        return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
    }

    // RFC 6376 §3.6.1 (rfc6376.txt:1501) says SubjectPublicKeyInfo; some publish the bare
    // RSAPublicKey, which verifiers accept too.
    static Pkey rsa_key(const std::string& der) {
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

    // The canonical body's hash, computed once per (canonicalization, l=) for all signatures.
    const BodyHash& body_hash(Canon canon, std::optional<std::uint64_t> limit) {
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

    // RFC 6376 §3.7 (rfc6376.txt:1614): the signed fields in h= order, each instance taken
    // from the bottom up (§5.4.2, rfc6376.txt:2317), names that are not there contributing
    // nothing; then this DKIM-Signature field with b='s value emptied, without its CRLF.
    std::string header_hash_input(const dkim::Signature& sig, const Field& self) const {
        auto canonical = [&](std::string_view name, std::string_view value) {
            return sig.header_canon == Canon::Relaxed ? dkim::relaxed_header(name, value)
                                                      : dkim::simple_header(name, value);
        };
        std::string input;
        std::unordered_map<std::string_view, std::size_t> used;
        for (const auto& name : sig.signed_fields) {
            auto it = by_name_.find(name);
            if (it == by_name_.end()) continue;
            std::size_t& n = used[name];
            if (n >= it->second.size()) continue;
            const Field& f = fields_[it->second[it->second.size() - 1 - n]];
            ++n;
            input += canonical(f.raw_name, f.raw_value);
        }
        std::string unsigned_value(self.raw_value.substr(0, sig.b_value_begin));
        unsigned_value += self.raw_value.substr(sig.b_value_end);
        std::string own = canonical(self.raw_name, unsigned_value);
        own.resize(own.size() - 2);
        input += own;
        return input;
    }

    bool signature_matches(const dkim::Signature& sig, const Field& self, EVP_PKEY* key) const {
        const std::string input = header_hash_input(sig, self);
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

    dns::DnsClient& dns_;
    std::int64_t now_;
    std::vector<Field> fields_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_name_;  // indices, top down
    std::string_view body_;
    std::vector<BodyHash> body_hashes_;
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
    return Verifier(dns, message, now).run();
}

}  // namespace mr::mailauth
