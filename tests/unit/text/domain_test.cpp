#include "common/text/domain.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::text;
using mr::ErrorKind;

namespace {

// "" when the call failed with `kind`, so one table covers both outcomes.
template <class R>
std::string outcome(const R& r) {
    if (r.ok()) return *r;
    switch (r.error().kind) {
        case ErrorKind::Syntax: return "SYNTAX";
        case ErrorKind::Refused: return "REFUSED";
        case ErrorKind::Internal: return "INTERNAL";
    }
    return "?";
}

}  // namespace

TEST_CASE("parse_domain table") {
    const std::string l63(63, 'a'), l64(64, 'a');
    // 4 labels of 63 + 3 dots = 255; one more label char would be 256.
    const std::string d255 = l63 + "." + l63 + "." + l63 + "." + l63;
    struct Row { std::string in; bool utf8; std::string expected; const char* why; };
    const Row rows[] = {
        {"example.org", false, "example.org", "plain"},
        {"EXAMPLE.Org", false, "example.org", "uppercase folded"},
        {"localhost", false, "localhost", "single label"},
        {"a-b.c0", false, "a-b.c0", "inner hyphen and digits"},
        {"123.example", false, "123.example", "digit-first label (Let-dig)"},
        {"example.org.", false, "SYNTAX", "trailing dot: not in the path grammar"},
        {".example.org", false, "SYNTAX", "leading dot"},
        {"a..b", false, "SYNTAX", "empty label"},
        {"", false, "SYNTAX", "empty"},
        {"-a.org", false, "SYNTAX", "label starts with hyphen"},
        {"a-.org", false, "SYNTAX", "label ends with hyphen"},
        {"a_b.org", false, "SYNTAX", "underscore forbidden (rfc5321.txt:2374)"},
        {"a b.org", false, "SYNTAX", "space"},
        {"a@b.org", false, "SYNTAX", "at sign"},
        {l63 + ".org", false, l63 + ".org", "63-octet label allowed"},
        {l64 + ".org", false, "SYNTAX", "64-octet label"},
        {d255, false, d255, "255 octets allowed"},
        {d255 + "a", false, "SYNTAX", "256 octets"},
        {"b\xC3\xBC" "cher.example", false, "REFUSED", "U-label without SMTPUTF8"},
        {"B\xC3\xBC" "CHER.example", true, "b\xC3\xBC" "cher.example", "U-label: only ASCII folded"},
        {"b\xFC" "cher.example", true, "SYNTAX", "Latin-1 byte is not UTF-8"},
        {"xn--bcher-kva.example", false, "xn--bcher-kva.example", "A-label is plain LDH"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(outcome(parse_domain(r.in, r.utf8)) == r.expected);
    }
}

TEST_CASE("a trailing dot gets its own error message") {
    // Operators see this in logs; "empty label" would hide the relay concern.
    auto r = parse_domain("example.org.");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "trailing dot in domain");
}

TEST_CASE("normalise_domain strips one trailing dot for operator input") {
    CHECK(outcome(normalise_domain("Example.ORG.")) == "example.org");
    CHECK(outcome(normalise_domain("example.org")) == "example.org");
    CHECK(outcome(normalise_domain("example.org..")) == "SYNTAX");  // only one
    CHECK(outcome(normalise_domain(".")) == "SYNTAX");
    CHECK(outcome(normalise_domain("")) == "SYNTAX");
    // The point of normalising: both spellings become one string.
    CHECK(*normalise_domain("EXAMPLE.org.") == *parse_domain("example.ORG"));
}

TEST_CASE("address literal table") {
    struct Row { std::string in; std::string expected; const char* why; };
    const Row rows[] = {
        {"[192.0.2.1]", "[192.0.2.1]", "IPv4"},
        {"[192.000.002.001]", "[192.0.2.1]", "leading zeros removed so equal addresses are equal strings"},
        {"[255.255.255.255]", "[255.255.255.255]", "max octets"},
        {"[256.0.0.1]", "SYNTAX", "octet over 255"},
        {"[1.2.3]", "SYNTAX", "three octets"},
        {"[1.2.3.4.5]", "SYNTAX", "five octets"},
        {"[1.2.3.0004]", "SYNTAX", "four digits in an Snum"},
        {"[]", "SYNTAX", "empty"},
        {"192.0.2.1", "SYNTAX", "no brackets"},
        {"[IPv6:2001:DB8::1]", "[IPv6:2001:db8::1]", "IPv6 compressed, canonical lowercase"},
        {"[ipv6:2001:db8:0:0:0:0:0:1]", "[IPv6:2001:db8::1]", "IPv6 full, tag case-insensitive, RFC 5952 form"},
        {"[IPv6:::1]", "[IPv6:::1]", "loopback"},
        {"[IPv6::::1]", "SYNTAX", "triple colon"},
        {"[IPv6:1:2:3:4:5:6:7]", "SYNTAX", "seven groups without ::"},
        {"[IPv6:1:2:3:4:5:6:7:8:9]", "SYNTAX", "nine groups"},
        {"[IPv6:1:2:3:4:5:6:7::]", "SYNTAX", "7 groups + :: exceeds RFC 5321's 6 (inet_pton would accept)"},
        {"[IPv6:1:2:3:4:5:6::]", "[IPv6:1:2:3:4:5:6::]", "6 groups + :: allowed"},
        {"[IPv6:1::2::3]", "SYNTAX", "two ::"},
        {"[IPv6:12345::1]", "SYNTAX", "five hex digits"},
        {"[IPv6:::ffff:192.0.2.1]", "[IPv6:::ffff:192.0.2.1]", "IPv4-mapped, comp form"},
        {"[IPv6:1:2:3:4:5:6:192.0.2.1]", "[IPv6:1:2:3:4:5:6:c000:201]", "IPv6v4-full"},
        {"[IPv6:1:2:3:4:5::192.0.2.1]", "SYNTAX", "IPv6v4-comp allows at most 4 groups"},
        {"[IPv6:192.0.2.1]", "SYNTAX", "IPv4 alone under IPv6 tag"},
        {"[IPv6:]", "SYNTAX", "empty IPv6"},
        {"[x400:c=us;a=b]", "REFUSED", "general literal: well-formed, unsupported"},
        {"[x400:]", "SYNTAX", "general literal without content"},
        {"[-x:abc]", "REFUSED", "Ldh-str may start with a hyphen"},
        {"[x-:abc]", "SYNTAX", "tag ends with hyphen"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(outcome(normalise_address_literal(r.in)) == r.expected);
    }
}
