// mr::acme JWS pieces (RFC 7515 / RFC 8555 §6.2): base64url, the ES256 account key, its JWK
// and thumbprint (RFC 7638), and flattened JWS objects. Pure computation: no I/O.
//
// Invariants:
// - The account key is ECDSA P-256; signatures are the raw 64-byte r||s form JWS wants
//   (RFC 7518 §3.4), not OpenSSL's DER.
// - The JWK is written with its members in lexicographic order and no white space, so the
//   same text is both the "jwk" header and the thumbprint input.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

using EVP_PKEY = struct evp_pkey_st;

namespace mr::acme {

std::string base64url(std::string_view bytes);

struct PkeyFree {
    void operator()(EVP_PKEY* k) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A new P-256 key (account key and certificate key alike).
Result<PkeyPtr> generate_p256();
Result<PkeyPtr> key_from_pem(std::string_view pem);
std::string key_to_pem(EVP_PKEY* key);

class AccountKey {
public:
    explicit AccountKey(PkeyPtr key) : key_(std::move(key)) {}
    // {"crv":"P-256","kty":"EC","x":"...","y":"..."}
    const std::string& jwk() const;
    // base64url(SHA-256(jwk())), RFC 7638.
    std::string thumbprint() const;
    // token "." thumbprint (RFC 8555 §8.1).
    std::string key_authorization(std::string_view token) const;
    // Raw r||s ES256 signature over `signing_input`.
    Result<std::string> sign(std::string_view signing_input) const;
    EVP_PKEY* raw() const { return key_.get(); }

private:
    PkeyPtr key_;
    mutable std::string jwk_;
};

// A flattened JWS JSON object; `kid` empty means the "jwk" header (newAccount); an empty
// `payload` is the POST-as-GET form (RFC 8555 §6.3).
Result<std::string> make_jws(const AccountKey& key, std::string_view url, std::string_view nonce,
                             std::string_view kid, std::string_view payload);

}  // namespace mr::acme
