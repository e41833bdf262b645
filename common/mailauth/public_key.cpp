#include "common/mailauth/public_key.hpp"

#include <openssl/x509.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/dkim/key_record.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

using Clock = std::chrono::steady_clock;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using SharedPkey = std::shared_ptr<EVP_PKEY>;

// A process-wide map, bounded by emptying it when full; never destroyed, since keys must
// not be freed after OpenSSL's own exit handler has run.
template <class Value>
class BoundedMap {
public:
    static constexpr std::size_t kMaxEntries = 256;

    std::optional<Value> find(const std::string& id) {
        std::lock_guard lock(mutex_);
        auto it = map_.find(id);
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    void put(std::string id, Value value) {
        std::lock_guard lock(mutex_);
        if (map_.size() >= kMaxEntries) map_.clear();
        map_.insert_or_assign(std::move(id), std::move(value));
    }
    static BoundedMap& instance() {
        static auto* map = new BoundedMap;
        return *map;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, Value> map_;
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

SharedPkey decode(const dkim::KeyRecord& record) {
    const bool ed25519 = record.type == dkim::KeyType::Ed25519;
    std::string id = (ed25519 ? "e" : "r") + record.public_key;
    auto& decoded = BoundedMap<SharedPkey>::instance();
    if (auto kept = decoded.find(id)) return *kept;
    Pkey fresh = ed25519 ? ed25519_key(record.public_key) : rsa_key(record.public_key);
    if (!fresh) return nullptr;
    SharedPkey key(fresh.release(), PkeyFree{});
    decoded.put(std::move(id), key);
    return key;
}

// What a key record name publishes, whatever the signature: the first key record among
// its TXT records (§6.1.2 step 4 lets us choose), its key decoded.
struct Published {
    std::optional<dkim::KeyRecord> record;  // p='s bytes dropped once decoded
    std::string problem;                    // no key record: the first record's syntax error
    SharedPkey key;                         // null: p= is not a key of the record's k=
    Clock::time_point expires;
};

Published read_answer(const dns::DnsAnswer& answer) {
    Published out;
    for (const auto& txt : answer.records) {
        auto k = dkim::parse_key_record(txt);
        if (k) {
            out.record = std::move(*k);
            break;
        }
        if (out.problem.empty()) out.problem = k.error().message;
    }
    if (out.record && !out.record->revoked) out.key = decode(*out.record);
    if (out.record) out.record->public_key = std::string();
    return out;
}

PublicKey refused(DkimVerdict v, std::string reason) {
    PublicKey k;
    k.verdict = v;
    k.reason = std::move(reason);
    return k;
}

}  // namespace

PublicKey fetch_public_key(dns::DnsClient& dns, const dkim::Signature& sig) {
    const std::string name = text::to_lower(sig.selector + "._domainkey." + sig.domain);
    auto& published = BoundedMap<Published>::instance();
    std::optional<Published> found = published.find(name);
    if (found && found->expires <= Clock::now()) found.reset();
    if (!found) {
        const dns::DnsAnswer answer = dns.lookup(name, dns::RecordType::TXT);
        if (answer.status == dns::DnsAnswer::Status::TempFail) {
            return refused(DkimVerdict::TempError, "key unavailable: DNS lookup of " + name + " failed");
        }
        if (answer.is_void()) return refused(DkimVerdict::PermError, "no key for signature at " + name);
        found = read_answer(answer);
        found->expires = Clock::now() + std::chrono::seconds(answer.ttl);
        if (answer.ttl > 0) published.put(name, *found);
    }
    const Published& p = *found;
    if (!p.record) return refused(DkimVerdict::PermError, "key syntax error: " + p.problem);
    const dkim::KeyRecord& record = *p.record;
    PublicKey out;
    out.testing = record.testing;
    auto refuse = [&](DkimVerdict v, std::string reason) {
        out.verdict = v;
        out.reason = std::move(reason);
        return out;
    };
    if (!record.for_email) return refuse(DkimVerdict::PermError, "key is not for email (s=)");
    if (!record.allows_sha256) return refuse(DkimVerdict::PermError, "inappropriate hash algorithm (key h=)");
    if (record.revoked) return refuse(DkimVerdict::Fail, "key revoked");
    const bool ed25519 = sig.algorithm == dkim::SigAlgorithm::Ed25519Sha256;
    if ((record.type == dkim::KeyType::Ed25519) != ed25519) {
        return refuse(DkimVerdict::PermError, "inappropriate key algorithm (k= does not match a=)");
    }
    // t=s (rfc6376.txt:1554): the AUID's domain must be d= itself.
    if (record.strict && text::to_lower(sig.auid.substr(sig.auid.rfind('@') + 1)) != sig.domain) {
        return refuse(DkimVerdict::PermError, "key allows no subdomain in i= (t=s)");
    }
    if (!p.key) {
        return refuse(DkimVerdict::PermError,
                      ed25519 ? "key data is not an Ed25519 key" : "key data is not an RSA key");
    }
    // RFC 8301 §3.2 (rfc8301.txt:113): RSA keys under 1024 bits are not valid.
    if (!ed25519 && EVP_PKEY_get_bits(p.key.get()) < 1024) {
        return refuse(DkimVerdict::PermError, "RSA key under 1024 bits (RFC 8301)");
    }
    out.key = p.key;
    out.verdict = DkimVerdict::Pass;
    return out;
}

}  // namespace mr::mailauth
