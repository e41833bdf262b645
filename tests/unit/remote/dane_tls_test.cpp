// DANE TLSA matching (deliverd/remote/dane_tls over OpenSSL's DANE support) with real
// certificates made here and real TLS handshakes between two in-memory TlsEngines.
#include "deliverd/remote/dane_tls.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "common/net/tls_engine.hpp"
#include "deliverd/tls_policy/dane.hpp"

namespace {

using mr::deliverd::dane_tls_context;
using mr::deliverd::tls_policy::TlsaRecord;
using mr::net::TlsEngine;

struct Cert {
    EVP_PKEY* key = nullptr;
    X509* x509 = nullptr;
    ~Cert() {
        X509_free(x509);
        EVP_PKEY_free(key);
    }
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// A P-256 certificate for `dns_name`, signed by `issuer` (self-signed when null), valid
// from now-offset_days to now+days.
void make_cert(Cert& c, const char* dns_name, const Cert* issuer, bool ca, long from_days, long to_days) {
    c.key = EVP_EC_gen("P-256");
    c.x509 = X509_new();
    X509_set_version(c.x509, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(c.x509), serial++);
    X509_gmtime_adj(X509_getm_notBefore(c.x509), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(c.x509), to_days * 86400);
    X509_set_pubkey(c.x509, c.key);
    X509_NAME* name = X509_get_subject_name(c.x509);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(dns_name), -1, -1, 0);
    X509* signer = issuer != nullptr ? issuer->x509 : c.x509;
    X509_set_issuer_name(c.x509, X509_get_subject_name(signer));
    if (ca) {
        add_ext(c.x509, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c.x509, signer, NID_key_usage, "critical,keyCertSign");
    } else {
        add_ext(c.x509, signer, NID_subject_alt_name, (std::string("DNS:") + dns_name).c_str());
    }
    X509_sign(c.x509, issuer != nullptr ? issuer->key : c.key, EVP_sha256());
}

std::vector<std::uint8_t> der_cert(X509* x) {
    unsigned char* buf = nullptr;
    int n = i2d_X509(x, &buf);
    std::vector<std::uint8_t> out(buf, buf + n);
    OPENSSL_free(buf);
    return out;
}

std::vector<std::uint8_t> der_spki(X509* x) {
    unsigned char* buf = nullptr;
    int n = i2d_PUBKEY(X509_get0_pubkey(x), &buf);
    std::vector<std::uint8_t> out(buf, buf + n);
    OPENSSL_free(buf);
    return out;
}

std::vector<std::uint8_t> digest(const std::vector<std::uint8_t>& in, const EVP_MD* md) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned n = 0;
    EVP_Digest(in.data(), in.size(), out.data(), &n, md, nullptr);
    out.resize(n);
    return out;
}

TlsaRecord tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t mtype, X509* x) {
    auto data = selector == 0 ? der_cert(x) : der_spki(x);
    if (mtype == 1) data = digest(data, EVP_sha256());
    if (mtype == 2) data = digest(data, EVP_sha512());
    return {usage, selector, mtype, data};
}

// The server presents `chain` (leaf first) with the leaf's key.
struct Server {
    std::filesystem::path dir;
    std::shared_ptr<mr::net::TlsContext> ctx;

    Server(const Cert& leaf, const Cert* ca) {
        dir = std::filesystem::temp_directory_path() / ("dane-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        FILE* f = std::fopen((dir / "cert.pem").c_str(), "w");
        PEM_write_X509(f, leaf.x509);
        if (ca != nullptr) PEM_write_X509(f, ca->x509);
        std::fclose(f);
        f = std::fopen((dir / "key.pem").c_str(), "w");
        PEM_write_PrivateKey(f, leaf.key, nullptr, nullptr, 0, nullptr, nullptr);
        std::fclose(f);
        auto made = mr::net::TlsContext::server(dir / "cert.pem", dir / "key.pem");
        REQUIRE(made);
        ctx = *made;
    }
    ~Server() { std::filesystem::remove_all(dir); }
};

// A full handshake between a DANE client for mx.example.org and `server`; the client's
// error when it fails.
std::string handshake(const Server& server, const std::vector<TlsaRecord>& records,
                      const std::string& mx = "mx.example.org") {
    auto client_ctx = dane_tls_context(mx, records);
    REQUIRE(client_ctx);
    auto client = TlsEngine::create(*client_ctx, mx);
    auto srv = TlsEngine::create(server.ctx);
    REQUIRE(client);
    REQUIRE(srv);
    for (int round = 0; round < 20; ++round) {
        auto cs = (*client)->handshake();
        std::string bytes;
        (*client)->take_output(bytes);
        if (cs == TlsEngine::Status::Failed) return (*client)->error().empty() ? "failed" : (*client)->error();
        (*srv)->feed(bytes);
        auto ss = (*srv)->handshake();
        bytes.clear();
        (*srv)->take_output(bytes);
        (*client)->feed(bytes);
        if (cs == TlsEngine::Status::Done && ss == TlsEngine::Status::Done) return "";
        if (ss == TlsEngine::Status::Failed && cs == TlsEngine::Status::Done) return "server failed";
    }
    return "no progress";
}

}  // namespace

