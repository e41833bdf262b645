#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/dkim/key_directory.hpp"
#include "common/dkim/message_signer.hpp"

using namespace mr::dkim;

namespace {

// RFC 8463 §A.1 (rfc8463.txt:293): the Ed25519 secret key (RFC 8032 §7.1 test 1) as PKCS#8.
constexpr const char* kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

constexpr const char* kRsaPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\n"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\n"
    "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n"
    "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\n"
    "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\n"
    "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\n"
    "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\n"
    "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\n"
    "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\n"
    "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\n"
    "licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\n"
    "o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\n"
    "uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL\n"
    "-----END RSA PRIVATE KEY-----\n";

// RFC 8463 §A.3 (rfc8463.txt:343), without its signatures.
constexpr const char* kMessage =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/dkim-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::shared_ptr<const SigningKey> load_pem(const TempDir& dir, const char* name, const char* pem) {
    const auto file = dir.path / name;
    std::ofstream(file) << pem;
    auto key = SigningKey::load(file);
    REQUIRE(key);
    return std::make_shared<const SigningKey>(std::move(*key));
}

std::string tag(const std::string& field, const std::string& name) {
    std::string unfolded;
    for (char c : field) {
        if (c != '\r' && c != '\n' && c != '\t' && c != ' ') unfolded += c;
    }
    const auto at = unfolded.find(";" + name + "=");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 2;
    return unfolded.substr(start, unfolded.find(';', start) - start);
}

}  // namespace

TEST_CASE("dkim keys: the RFC 8463 keys give the RFC's DNS records") {
    TempDir dir;
    auto ed = load_pem(dir, "ed.pem", kEd25519Pem);
    auto rsa = load_pem(dir, "rsa.pem", kRsaPem);
    CHECK(ed->algorithm() == Algorithm::Ed25519Sha256);
    CHECK(rsa->algorithm() == Algorithm::RsaSha256);
    // RFC 8463 §A.2 (rfc8463.txt:318).
    CHECK(*ed->dns_record() == "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    CHECK(*rsa->dns_record() ==
          "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
          "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
          "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
          "Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
}

TEST_CASE("dkim signing: the RFC 8463 message gets the RFC's body hash and over-signed From") {
    TempDir dir;
    std::vector<Signer> signers{{"football.example.com", "brisbane", load_pem(dir, "ed.pem", kEd25519Pem)},
                                {"football.example.com", "test", load_pem(dir, "rsa.pem", kRsaPem)}};
    auto fields = sign_message(kMessage, signers, 1528637909);
    REQUIRE(fields);
    const auto second = fields->find("DKIM-Signature:", 1);
    REQUIRE(second != std::string::npos);
    const std::string ed = fields->substr(0, second), rsa = fields->substr(second);
    CHECK(tag(ed, "a") == "ed25519-sha256");
    CHECK(tag(rsa, "a") == "rsa-sha256");
    CHECK(tag(ed, "s") == "brisbane");
    CHECK(tag(ed, "c") == "relaxed/relaxed");
    CHECK(tag(ed, "t") == "1528637909");
    // RFC 8463 §A.3: the same body, the same canonicalization, the same hash.
    CHECK(tag(ed, "bh") == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    CHECK(tag(rsa, "bh") == tag(ed, "bh"));
    CHECK(tag(ed, "h") == "from:from:to:subject:date:message-id");
    for (const auto& f : {ed, rsa}) {
        CHECK(f.ends_with("\r\n"));
        std::size_t start = 0;
        for (auto end = f.find("\r\n"); end != std::string::npos; start = end + 2, end = f.find("\r\n", start)) {
            CHECK(end - start <= 78);
        }
    }
}

TEST_CASE("dkim signing: chunked input signs the same as whole input") {
    TempDir dir;
    std::vector<Signer> signers{{"football.example.com", "brisbane", load_pem(dir, "ed.pem", kEd25519Pem)}};
    const std::string message = kMessage;
    const auto whole = sign_message(message, signers, 1);
    REQUIRE(whole);
    for (std::size_t cut = 0; cut <= message.size(); cut += 7) {
        MessageSigner s(1);
        s.feed(std::string_view(message).substr(0, cut));
        s.feed(std::string_view(message).substr(cut));
        auto chunked = s.finish(signers);
        REQUIRE(chunked);
        CHECK(*chunked == *whole);  // Ed25519 is deterministic
    }
}

TEST_CASE("dkim key directory: a pair per rotation, the newest signs") {
    TempDir dir;
    const std::time_t day = 1796601600;  // 2026-12-07
    auto first = create_key_pair(dir.path, "example.org", day);
    REQUIRE(first);
    REQUIRE(first->size() == 2);
    CHECK((*first)[0].selector == "ed25519-20261207");
    CHECK((*first)[1].selector == "rsa-20261207");
    const auto mode = std::filesystem::status((*first)[0].path).permissions();
    CHECK((mode & std::filesystem::perms::others_all) == std::filesystem::perms::none);
    CHECK((mode & std::filesystem::perms::group_write) == std::filesystem::perms::none);
    auto second = create_key_pair(dir.path, "example.org", day);
    REQUIRE(second);
    CHECK((*second)[0].selector == "ed25519-20261207b");
    CHECK(list_key_files(dir.path, "example.org").size() == 4);
    auto active = active_signers(dir.path, "example.org");
    REQUIRE(active);
    REQUIRE(active->size() == 2);
    CHECK((*active)[0].selector == "ed25519-20261207b");
    CHECK((*active)[1].selector == "rsa-20261207b");
    CHECK(active_signers(dir.path, "other.example")->empty());
}
