#include <doctest/doctest.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/acme/certificate.hpp"
#include "common/acme/jws.hpp"
#include "common/acme/messages.hpp"
#include "common/acme/store.hpp"

using namespace mr::acme;

namespace {

std::string unbase64url(std::string s) {
    for (auto& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (s.size() % 4) s += '=';
    std::string out(s.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                            static_cast<int>(s.size()));
    out.resize(static_cast<std::size_t>(n) - std::count(s.begin(), s.end(), '='));
    return out;
}

// A fixed P-256 key; its JWK and RFC 7638 thumbprint below were computed independently
// with Python's cryptography package (sorted-key compact JSON, SHA-256, base64url).
constexpr const char* kFixedKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
    "H1136cspYG6+0PS7FSH4Q5wsZb2hRANCAASY/GQcAe360OEGGeyNrR9KTlnNZ5tK\n"
    "9/GqquQmYSqy6/utCTH/qug1TPqyJIcgn09MZdZhb7DYEOn/H+5KCIal\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace

TEST_CASE("base64url without padding (RFC 4648 §5 test vectors)") {
    CHECK(base64url("") == "");
    CHECK(base64url("f") == "Zg");
    CHECK(base64url("fo") == "Zm8");
    CHECK(base64url("foo") == "Zm9v");
    CHECK(base64url("foob") == "Zm9vYg");
    CHECK(base64url(std::string("\xfb\xff", 2)) == "-_8");
}

TEST_CASE("JWK and thumbprint of a fixed key") {
    auto k = key_from_pem(kFixedKeyPem);
    REQUIRE(k.ok());
    AccountKey key(std::move(*k));
    CHECK(key.jwk() ==
          R"({"crv":"P-256","kty":"EC","x":"mPxkHAHt-tDhBhnsja0fSk5ZzWebSvfxqqrkJmEqsus","y":"-60JMf-q6DVM-rIkhyCfT0xl1mFvsNgQ6f8f7koIhqU"})");
    CHECK(key.thumbprint() == "J-f4aO2giTmy93NsRw1hUrhlQTY7bgCkDghb3b_8OCw");
    CHECK(key.key_authorization("tok") == "tok." + key.thumbprint());
}

TEST_CASE("ES256 JWS verifies with the account key and carries jwk or kid") {
    auto k = generate_p256();
    REQUIRE(k.ok());
    AccountKey key(std::move(*k));
    auto jws = make_jws(key, "https://ca/new-acct", "nonce1", "", R"({"termsOfServiceAgreed":true})");
    REQUIRE(jws.ok());
    auto j = nlohmann::json::parse(*jws);
    auto header = nlohmann::json::parse(unbase64url(j["protected"]));
    CHECK(header["alg"] == "ES256");
    CHECK(header["nonce"] == "nonce1");
    CHECK(header["url"] == "https://ca/new-acct");
    CHECK(header["jwk"]["crv"] == "P-256");
    CHECK_FALSE(header.contains("kid"));
    CHECK(unbase64url(j["payload"]) == R"({"termsOfServiceAgreed":true})");
    // Verify the raw r||s signature with OpenSSL.
    std::string sig = unbase64url(j["signature"]);
    REQUIRE(sig.size() == 64);
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + 32), 32, nullptr));
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(es, &der);
    std::string input = j["protected"].get<std::string>() + "." + j["payload"].get<std::string>();
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key.raw());
    CHECK(EVP_DigestVerify(md, der, static_cast<std::size_t>(der_len), reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1);
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);

    auto post_as_get = make_jws(key, "https://ca/order/1", "n2", "https://ca/acct/7", "");
    REQUIRE(post_as_get.ok());
    auto g = nlohmann::json::parse(*post_as_get);
    CHECK(g["payload"] == "");
    auto gh = nlohmann::json::parse(unbase64url(g["protected"]));
    CHECK(gh["kid"] == "https://ca/acct/7");
    CHECK_FALSE(gh.contains("jwk"));
}

TEST_CASE("account key survives a PEM round trip") {
    auto k = generate_p256();
    REQUIRE(k.ok());
    AccountKey a(std::move(*k));
    auto again = key_from_pem(key_to_pem(a.raw()));
    REQUIRE(again.ok());
    CHECK(AccountKey(std::move(*again)).jwk() == a.jwk());
    CHECK_FALSE(key_from_pem("garbage").ok());
}

TEST_CASE("directory, order, authorization (RFC 8555 §7.1 examples)") {
    auto d = parse_directory(R"({"newNonce":"https://example.com/acme/new-nonce",
        "newAccount":"https://example.com/acme/new-account","newOrder":"https://example.com/acme/new-order",
        "meta":{"termsOfService":"https://example.com/acme/terms/2017-5-30"}})");
    REQUIRE(d.ok());
    CHECK(d->new_order == "https://example.com/acme/new-order");
    CHECK_FALSE(parse_directory(R"({"newNonce":"x"})").ok());
    CHECK_FALSE(parse_directory("not json").ok());
    CHECK_FALSE(parse_directory("[1,2]").ok());

    auto o = parse_order(R"({"status":"valid","expires":"2016-01-20T14:09:07.99Z",
        "identifiers":[{"type":"dns","value":"www.example.org"}],
        "authorizations":["https://example.com/acme/authz/PAniVnsZcis","https://example.com/acme/authz/r4HqLzrSrpI"],
        "finalize":"https://example.com/acme/order/TOlocE8rfgo/finalize",
        "certificate":"https://example.com/acme/cert/mAt3xBGaobw"})");
    REQUIRE(o.ok());
    CHECK(o->status == "valid");
    CHECK(o->authorizations.size() == 2);
    CHECK(o->certificate == "https://example.com/acme/cert/mAt3xBGaobw");
    CHECK_FALSE(parse_order(R"({"status":"pending"})").ok());

    auto a = parse_authorization(R"({"status":"pending","expires":"2016-01-02T14:09:30Z",
        "identifier":{"type":"dns","value":"www.example.org"},
        "challenges":[{"type":"http-01","url":"https://example.com/acme/chall/prV_B7yEyA4",
          "token":"DGyRejmCefe7v4NfDGDKfA"},
          {"type":"dns-01","url":"https://example.com/acme/chall/Rg5dV14Gh1Q","token":"DGyRejmCefe7v4NfDGDKfA"}]})");
    REQUIRE(a.ok());
    CHECK(a->identifier == "www.example.org");
    REQUIRE(a->challenges.size() == 2);
    CHECK(a->challenges[0].type == "http-01");
    CHECK(a->challenges[0].token == "DGyRejmCefe7v4NfDGDKfA");
    auto failed = parse_authorization(R"({"status":"invalid","identifier":{"value":"a.org"},
        "challenges":[{"type":"http-01","status":"invalid","error":{"detail":"connection refused"}}]})");
    REQUIRE(failed.ok());
    CHECK(failed->error == "connection refused");
    CHECK(problem_text(R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})") ==
          "urn:ietf:params:acme:error:badNonce: stale");
}

