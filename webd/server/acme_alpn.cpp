// See acme_alpn.hpp.
#include "webd/server/acme_alpn.hpp"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "common/acme/store.hpp"
#include "common/log/log.hpp"

namespace mr::webd::server {

namespace {

constexpr unsigned char kAcmeTls[] = "acme-tls/1";
constexpr std::size_t kAcmeTlsLen = sizeof kAcmeTls - 1;

// Switches `ssl` to the validation certificate for its SNI name; false when there is none.
bool use_challenge_certificate(SSL* ssl, const std::filesystem::path& dir) {
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni == nullptr) return false;
    std::string name(sni);
    while (!name.empty() && name.back() == '.') name.pop_back();
    if (!acme::valid_name(name)) return false;
    auto pem = acme::read_file(dir / (name + ".alpn.pem"));
    if (!pem) return false;
    BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    const bool ok = cert != nullptr && key != nullptr && SSL_use_certificate(ssl, cert) == 1 &&
                    SSL_use_PrivateKey(ssl, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    if (ok) log::info("acme_tls_alpn", {{"name", name}});
    return ok;
}

int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
    const auto* dir = static_cast<const std::filesystem::path*>(arg);
    for (unsigned int i = 0; i < inlen;) {
        const unsigned int len = in[i];
        if (i + 1 + len > inlen) break;
        if (len == kAcmeTlsLen && std::string_view(reinterpret_cast<const char*>(in + i + 1), len) ==
                                      std::string_view(reinterpret_cast<const char*>(kAcmeTls), kAcmeTlsLen)) {
            if (!use_challenge_certificate(ssl, *dir)) return SSL_TLSEXT_ERR_ALERT_FATAL;
            *out = kAcmeTls;
            *outlen = static_cast<unsigned char>(kAcmeTlsLen);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

void answer_tls_alpn(net::TlsContext& tls, const std::filesystem::path& challenge_dir) {
    // Lives as long as the process: every context a reload makes points at it.
    static const std::filesystem::path* dir = new std::filesystem::path(challenge_dir);
    tls.configure([](SSL_CTX* ctx) {
        SSL_CTX_set_alpn_select_cb(ctx, select_alpn, const_cast<std::filesystem::path*>(dir));
    });
}

}  // namespace mr::webd::server
