#include "common/text/sasl.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::text;
using namespace std::string_literals;

namespace {

// Independent base64 (RFC 4648 §4) so the tests do not only check libsodium
// against itself.
std::string b64(std::string_view in) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }
    if (in.size() - i == 1) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += "==";
    } else if (in.size() - i == 2) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += '=';
    }
    return out;
}

SaslServer make(std::string_view mech) {
    auto r = SaslServer::create(mech);
    REQUIRE(r.ok());
    return std::move(*r);
}

std::string challenge(const SaslStep& s) {
    REQUIRE(std::holds_alternative<SaslChallenge>(s));
    return std::get<SaslChallenge>(s).base64;
}

SaslDone done(const SaslStep& s) {
    REQUIRE(std::holds_alternative<SaslDone>(s));
    return std::get<SaslDone>(s);
}

SaslFailed failed(const SaslStep& s) {
    REQUIRE(std::holds_alternative<SaslFailed>(s));
    return std::get<SaslFailed>(s);
}

}  // namespace

TEST_CASE("base64 helpers agree with an independent encoder") {
    CHECK(b64("Username:") == "VXNlcm5hbWU6");  // known vector used by LOGIN
    for (std::string s : {""s, "a"s, "ab"s, "abc"s, "abcd"s, "\0tim\0tanstaaftanstaaf"s, "\xff\xfe\x00"s}) {
        CHECK(base64_encode(s) == b64(s));
        auto d = base64_decode(b64(s), 1024);
        REQUIRE(d.ok());
        CHECK(*d == s);
    }
    CHECK_FALSE(base64_decode("YQ", 1024).ok());        // padding required
    CHECK_FALSE(base64_decode("YQ==YQ==", 1024).ok());  // data after padding
    CHECK_FALSE(base64_decode("Y Q==", 1024).ok());     // whitespace
    CHECK_FALSE(base64_decode("YQ=\n", 1024).ok());
    CHECK_FALSE(base64_decode("Y-_=", 1024).ok());      // URL-safe alphabet
    CHECK_FALSE(base64_decode(b64("abcd"), 3).ok());    // decodes past the limit
    CHECK(base64_decode(b64("abc"), 3).ok());
}

TEST_CASE("PLAIN happy paths") {
    SUBCASE("initial response, RFC 4616 example (rfc4616.txt:309)") {
        auto m = make("PLAIN");
        const auto d = done(m.start(b64("\0tim\0tanstaaftanstaaf"s)));
        CHECK(d.authzid.empty());
        CHECK(d.authcid == "tim");
        CHECK(d.password == "tanstaaftanstaaf");
        CHECK(m.finished());
    }
    SUBCASE("with authzid") {
        auto m = make("plain");  // case-insensitive name
        CHECK(m.mechanism() == SaslServer::Mechanism::Plain);
        const auto d = done(m.start(b64("Ursel\0Kurt\0xipj3plmq"s)));
        CHECK(d.authzid == "Ursel");
        CHECK(d.authcid == "Kurt");
        CHECK(d.password == "xipj3plmq");
    }
    SUBCASE("no initial response: empty challenge, then the message") {
        auto m = make("PLAIN");
        CHECK(challenge(m.start()) == "");
        CHECK_FALSE(m.finished());
        const auto d = done(m.step(b64("\0user@example.org\0p\xC3\xA4ss word"s)));
        CHECK(d.authcid == "user@example.org");
        CHECK(d.password == "p\xC3\xA4ss word");
    }
    SUBCASE("255-octet fields (RFC 4616 MUST accept)") {
        const std::string u(255, 'u'), p(255, 'p'), z(255, 'z');
        auto m = make("PLAIN");
        const auto d = done(m.start(b64(z + '\0' + u + '\0' + p)));
        CHECK(d.authzid == z);
        CHECK(d.authcid == u);
        CHECK(d.password == p);
    }
}

