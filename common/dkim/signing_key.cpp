#include "common/dkim/signing_key.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include "common/dkim/base64.hpp"

namespace mr::dkim {

namespace {

Error ssl_error(std::string what) { return Error::internal("dkim: " + std::move(what)); }

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string_view algorithm_tag(Algorithm a) {
    return a == Algorithm::Ed25519Sha256 ? "ed25519-sha256" : "rsa-sha256";
}

std::string_view key_type_tag(Algorithm a) { return a == Algorithm::Ed25519Sha256 ? "ed25519" : "rsa"; }

void SigningKey::Free::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

Result<SigningKey> SigningKey::generate(Algorithm algorithm) {
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(
        EVP_PKEY_CTX_new_id(algorithm == Algorithm::Ed25519Sha256 ? EVP_PKEY_ED25519 : EVP_PKEY_RSA, nullptr));
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return ssl_error("keygen init failed");
    if (algorithm == Algorithm::RsaSha256 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) <= 0) {
        return ssl_error("cannot set RSA key size");
    }
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_keygen(ctx.get(), &key) <= 0) return ssl_error("key generation failed");
    return SigningKey(algorithm, key);
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& pem_file) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(pem_file.c_str(), "r"));
    if (!bio) return Error::system(errno, "cannot read DKIM key " + pem_file.string());
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (key == nullptr) return Error::syntax("not a PEM private key: " + pem_file.string());
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
        return SigningKey(Algorithm::Ed25519Sha256, key);
    case EVP_PKEY_RSA:
        if (EVP_PKEY_get_bits(key) < 1024) break;
        return SigningKey(Algorithm::RsaSha256, key);
    default:
        break;
    }
    EVP_PKEY_free(key);
    return Error::syntax("DKIM key is neither Ed25519 nor RSA of 1024 bits or more: " + pem_file.string());
}

Result<void> SigningKey::save_private_key(const std::filesystem::path& pem_file, std::filesystem::perms mode) const {
    // Created with the final mode: the key is never readable by others, not even briefly.
    const int fd = ::open(pem_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                          static_cast<mode_t>(mode & std::filesystem::perms::mask));
    if (fd < 0) return Error::system(errno, "cannot create " + pem_file.string());
    FILE* f = fdopen(fd, "w");
    if (f == nullptr) {
        ::close(fd);
        return Error::system(errno, "cannot write " + pem_file.string());
    }
    const bool ok = PEM_write_PKCS8PrivateKey(f, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    const bool flushed = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok || !flushed) return Error::system(errno, "cannot write " + pem_file.string());
    return {};
}

Result<std::string> SigningKey::dns_record() const {
    std::string raw;
    if (algorithm_ == Algorithm::Ed25519Sha256) {
        std::size_t len = 0;
        if (EVP_PKEY_get_raw_public_key(key_.get(), nullptr, &len) != 1) return ssl_error("no raw public key");
        raw.resize(len);
        if (EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) != 1) {
            return ssl_error("no raw public key");
        }
    } else {
        const int len = i2d_PUBKEY(key_.get(), nullptr);
        if (len <= 0) return ssl_error("cannot encode public key");
        raw.resize(static_cast<std::size_t>(len));
        auto* p = reinterpret_cast<unsigned char*>(raw.data());
        if (i2d_PUBKEY(key_.get(), &p) != len) return ssl_error("cannot encode public key");
    }
    return "v=DKIM1; k=" + std::string(key_type_tag(algorithm_)) + "; p=" + base64_encode(raw);
}

Result<std::string> SigningKey::sign(std::string_view data) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx) return ssl_error("out of memory");
    const EVP_MD* md = algorithm_ == Algorithm::RsaSha256 ? EVP_sha256() : nullptr;
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) return ssl_error("sign init failed");
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return ssl_error("sign failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
        return ssl_error("sign failed");
    }
    sig.resize(len);
    return sig;
}

}  // namespace mr::dkim