TEST_CASE("DANE-EE(3): certificate or key, each matching type; names and dates not checked") {
    Cert leaf;
    // Expired, and named for another host: RFC 7672 §3.1.1 ignores both for DANE-EE.
    make_cert(leaf, "not-the-mx.example.net", nullptr, false, -30, -1);
    Server server(leaf, nullptr);
    for (std::uint8_t selector : {0, 1}) {
        for (std::uint8_t mtype : {0, 1, 2}) {
            CAPTURE(selector);
            CAPTURE(mtype);
            CHECK(handshake(server, {tlsa(3, selector, mtype, leaf.x509)}) == "");
        }
    }
    Cert other;
    make_cert(other, "mx.example.org", nullptr, false, -1, 30);
    auto err = handshake(server, {tlsa(3, 1, 1, other.x509)});
    CHECK(err != "");
    // One matching record among several is enough.
    CHECK(handshake(server, {tlsa(3, 1, 1, other.x509), tlsa(3, 1, 2, leaf.x509)}) == "");
}

TEST_CASE("DANE-TA(2): the chain must reach the matched anchor and name the MX host") {
    Cert ca;
    make_cert(ca, "Test TA", nullptr, true, -1, 30);
    Cert leaf;
    make_cert(leaf, "mx.example.org", &ca, false, -1, 30);
    Server server(leaf, &ca);
    CHECK(handshake(server, {tlsa(2, 0, 1, ca.x509)}) == "");
    CHECK(handshake(server, {tlsa(2, 1, 1, ca.x509)}) == "");
    // The leaf does not name this MX: DANE-TA needs the name (§3.2.2).
    CHECK(handshake(server, {tlsa(2, 0, 1, ca.x509)}, "mx2.example.org") != "");
    // Another anchor: no match.
    Cert other_ca;
    make_cert(other_ca, "Other TA", nullptr, true, -1, 30);
    CHECK(handshake(server, {tlsa(2, 0, 1, other_ca.x509)}) != "");
}

TEST_CASE("TLSA presentation form and usability") {
    using mr::deliverd::tls_policy::parse_tlsa;
    using mr::deliverd::tls_policy::usable;
    auto r = parse_tlsa("3 1 1 " + std::string(64, 'a'));
    REQUIRE(r);
    CHECK(r->usage == 3);
    CHECK(r->data.size() == 32);
    CHECK(usable(*r));
    CHECK_FALSE(usable(*parse_tlsa("1 1 1 " + std::string(64, 'a'))));  // PKIX-EE
    CHECK_FALSE(usable(*parse_tlsa("0 0 1 " + std::string(64, 'a'))));  // PKIX-TA
    CHECK_FALSE(usable(*parse_tlsa("3 1 1 abcd")));                      // short digest
    CHECK_FALSE(usable(*parse_tlsa("3 2 1 " + std::string(64, 'a'))));  // selector 2
    CHECK(usable(*parse_tlsa("2 0 2 " + std::string(128, 'F'))));
    CHECK_FALSE(parse_tlsa("3 1 1 abc"));
    CHECK_FALSE(parse_tlsa("3 1 1 zz"));
    CHECK_FALSE(parse_tlsa("300 1 1 aa"));
    CHECK_FALSE(parse_tlsa("3 1"));
}
