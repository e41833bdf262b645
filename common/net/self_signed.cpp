// See self_signed.hpp.
#include "common/net/self_signed.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include "common/net/tls_context.hpp"

namespace mr::net {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool valid_hostname(const std::string& h) {
    if (h.empty() || h.size() > 253) return false;
    for (unsigned char c : h) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == ':' || c == '*' || c == '_';
        if (!ok) return false;
    }
    return true;
}

bool add_ext(X509* x, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return false;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1;
}

bool add_san(X509* x, const std::string& host) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) return false;
    if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str())) {
        GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
    } else {
        ERR_clear_error();  // not an IP literal: a DNS name
        ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
        if (dns == nullptr || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
            ASN1_IA5STRING_free(dns);
            GENERAL_NAME_free(name);
            return false;
        }
        GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    }
    GENERAL_NAMES* names = GENERAL_NAMES_new();
    if (names == nullptr || sk_GENERAL_NAME_push(names, name) == 0) {
        GENERAL_NAME_free(name);
        GENERAL_NAMES_free(names);
        return false;
    }
    int ok = X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(names);
    return ok == 1;
}

Result<X509Ptr> make_certificate(const std::string& host, EVP_PKEY* key) {
    X509Ptr x(X509_new());
    if (!x) return Error::internal("X509_new: " + openssl_errors());
    X509_set_version(x.get(), 2);  // v3, needed for extensions

    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) return Error::internal("RAND_bytes failed");
    serial[0] &= 0x7f;  // positive, as RFC 5280 §4.1.2.2 requires
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get())) != nullptr;
    BN_free(bn);
    if (!serial_ok) return Error::internal("serial: " + openssl_errors());

    constexpr long kTenYearsDays = 3653;
    if (X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(x.get()), kTenYearsDays, 0, nullptr) == nullptr) {
        return Error::internal("validity: " + openssl_errors());
    }

    X509_NAME* subject = X509_get_subject_name(x.get());
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x.get(), subject) != 1 || X509_set_pubkey(x.get(), key) != 1) {
        return Error::internal("subject: " + openssl_errors());
    }
    bool rsa = EVP_PKEY_is_a(key, "RSA") == 1;
    if (!add_san(x.get(), host) || !add_ext(x.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x.get(), NID_key_usage,
                 rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") ||
        !add_ext(x.get(), NID_ext_key_usage, "serverAuth") ||
        !add_ext(x.get(), NID_subject_key_identifier, "hash")) {
        return Error::internal("extensions: " + openssl_errors());
    }
    if (X509_sign(x.get(), key, EVP_sha256()) == 0) {
        return Error::internal("X509_sign: " + openssl_errors());
    }
    return x;
}

// Writes via a temporary file created with `mode` (so the final name never holds a partial or
// over-permissive file), fsyncs, then renames into place.
Result<void> write_pem(const std::filesystem::path& path, mode_t mode,
                       const std::function<bool(FILE*)>& write) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return Error::internal("cannot create " + tmp.string() + ": " + std::strerror(errno));
    ::fchmod(fd, mode);  // the umask may have removed bits we want (0644 for the certificate)
    FILE* f = ::fdopen(fd, "w");
    if (f == nullptr) {
        ::close(fd);
        return Error::internal("fdopen: " + std::string(std::strerror(errno)));
    }
    bool ok = write(f) && std::fflush(f) == 0 && ::fsync(fd) == 0;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return Error::internal("cannot write " + path.string() + ": " + openssl_errors());
    }
    return {};
}

}  // namespace

Result<void> generate_self_signed(const std::string& hostname, const std::filesystem::path& cert,
                                  const std::filesystem::path& key, KeyType type) {
    if (!valid_hostname(hostname)) return Error::syntax("bad host name for certificate: " + hostname);
    ERR_clear_error();
    PkeyPtr pkey(type == KeyType::Rsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
    if (!pkey) return Error::internal("key generation: " + openssl_errors());
    auto x = make_certificate(hostname, pkey.get());
    if (!x) return x.error();

    auto key_written = write_pem(key, 0600, [&](FILE* f) {
        return PEM_write_PrivateKey(f, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
    if (!key_written) return key_written;
    return write_pem(cert, 0644, [&](FILE* f) { return PEM_write_X509(f, x->get()) == 1; });
}

}  // namespace mr::net