TEST_CASE("request payloads") {
    auto acct = nlohmann::json::parse(new_account_payload("admin@example.org"));
    CHECK(acct["termsOfServiceAgreed"] == true);
    CHECK(acct["contact"][0] == "mailto:admin@example.org");
    CHECK_FALSE(nlohmann::json::parse(new_account_payload("")).contains("contact"));
    auto order = nlohmann::json::parse(new_order_payload({"a.org", "b.org"}));
    CHECK(order["identifiers"][1]["type"] == "dns");
    CHECK(order["identifiers"][1]["value"] == "b.org");
    CHECK(nlohmann::json::parse(finalize_payload("\x30\x82"))["csr"] == "MII");
    CHECK(retry_after_seconds("5", 1) == 5);
    CHECK(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 3) == 3);
    CHECK(retry_after_seconds("", 2) == 2);
}

TEST_CASE("certificate names, CSR with every name as SAN") {
    auto names = certificate_names("Mail.Example.ORG.", {"example.org", "example.net"});
    CHECK(names == std::vector<std::string>{"mail.example.org", "autoconfig.example.org", "autodiscover.example.org",
                                            "mta-sts.example.org", "autoconfig.example.net", "autodiscover.example.net",
                                            "mta-sts.example.net"});
    auto k = generate_p256();
    REQUIRE(k.ok());
    auto csr = make_csr(k->get(), names);
    REQUIRE(csr.ok());
    const unsigned char* p = reinterpret_cast<const unsigned char*>(csr->data());
    X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(csr->size()));
    REQUIRE(req != nullptr);
    CHECK(X509_REQ_verify(req, k->get()) == 1);
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
    auto* sans = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
    REQUIRE(sans != nullptr);
    CHECK(sk_GENERAL_NAME_num(sans) == 7);
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    CHECK_FALSE(make_csr(k->get(), {}).ok());
}

TEST_CASE("renewal is due without enough days left or with a missing name") {
    const std::time_t now = 1'800'000'000;
    CertInfo c{now + 60 * 86400, "01", {"mail.example.org", "mta-sts.example.org"}};
    CHECK_FALSE(renewal_due(c, {"mail.example.org"}, now));
    CHECK(renewal_due(c, {"mail.example.org", "autoconfig.example.org"}, now));
    c.not_after = now + 29 * 86400;
    CHECK(renewal_due(c, {"mail.example.org"}, now));
    CHECK_FALSE(read_certificate("nope").ok());
}

TEST_CASE("challenge tokens that may name a file") {
    CHECK(valid_token("DGyRejmCefe7v4NfDGDKfA"));
    CHECK(valid_token("a-b_c"));
    CHECK_FALSE(valid_token(""));
    CHECK_FALSE(valid_token("../etc/passwd"));
    CHECK_FALSE(valid_token("a.b"));
    CHECK_FALSE(valid_token(std::string(300, 'a')));
}

TEST_CASE("tls-alpn-01 certificate: SAN and the critical acmeIdentifier digest (RFC 8737 §3)") {
    auto k = generate_p256();
    REQUIRE(k.ok());
    auto pem = make_alpn_challenge_pem(k->get(), "mx.example.org", "tok.thumb");
    REQUIRE(pem.ok());
    CHECK(pem->find("PRIVATE KEY") != std::string::npos);
    auto info = read_certificate(*pem);
    REQUIRE(info.ok());
    CHECK(info->dns_names == std::vector<std::string>{"mx.example.org"});
    BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    REQUIRE(cert != nullptr);
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    const int at = X509_get_ext_by_OBJ(cert, oid, -1);
    REQUIRE(at >= 0);
    X509_EXTENSION* ext = X509_get_ext(cert, at);
    CHECK(X509_EXTENSION_get_critical(ext) == 1);
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
    unsigned char digest[32];
    SHA256(reinterpret_cast<const unsigned char*>("tok.thumb"), 9, digest);
    std::string want = std::string("\x04\x20", 2) + std::string(reinterpret_cast<char*>(digest), 32);
    CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                      static_cast<std::size_t>(ASN1_STRING_length(value))) == want);
    ASN1_OBJECT_free(oid);
    X509_free(cert);
    CHECK(valid_name("mx.example.org"));
    CHECK_FALSE(valid_name("../x"));
    CHECK_FALSE(valid_name(""));
    CHECK_FALSE(valid_name("a/b"));
}
