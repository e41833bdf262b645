#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/dkim/key_directory.hpp"
#include "common/dkim/message_signer.hpp"
#include "tests/support/mailauth_fixtures.hpp"

using namespace mr::dkim;
using namespace mr::test;  // the RFC 8463 keys and records, FakeDns

namespace {

constexpr std::string_view kMessage = kRfc8463Message;

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/dkim-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::shared_ptr<const SigningKey> load_pem(const char* pem) {
    auto key = mr::test::signing_key(pem);
    REQUIRE(key);
    return key;
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
    auto ed = load_pem(kEd25519Pem);
    auto rsa = load_pem(kRsaPem);
    CHECK(ed->algorithm() == Algorithm::Ed25519Sha256);
    CHECK(rsa->algorithm() == Algorithm::RsaSha256);
    // RFC 8463 §A.2 (rfc8463.txt:318).
    CHECK(*ed->dns_record() == kEdRecord);
    CHECK(*rsa->dns_record() == kRsaRecord);
}

TEST_CASE("dkim signing: the RFC 8463 message gets the RFC's body hash and over-signed From") {
    std::vector<Signer> signers{{"football.example.com", "brisbane", load_pem(kEd25519Pem)},
                                {"football.example.com", "test", load_pem(kRsaPem)}};
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
    std::vector<Signer> signers{{"football.example.com", "brisbane", load_pem(kEd25519Pem)}};
    const std::string message(kMessage);
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