TEST_CASE("PLAIN failures") {
    struct Row { std::string decoded; const char* why; };
    const Row rows[] = {
        {"", "empty message"},
        {"timtanstaaf", "no NUL"},
        {"\0tim"s, "one NUL"},
        {"\0\0pass"s, "empty authcid"},
        {"\0tim\0"s, "empty password"},
        {"\0tim\0pa\0ss"s, "third NUL"},
        {"\0t\xFFm\0pass"s, "authcid not UTF-8"},
        {"\0tim\0\xC0\xAF"s, "password not UTF-8 (overlong)"},
        {"\0tim\0"s + std::string(1020, 'p'), "decoded 1025 bytes: over the limit"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        auto m1 = make("PLAIN");
        const auto f1 = failed(m1.start(b64(r.decoded)));
        CHECK_FALSE(f1.is_abort);
        CHECK(m1.finished());
        auto m2 = make("PLAIN");
        CHECK(challenge(m2.start()) == "");
        CHECK_FALSE(failed(m2.step(b64(r.decoded))).is_abort);
    }
    SUBCASE("'=' initial response is an empty message") {
        auto m = make("PLAIN");
        CHECK(failed(m.start("=")).reason == "malformed PLAIN message");
    }
    SUBCASE("invalid base64") {
        auto m = make("PLAIN");
        CHECK_FALSE(failed(m.start("not base64!")).is_abort);
        auto m2 = make("PLAIN");
        (void)m2.start();
        CHECK_FALSE(failed(m2.step("AHRpbQB0YW5zdGFhZg")).is_abort);  // missing padding
    }
    SUBCASE("'*' aborts after a challenge, is invalid as initial response") {
        auto m = make("PLAIN");
        (void)m.start();
        CHECK(failed(m.step("*")).is_abort);
        CHECK(m.finished());
        auto m2 = make("PLAIN");
        CHECK_FALSE(failed(m2.start("*")).is_abort);
    }
    SUBCASE("overlong base64 is refused before decoding") {
        auto m = make("PLAIN");
        CHECK(failed(m.start(std::string(100000, 'A'))).reason == "base64 input too long");
    }
    SUBCASE("the '=' empty marker is only for the initial response") {
        auto m = make("PLAIN");
        (void)m.start();
        CHECK_FALSE(failed(m.step("=")).is_abort);
    }
}

TEST_CASE("LOGIN happy paths") {
    SUBCASE("two challenges") {
        auto m = make("LOGIN");
        CHECK(m.mechanism() == SaslServer::Mechanism::Login);
        CHECK(challenge(m.start()) == b64("Username:"));
        CHECK(challenge(m.step(b64("alice"))) == b64("Password:"));
        const auto d = done(m.step(b64("s3cret pass")));
        CHECK(d.authzid.empty());
        CHECK(d.authcid == "alice");
        CHECK(d.password == "s3cret pass");
        CHECK(m.finished());
    }
    SUBCASE("user name as initial response") {
        auto m = make("Login");
        CHECK(challenge(m.start(b64("bob"))) == "UGFzc3dvcmQ6");
        CHECK(done(m.step(b64("pw"))).authcid == "bob");
    }
}

TEST_CASE("LOGIN failures") {
    SUBCASE("empty user") {
        auto m = make("LOGIN");
        (void)m.start();
        CHECK(failed(m.step("")).reason == "empty user name");
        auto m2 = make("LOGIN");
        CHECK(failed(m2.start("=")).reason == "empty user name");
    }
    SUBCASE("empty password") {
        auto m = make("LOGIN");
        (void)m.start();
        (void)m.step(b64("alice"));
        CHECK(failed(m.step("")).reason == "empty password");
    }
    SUBCASE("NUL or bad UTF-8 in the user name") {
        auto m = make("LOGIN");
        (void)m.start();
        CHECK_FALSE(failed(m.step(b64("al\0ce"s))).is_abort);
        auto m2 = make("LOGIN");
        (void)m2.start();
        CHECK_FALSE(failed(m2.step(b64("al\xFF"))).is_abort);
    }
    SUBCASE("abort at either prompt") {
        auto m = make("LOGIN");
        (void)m.start();
        CHECK(failed(m.step("*")).is_abort);
        auto m2 = make("LOGIN");
        (void)m2.start();
        (void)m2.step(b64("alice"));
        CHECK(failed(m2.step("*")).is_abort);
    }
    SUBCASE("invalid base64 at the password prompt") {
        auto m = make("LOGIN");
        (void)m.start();
        (void)m.step(b64("alice"));
        CHECK_FALSE(failed(m.step("cGFzcw")).is_abort);
    }
    SUBCASE("overlong password") {
        auto m = make("LOGIN");
        (void)m.start();
        (void)m.step(b64("alice"));
        CHECK(failed(m.step(b64(std::string(1025, 'p')))).reason == "decoded response too long");
        auto m2 = make("LOGIN");
        (void)m2.start();
        (void)m2.step(b64("alice"));
        CHECK(std::holds_alternative<SaslDone>(m2.step(b64(std::string(1024, 'p')))));
    }
}

TEST_CASE("exchange order is enforced") {
    auto m = make("PLAIN");
    CHECK(failed(m.step(b64("\0a\0b"s))).reason == "exchange not started");
    auto m2 = make("LOGIN");
    (void)m2.start();
    CHECK_FALSE(std::holds_alternative<SaslDone>(m2.start()));  // started twice
    auto m3 = make("PLAIN");
    (void)done(m3.start(b64("\0a\0b"s)));
    CHECK(failed(m3.step(b64("\0a\0b"s))).reason == "exchange already finished");
}

TEST_CASE("unknown mechanisms are refused") {
    for (const char* mech : {"CRAM-MD5", "SCRAM-SHA-256", "", "PLAINX", "PLAI", "XOAUTH2"}) {
        INFO(mech);
        auto r = SaslServer::create(mech);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == mr::ErrorKind::Refused);
    }
}

TEST_CASE("failure reasons never echo client data") {
    auto m = make("PLAIN");
    const auto f = failed(m.start(b64("\0tim\0"s)));
    CHECK(f.reason.find("tim") == std::string::npos);
}

TEST_CASE("secure_wipe empties the buffer") {
    std::string s = "a secret that is longer than the small-string buffer";
    s.resize(3);
    secure_wipe(s);
    CHECK(s.empty());
}
