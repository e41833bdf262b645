// See jws.hpp.
#include "common/acme/jws.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace mr::acme {

void PkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

std::string base64url(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (i + 2 == bytes.size()) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

Result<PkeyPtr> generate_p256() {
    EVP_PKEY* k = EVP_EC_gen("P-256");
    if (k == nullptr) return Error::internal("cannot generate a P-256 key");
    return PkeyPtr(k);
}

Result<PkeyPtr> key_from_pem(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (k == nullptr) return Error::syntax("not a PEM private key");
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC) {
        EVP_PKEY_free(k);
        return Error::syntax("not an EC key");
    }
    return PkeyPtr(k);
}

std::string key_to_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

namespace {

std::string bn_32(const BIGNUM* bn) {
    std::string out(32, '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
    return out;
}

std::string sha256(std::string_view data) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
    return std::string(reinterpret_cast<char*>(md), sizeof md);
}

}  // namespace

const std::string& AccountKey::jwk() const {
    if (!jwk_.empty()) return jwk_;
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    jwk_ = R"({"crv":"P-256","kty":"EC","x":")" + base64url(bn_32(x)) + R"(","y":")" + base64url(bn_32(y)) + R"("})";
    BN_free(x);
    BN_free(y);
    return jwk_;
}

std::string AccountKey::thumbprint() const { return base64url(sha256(jwk())); }

std::string AccountKey::key_authorization(std::string_view token) const {
    return std::string(token) + "." + thumbprint();
}

Result<std::string> AccountKey::sign(std::string_view signing_input) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    std::string der(128, '\0');
    std::size_t der_len = der.size();
    bool ok = EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
              EVP_DigestSign(md, reinterpret_cast<unsigned char*>(der.data()), &der_len,
                             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) return Error::internal("ES256 signing failed");
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
    if (sig == nullptr) return Error::internal("ES256 signature is not DER");
    std::string raw = bn_32(ECDSA_SIG_get0_r(sig)) + bn_32(ECDSA_SIG_get0_s(sig));
    ECDSA_SIG_free(sig);
    return raw;
}

Result<std::string> make_jws(const AccountKey& key, std::string_view url, std::string_view nonce,
                             std::string_view kid, std::string_view payload) {
    nlohmann::json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
    if (kid.empty()) {
        header["jwk"] = nlohmann::json::parse(key.jwk());
    } else {
        header["kid"] = kid;
    }
    const std::string protected64 = base64url(header.dump());
    const std::string payload64 = base64url(payload);
    auto sig = key.sign(protected64 + "." + payload64);
    if (!sig) return sig.error();
    nlohmann::json jws = {{"protected", protected64}, {"payload", payload64}, {"signature", base64url(*sig)}};
    return jws.dump();
}

}  // namespace mr::acme
