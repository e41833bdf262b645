// Certificate generation, the memory-BIO engine in both roles, implicit TLS and STARTTLS.
#include <doctest/doctest.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>

#include "common/net/self_signed.hpp"
#include "common/net/tls_context.hpp"
#include "common/net/tls_engine.hpp"
#include "test_support.hpp"

using namespace mr::net;
using namespace mr::net::test;

namespace {

struct Pki {
    TempDir dir;
    std::filesystem::path cert = dir.path() / "cert.pem";
    std::filesystem::path key = dir.path() / "key.pem";
    std::shared_ptr<TlsContext> server;
    std::shared_ptr<TlsContext> client;  // trusts exactly our self-signed certificate

    explicit Pki(KeyType type = KeyType::EcP256) {
        REQUIRE(generate_self_signed("localhost", cert, key, type));
        auto s = TlsContext::server(cert, key);
        REQUIRE(s);
        server = *s;
        auto c = TlsContext::client({true, cert});
        REQUIRE(c);
        client = *c;
    }

    // A listener that speaks TLS from the first byte with this PKI's certificate.
    ListenerOptions implicit_tls() const {
        ListenerOptions o;
        o.connection.tls = server;
        o.connection.implicit_tls = true;
        return o;
    }
};

}  // namespace

TEST_CASE("self-signed: files, modes, SAN, 10-year validity, both key types") {
    for (KeyType type : {KeyType::EcP256, KeyType::Rsa2048}) {
        Pki pki(type);
        struct stat st{};
        REQUIRE(::stat(pki.key.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        REQUIRE(::stat(pki.cert.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0644);
        CHECK_FALSE(std::filesystem::exists(pki.key.string() + ".tmp"));

        FILE* f = std::fopen(pki.cert.c_str(), "r");
        REQUIRE(f);
        X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
        std::fclose(f);
        REQUIRE(x);
        CHECK(X509_check_host(x, "localhost", 0, 0, nullptr) == 1);
        CHECK(X509_check_host(x, "example.org", 0, 0, nullptr) != 1);
        int days = 0, secs = 0;
        REQUIRE(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x)) == 1);
        CHECK(days > 3640);
        X509_free(x);
    }
}

TEST_CASE("self-signed: an IP host gets an IP SAN; odd host names are refused") {
    TempDir dir;
    REQUIRE(generate_self_signed("127.0.0.1", dir.path() / "c.pem", dir.path() / "k.pem"));
    FILE* f = std::fopen((dir.path() / "c.pem").c_str(), "r");
    REQUIRE(f);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(x);
    CHECK(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
    X509_free(x);
    CHECK_FALSE(generate_self_signed("a,DNS:evil.example", dir.path() / "c.pem", dir.path() / "k.pem"));
    CHECK_FALSE(generate_self_signed("", dir.path() / "c.pem", dir.path() / "k.pem"));
}

TEST_CASE("tls context: missing or mismatched key fails at start-up") {
    Pki a, b;
    CHECK_FALSE(TlsContext::server(a.cert, a.dir.path() / "nope.pem"));
    CHECK_FALSE(TlsContext::server(a.cert, b.key));
}

TEST_CASE("tls engine: client and server engines talk through memory only") {
    Pki pki;
    auto server = TlsEngine::create(pki.server);
    auto client = TlsEngine::create(pki.client, "localhost");
    REQUIRE(server);
    REQUIRE(client);
    TlsEngine& s = **server;
    TlsEngine& c = **client;
    for (int round = 0; round < 10 && !(s.handshake_done() && c.handshake_done()); ++round) {
        std::string wire;
        CHECK(c.handshake() != TlsEngine::Status::Failed);
        c.take_output(wire);
        s.feed(wire);
        wire.clear();
        CHECK(s.handshake() != TlsEngine::Status::Failed);
        s.take_output(wire);
        c.feed(wire);
    }
    REQUIRE(s.handshake_done());
    REQUIRE(c.handshake_done());
    CHECK(s.version() == "TLSv1.3");

    std::string wire, plain;
    REQUIRE(c.write("a1 NOOP\r\n"));
    c.take_output(wire);
    CHECK(wire.find("NOOP") == std::string::npos);  // encrypted on the wire
    s.feed(wire);
    CHECK(s.read(plain) == TlsEngine::Status::NeedMore);
    CHECK(plain == "a1 NOOP\r\n");

    wire.clear();
    plain.clear();
    c.shutdown();
    c.take_output(wire);
    s.feed(wire);
    CHECK(s.read(plain) == TlsEngine::Status::PeerClosed);
}

TEST_CASE("tls engine: a client that does not trust the certificate fails the handshake") {
    Pki a, b;
    auto server = TlsEngine::create(a.server);
    auto client = TlsEngine::create(b.client, "localhost");  // trusts b's certificate only
    REQUIRE(server);
    REQUIRE(client);
    TlsEngine::Status last = TlsEngine::Status::NeedMore;
    for (int round = 0; round < 10 && last == TlsEngine::Status::NeedMore; ++round) {
        std::string wire;
        last = (*client)->handshake();
        (*client)->take_output(wire);
        (*server)->feed(wire);
        wire.clear();
        (*server)->handshake();
        (*server)->take_output(wire);
        (*client)->feed(wire);
    }
    CHECK(last == TlsEngine::Status::Failed);
    CHECK((*client)->error().find("verify") != std::string::npos);
}

TEST_CASE("tls: implicit TLS listener, greeting only after the handshake") {
    Pki pki;
    TestServer s(pki.implicit_tls());
    REQUIRE(s.start());

    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    REQUIRE(c->start_tls(pki.client->raw(), "localhost"));
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("TLS?\r\n"));
    CHECK(c->read_line() == "tls TLSv1.3");
    REQUIRE(c->send("QUIT\r\n"));
    CHECK(c->read_line() == "bye");
    CHECK(c->wait_eof());

    SUBCASE("TLS 1.2 clients are served too") {
        auto ctx = TlsContext::client({false, {}});
        REQUIRE(ctx);
        SSL_CTX_set_max_proto_version((*ctx)->raw(), TLS1_2_VERSION);
        auto d = Client::connect("127.0.0.1", s.port());
        REQUIRE(d);
        REQUIRE(d->start_tls((*ctx)->raw(), "localhost"));
        CHECK(d->read_line() == "hello");
        CHECK(d->tls_version() == "TLSv1.2");
    }
    SUBCASE("a plaintext client on the TLS port is dropped without reaching the handler") {
        auto d = Client::connect("127.0.0.1", s.port());
        REQUIRE(d);
        REQUIRE(d->send("EHLO plaintext\r\n"));
        CHECK(d->wait_eof());
        CHECK_FALSE(s.rec.contains("line:EHLO plaintext"));
        CHECK(s.rec.count("start") == 1);
    }
}

TEST_CASE("tls: bulk data both ways, with back-pressure under TLS") {
    Pki pki;
    TestServer s(pki.implicit_tls());
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port(), "", 16 * 1024);
    REQUIRE(c);
    REQUIRE(c->start_tls(pki.client->raw(), "localhost"));
    CHECK(c->read_line() == "hello");

    std::string payload(200 * 1024, 'p');  // many TLS records, several reads
    REQUIRE(c->send("BYTES " + std::to_string(payload.size()) + "\r\n" + payload + "NEXT\r\n"));
    CHECK(c->read_line() == "go");
    CHECK(c->read_line() == "got " + payload);
    CHECK(c->read_line() == "echo: NEXT");

    REQUIRE(c->send("BIG 4096\r\nPING\r\n"));  // 4 MiB of ciphertext the client does not read yet
    CHECK(s.rec.wait_for("big not writable"));
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(s.rec.contains("line:PING"));
    for (int i = 0; i < 4096; ++i) REQUIRE(c->read_line() == std::string(1022, 'y'));
    CHECK(c->read_line() == "echo: PING");
}

