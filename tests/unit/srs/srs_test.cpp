// The SRS codec (common/mailauth/srs): postsrsd's own test vector (tests/unit/test_srs2.c,
// secret "tops3cr3t" at 2020-01-01 00:01:00 UTC), cases computed independently with
// Python's hmac and base64 modules, and the refusals.
#include "common/mailauth/srs.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::mailauth;

namespace {

constexpr std::int64_t kPostsrsdNow = 1577836860;
constexpr std::int64_t kNow = 1700000000;  // day 19675, TT "G3"
constexpr std::int64_t kDay = 86400;
const std::string kSecret = "mailroom-test-secret";

std::string forward(std::string_view sender, std::string_view domain, std::string_view secret = kSecret,
                    std::int64_t now = kNow) {
    auto r = srs_forward(sender, domain, secret, now);
    REQUIRE(r);
    return *r;
}

std::string reverse(std::string_view address, std::int64_t now = kNow) {
    auto r = srs_reverse(address, kSecret, now);
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("postsrsd's vector: SRS0 forward and reverse") {
    CHECK(forward("test@otherdomain.com", "example.com", "tops3cr3t", kPostsrsdNow) ==
          "SRS0=vmyz=2W=otherdomain.com=test@example.com");
    auto back = srs_reverse("SRS0=vmyz=2W=otherdomain.com=test@example.com", "tops3cr3t", kPostsrsdNow);
    REQUIRE(back);
    CHECK(*back == "test@otherdomain.com");
    // A sender of the forwarding domain itself is left alone (postsrsd does the same).
    CHECK(forward("test@example.com", "example.com", "tops3cr3t", kPostsrsdNow) == "test@example.com");
}

TEST_CASE("SRS0: hand-computed hash; the hash covers the case-folded parts") {
    CHECK(forward("sender@elsewhere.example", "example.test") == "SRS0=EORk=G3=elsewhere.example=sender@example.test");
    // Case is kept in the address but not in the hash.
    CHECK(forward("Sender@Elsewhere.Example", "example.test") == "SRS0=EORk=G3=Elsewhere.Example=Sender@example.test");
    CHECK(reverse("SRS0=EORk=G3=elsewhere.example=sender@example.test") == "sender@elsewhere.example");
    CHECK(reverse("srs0=eork=g3=elsewhere.example=sender@example.test") == "sender@elsewhere.example");
    // The other separators after the tag.
    CHECK(reverse("SRS0+EORk=G3=elsewhere.example=sender@example.test") == "sender@elsewhere.example");
    CHECK(reverse("SRS0-EORk=G3=elsewhere.example=sender@example.test") == "sender@elsewhere.example");
    // A local part with '=' in it survives the round trip.
    const auto odd = forward("a=b+c@elsewhere.example", "example.test");
    CHECK(reverse(odd) == "a=b+c@elsewhere.example");
}

TEST_CASE("SRS1: an SRS0 sender is wrapped, an SRS1 sender re-hashed") {
    CHECK(forward("SRS0=abcd=G3=orig.example=user@first.example", "example.test") ==
          "SRS1=7sWZ=first.example==abcd=G3=orig.example=user@example.test");
    CHECK(forward("SRS1=zzzz=first.example==abcd=G3=orig.example=user@second.example", "example.test") ==
          "SRS1=7sWZ=first.example==abcd=G3=orig.example=user@example.test");
    // Reversing an SRS1 gives the first forwarder's SRS0 address (no timestamp check here:
    // the first forwarder checks its own).
    CHECK(reverse("SRS1=7sWZ=first.example==abcd=G3=orig.example=user@example.test") ==
          "SRS0=abcd=G3=orig.example=user@first.example");
    CHECK(reverse("SRS1=7swz=first.example==abcd=G3=orig.example=user@example.test", kNow + 100 * kDay) ==
          "SRS0=abcd=G3=orig.example=user@first.example");
}

TEST_CASE("round trips at the edges of the timestamp window") {
    const auto a = forward("x@far.example", "example.test");
    CHECK(reverse(a, kNow + kSrsMaxAgeDays * kDay) == "x@far.example");
    auto old = srs_reverse(a, kSecret, kNow + (kSrsMaxAgeDays + 1) * kDay);
    REQUIRE_FALSE(old);
    CHECK(old.error().kind == mr::ErrorKind::Refused);
    // One day ahead is tolerated (a fast clock), two are not.
    CHECK(reverse(a, kNow - kDay) == "x@far.example");
    CHECK_FALSE(srs_reverse(a, kSecret, kNow - 2 * kDay));
    // The day number wraps at 1024.
    const std::int64_t wrap_day = 1023 * kDay;  // TT "77"
    const auto w = forward("x@far.example", "example.test", kSecret, wrap_day);
    CHECK(w.find("=77=") != std::string::npos);
    CHECK(reverse(w, wrap_day + 3 * kDay) == "x@far.example");
}

TEST_CASE("tampered or malformed addresses are refused") {
    auto tampered = srs_reverse("SRS0=EORl=G3=elsewhere.example=sender@example.test", kSecret, kNow);
    REQUIRE_FALSE(tampered);
    CHECK(tampered.error().kind == mr::ErrorKind::Refused);
    CHECK_FALSE(srs_reverse("SRS0=EORk=G3=elsewhere.example=other@example.test", kSecret, kNow));
    CHECK_FALSE(srs_reverse("SRS0=EORk=G3=elsewhere.example=sender@example.test", "another secret", kNow));
    for (const char* bad : {"sender@example.test", "SRS0=EORk=G3=elsewhere.example@example.test", "SRS0=EORk@x",
                            "SRS0=EORk=G3==sender@example.test", "SRS0=EORk=G@=d=l@example.test",
                            "SRS0=EORk=G3=d=@example.test", "SRS1=abcd@example.test", "SRS1=abcd=host=@example.test",
                            "SRS0*EORk=G3=elsewhere.example=sender@example.test", "SRS0=", "@", ""}) {
        CAPTURE(bad);
        auto r = srs_reverse(bad, kSecret, kNow);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == mr::ErrorKind::Syntax);
    }
    CHECK(is_srs_local_part("SRS0=x"));
    CHECK(is_srs_local_part("srs1+x"));
    CHECK_FALSE(is_srs_local_part("SRS2=x"));
    CHECK_FALSE(is_srs_local_part("SRS0"));
}

TEST_CASE("a sender whose SRS form would not fit 64 octets is refused, never truncated") {
    // "SRS0=HHHH=TT=" is 13 octets, then the domain, "=" and the local part.
    const std::string domain = "d.example";  // 9 octets
    const std::string fits(64 - 13 - 9 - 1, 'a');
    CHECK(forward(fits + "@" + domain, "example.test").find('@') == 64);
    auto r = srs_forward(fits + "a@" + domain, "example.test", kSecret, kNow);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == mr::ErrorKind::Refused);
    CHECK(r.error().message.find("65 octets") != std::string::npos);
    CHECK_FALSE(srs_forward("\"quoted local\"@d.example", "example.test", kSecret, kNow));
    CHECK_FALSE(srs_forward("no-at-sign", "example.test", kSecret, kNow));
}
