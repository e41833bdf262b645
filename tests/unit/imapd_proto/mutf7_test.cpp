#include "imapd/proto/mutf7.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::imapd;

TEST_CASE("mutf7: round trips") {
    struct Row {
        const char* utf8;
        const char* mutf7;
    };
    const Row rows[] = {
        {"INBOX", "INBOX"},
        {"Entw\xc3\xbcrfe", "Entw&APw-rfe"},
        {"\xe5\x8f\xb0\xe5\x8c\x97", "&U,BTFw-"},  // 台北
        // RFC 3501 §5.1.3 example (rfc3501.txt:1129).
        {"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
         "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
        {"a&b", "a&-b"},
        {"&", "&-"},
        {"\xf0\x9f\x98\x80", "&2D3eAA-"},  // U+1F600: a surrogate pair
        {"Gel\xc3\xb6schte Elemente", "Gel&APY-schte Elemente"},
        {"\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8b\xd0\xb5",
         "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
        {"\t", "&AAk-"},
        {"", ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.mutf7);
        auto enc = mutf7_encode(row.utf8);
        REQUIRE(enc.ok());
        CHECK(*enc == row.mutf7);
        auto dec = mutf7_decode(row.mutf7);
        REQUIRE_MESSAGE(dec.ok(), dec.error().message);
        CHECK(*dec == row.utf8);
    }
}

TEST_CASE("mutf7: malformed input is refused") {
    struct Row {
        const char* mutf7;
        const char* why;
    };
    const Row rows[] = {
        {"&Jjo!", "no shift back before a printable (rfc3501.txt:1131)"},
        {"&U,BTFw-&ZeVnLIqe-", "superfluous shift between runs (rfc3501.txt:1135)"},
        {"&U,BTFw", "unterminated run"},
        {"&", "lone ampersand"},
        {"&AGE-", "encodes printable 'a'"},
        {"&ACY-", "encodes '&', which must be &-"},
        {"&U,BTFw=-", "padding is not modified BASE64"},
        {"&U/BTFw-", "'/' is not in the modified alphabet"},
        {"&A-", "truncated: 6 bits"},
        {"&APx-", "leftover bits not zero"},
        {"&APw", "no closing -"},
        {"&2D0-", "lone high surrogate"},
        {"&3gA-", "lone low surrogate"},
        {"&2D3YPQ-", "two high surrogates"},
        {"Entw\xc3\xbcrfe", "raw 8-bit"},
        {"a\tb", "raw control"},
        {"a\x7f", "raw DEL"},
        {"&AAAA-", "odd number of octets after decoding (3)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        CHECK(!mutf7_decode(row.mutf7).ok());
    }
    CHECK(!mutf7_encode("\xc3").ok());
    CHECK(!mutf7_encode("\xed\xa0\x80").ok());  // UTF-8 encoded surrogate
}

TEST_CASE("mutf7: every BMP code point and some astral ones round-trip") {
    for (std::uint32_t cp = 1; cp < 0x30000; cp += (cp < 0x800 ? 1 : 97)) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        std::string utf8;
        if (cp < 0x80) {
            utf8 += static_cast<char>(cp);
        } else if (cp < 0x800) {
            utf8 += static_cast<char>(0xC0 | (cp >> 6));
            utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            utf8 += static_cast<char>(0xE0 | (cp >> 12));
            utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            utf8 += static_cast<char>(0xF0 | (cp >> 18));
            utf8 += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        }
        const std::string name = "x" + utf8 + utf8 + "y" + utf8;
        auto enc = mutf7_encode(name);
        REQUIRE(enc.ok());
        auto dec = mutf7_decode(*enc);
        REQUIRE_MESSAGE(dec.ok(), cp);
        CHECK(*dec == name);
    }
}