TEST_CASE("tls: STARTTLS discards plaintext pipelined after the command") {
    Pki pki;
    ListenerOptions o;
    o.connection.tls = pki.server;
    TestServer s(o);
    REQUIRE(s.start());

    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("TLS?\r\n"));
    CHECK(c->read_line() == "plain");
    // The injection of CVE-2011-0411: a command smuggled in the same packet as STARTTLS.
    REQUIRE(c->send("STARTTLS\r\nEVIL\r\n"));
    CHECK(c->read_line() == "ready");
    REQUIRE(c->start_tls(pki.client->raw(), "localhost"));
    CHECK(c->read_line() == "tls TLSv1.3");
    REQUIRE(c->send("AFTER\r\n"));
    CHECK(c->read_line() == "echo: AFTER");
    CHECK(s.rec.contains("starttls ok"));
    CHECK(s.rec.contains("line:AFTER"));
    CHECK_FALSE(s.rec.contains("line:EVIL"));

    REQUIRE(c->send("STARTTLS\r\n"));  // no second upgrade inside TLS
    CHECK(c->read_line() == "ready");
    CHECK(s.rec.wait_for("starttls refused"));
}

TEST_CASE("tls: STARTTLS without a configured certificate is refused") {
    TestServer s;
    REQUIRE(s.start());
    auto c = Client::connect("127.0.0.1", s.port());
    REQUIRE(c);
    CHECK(c->read_line() == "hello");
    REQUIRE(c->send("STARTTLS\r\nNOOP\r\n"));
    CHECK(c->read_line() == "ready");
    CHECK(c->read_line() == "echo: NOOP");  // still plaintext, nothing discarded
    CHECK(s.rec.contains("starttls refused"));
}

namespace {

// The subject certificate a fresh session of `ctx` would present.
bool serves(TlsContext& ctx, const std::filesystem::path& cert_file, SSL** keep = nullptr) {
    SSL* ssl = ctx.new_ssl();
    REQUIRE(ssl != nullptr);
    FILE* f = std::fopen(cert_file.c_str(), "r");
    REQUIRE(f);
    X509* want = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    const bool same = X509_cmp(SSL_get_certificate(ssl), want) == 0;
    X509_free(want);
    if (keep != nullptr) {
        *keep = ssl;
    } else {
        SSL_free(ssl);
    }
    return same;
}

}  // namespace

TEST_CASE("tls context: a reload request swaps the certificate for new sessions only") {
    Pki a, b;
    TlsContext::Files files{a.cert, a.key};
    auto ctx = TlsContext::reloading([&] { return files; });
    REQUIRE(ctx);
    SSL* old_session = nullptr;
    CHECK(serves(**ctx, a.cert, &old_session));
    files = {b.cert, b.key};
    CHECK(serves(**ctx, a.cert));  // no reload requested yet
    request_tls_reload();
    CHECK(serves(**ctx, b.cert));
    // The session made before the reload still has its context and certificate.
    CHECK(X509_cmp(SSL_get_certificate(old_session), SSL_CTX_get0_certificate(SSL_get_SSL_CTX(old_session))) == 0);
    SSL_free(old_session);
    // Unusable files: logged, the current certificate stays.
    files = {a.cert, b.key};
    request_tls_reload();
    CHECK(serves(**ctx, b.cert));
    // A plain server context never reloads.
    request_tls_reload();
    CHECK(serves(*a.server, a.cert));
}
