// A DKIM signing key of one domain and selector, and the record that publishes it.
//
// Invariants:
//  - Two algorithms only: rsa-sha256 (RSA of at least 1024 bits; we make 2048, RFC 8301 §3.2,
//    rfc8301.txt:113) and ed25519-sha256 (RFC 8463 §3, rfc8463.txt:107). rsa-sha1 is never
//    produced (RFC 8301 §3.1).
//  - Private keys are PKCS#8 PEM files; save_private_key() writes them with the mode asked
//    (the caller decides the owner: root, readable by the daemons' group).
//  - The DNS record is "v=DKIM1; k=...; p=...": for RSA p= is the base64 of the
//    SubjectPublicKeyInfo (RFC 6376 §3.6.1, rfc6376.txt:1430), for Ed25519 the base64 of the
//    32 raw public key bytes (RFC 8463 §4.2, rfc8463.txt:140).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace mr::dkim {

enum class Algorithm : std::uint8_t { Ed25519Sha256, RsaSha256 };

// "ed25519-sha256" / "rsa-sha256", the a= tag.
std::string_view algorithm_tag(Algorithm a);
// "ed25519" / "rsa", the k= tag.
std::string_view key_type_tag(Algorithm a);

class SigningKey {
public:
    static Result<SigningKey> generate(Algorithm algorithm);
    static Result<SigningKey> load(const std::filesystem::path& pem_file);

    Result<void> save_private_key(const std::filesystem::path& pem_file, std::filesystem::perms mode) const;

    Algorithm algorithm() const { return algorithm_; }
    // The TXT record value for <selector>._domainkey.<domain>.
    Result<std::string> dns_record() const;
    // Signs `data` as the algorithm says: RSA over SHA-256 of data (PKCS#1 v1.5); Ed25519
    // over data itself, which for DKIM is already the SHA-256 hash (RFC 8463 §3).
    Result<std::string> sign(std::string_view data) const;

    EVP_PKEY* pkey() const { return key_.get(); }

private:
    struct Free {
        void operator()(EVP_PKEY* k) const;
    };
    SigningKey(Algorithm a, EVP_PKEY* k) : algorithm_(a), key_(k) {}

    Algorithm algorithm_;
    std::unique_ptr<EVP_PKEY, Free> key_;
};

}  // namespace mr::dkim
