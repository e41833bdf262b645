// See certificate.hpp.
#include "common/acme/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace mr::acme {

Result<std::string> make_csr(EVP_PKEY* key, const std::vector<std::string>& names) {
    if (names.empty()) return Error::syntax("a certificate needs at least one name");
    X509_REQ* req = X509_REQ_new();
    X509_NAME* subject = X509_NAME_new();
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1, 0);
    X509_REQ_set_subject_name(req, subject);
    X509_NAME_free(subject);
    X509_REQ_set_version(req, 0);
    X509_REQ_set_pubkey(req, key);
    std::string san;
    for (const auto& n : names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    bool ok = ext != nullptr;
    if (ok) {
        sk_X509_EXTENSION_push(exts, ext);
        ok = X509_REQ_add_extensions(req, exts) == 1 && X509_REQ_sign(req, key, EVP_sha256()) > 0;
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    std::string der;
    if (ok) {
        unsigned char* buf = nullptr;
        int n = i2d_X509_REQ(req, &buf);
        if (n > 0) der.assign(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
        OPENSSL_free(buf);
    }
    X509_REQ_free(req);
    if (der.empty()) return Error::internal("cannot build the CSR");
    return der;
}

Result<CertInfo> read_certificate(std::string_view pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (cert == nullptr) return Error::syntax("not a PEM certificate");
    CertInfo info;
    tm t{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &t) == 1) info.not_after = timegm(&t);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    if (bn != nullptr) {
        char* hex = BN_bn2hex(bn);
        info.serial_hex = hex;
        OPENSSL_free(hex);
        BN_free(bn);
    }
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
        if (gn->type != GEN_DNS) continue;
        const ASN1_STRING* s = gn->d.dNSName;
        info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(sans);
    X509_free(cert);
    return info;
}

Result<std::string> make_alpn_challenge_pem(EVP_PKEY* key, const std::string& name,
                                            std::string_view key_authorization) {
    // id-pe-acmeIdentifier, RFC 8737 §6.1; its value is an OCTET STRING of the digest.
    unsigned char der[2 + SHA256_DIGEST_LENGTH] = {0x04, SHA256_DIGEST_LENGTH};
    SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(), der + 2);
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(cert, subject);
    X509_set_pubkey(cert, key);
    const std::string san = "DNS:" + name;
    X509_EXTENSION* san_ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, der, sizeof der);
    X509_EXTENSION* acme_ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
    bool ok = san_ext != nullptr && acme_ext != nullptr && X509_add_ext(cert, san_ext, -1) == 1 &&
              X509_add_ext(cert, acme_ext, -1) == 1 && X509_sign(cert, key, EVP_sha256()) > 0;
    X509_EXTENSION_free(san_ext);
    X509_EXTENSION_free(acme_ext);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(oid);
    std::string out;
    if (ok) {
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(bio, cert);
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        out.assign(data, static_cast<std::size_t>(n));
        BIO_free(bio);
        out += key_to_pem(key);
    }
    X509_free(cert);
    if (out.empty()) return Error::internal("cannot build the tls-alpn-01 certificate");
    return out;
}

std::vector<std::string> certificate_names(std::string_view hostname, const std::vector<std::string>& domains) {
    std::vector<std::string> out;
    auto add = [&](std::string n) {
        std::transform(n.begin(), n.end(), n.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        while (!n.empty() && n.back() == '.') n.pop_back();
        if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
    };
    add(std::string(hostname));
    for (const auto& d : domains) {
        for (const char* prefix : {"autoconfig.", "autodiscover.", "mta-sts."}) add(prefix + d);
    }
    return out;
}

bool renewal_due(const CertInfo& cert, const std::vector<std::string>& wanted, std::time_t now) {
    constexpr std::time_t kRenewBefore = 30 * 86400;
    if (cert.not_after - now < kRenewBefore) return true;
    for (const auto& n : wanted) {
        if (std::find(cert.dns_names.begin(), cert.dns_names.end(), n) == cert.dns_names.end()) return true;
    }
    return false;
}

}  // namespace mr::acme
