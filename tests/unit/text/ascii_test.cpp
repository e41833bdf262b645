#include "common/text/ascii.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace mr::text;

TEST_CASE("to_lower / to_upper change only ASCII letters") {
    CHECK(to_lower("MiXeD-123.ORG") == "mixed-123.org");
    CHECK(to_upper("size=100") == "SIZE=100");
    // UTF-8 bytes pass through: "Ä" is C3 84, and 0xC3 must not be "lowered".
    CHECK(to_lower("\xC3\x84X") == "\xC3\x84x");
    CHECK(to_lower('@') == '@');
    CHECK(to_upper('[') == '[');  // '[' is just after 'Z': an off-by-one would move it
    CHECK(to_lower('`') == '`');  // '`' is just before 'a'
}

TEST_CASE("case-insensitive comparisons") {
    struct Row { const char* a; const char* b; int cmp; const char* why; };
    const Row rows[] = {
        {"MAIL", "mail", 0, "same word, different case"},
        {"abc", "abd", -1, "last byte decides"},
        {"abc", "ab", 1, "longer after equal prefix"},
        {"", "", 0, "empty strings"},
        {"a", "\xC3\xA4", -1, "non-ASCII sorts after ASCII (unsigned bytes)"},
        {"Z", "a", 1, "case folded before comparing: z > a"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        const int c = icompare(r.a, r.b);
        CHECK((c < 0 ? -1 : c > 0 ? 1 : 0) == r.cmp);
        CHECK(iequals(r.a, r.b) == (r.cmp == 0));
    }
    CHECK(starts_with_ci("AUTH PLAIN", "auth "));
    CHECK_FALSE(starts_with_ci("AU", "auth"));
    CHECK(starts_with_ci("x", ""));
}

TEST_CASE("trim and split_spaces") {
    CHECK(trim("  a b \t\r\n") == "a b");
    CHECK(trim(" \t ") == "");
    CHECK(trim("") == "");
    CHECK(trim("\x01x") == "\x01x");  // other controls are the caller's to reject
    CHECK(split_spaces("  SIZE=1   BODY=8BITMIME ") == std::vector<std::string_view>{"SIZE=1", "BODY=8BITMIME"});
    CHECK(split_spaces("").empty());
    CHECK(split_spaces("   ").empty());
    CHECK(split_spaces("a\tb") == std::vector<std::string_view>{"a\tb"});  // only SP separates
}

TEST_CASE("is_valid_utf8 follows RFC 3629") {
    struct Row { std::string s; bool ok; const char* why; };
    const Row rows[] = {
        {"plain ascii", true, "ASCII is UTF-8"},
        {"", true, "empty"},
        {"\xC3\xA9", true, "2-byte e-acute"},
        {"\xE2\x82\xAC", true, "3-byte euro sign"},
        {"\xF0\x9F\x98\x80", true, "4-byte emoji"},
        {"\xF4\x8F\xBF\xBF", true, "U+10FFFF, the last code point"},
        {"\xC0\xAF", false, "overlong '/' (C0 lead)"},
        {"\xC1\xBF", false, "overlong (C1 lead)"},
        {"\xE0\x80\xAF", false, "overlong 3-byte"},
        {"\xF0\x80\x80\xAF", false, "overlong 4-byte"},
        {"\xED\xA0\x80", false, "surrogate U+D800"},
        {"\xED\x9F\xBF", true, "U+D7FF just below surrogates"},
        {"\xF4\x90\x80\x80", false, "U+110000 beyond Unicode"},
        {"\xF5\x80\x80\x80", false, "F5 lead byte never valid"},
        {"\x80", false, "lone continuation byte"},
        {"\xC3", false, "truncated 2-byte sequence"},
        {"\xE2\x82", false, "truncated 3-byte sequence"},
        {"\xC3\x28", false, "lead followed by non-continuation"},
        {"a\xFF", false, "FF never valid"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(is_valid_utf8(r.s) == r.ok);
    }
}

TEST_CASE("has_non_ascii: any byte of 0x80 or more") {
    CHECK_FALSE(mr::text::has_non_ascii(""));
    CHECK_FALSE(mr::text::has_non_ascii("plain@example.org\x7f"));
    CHECK(mr::text::has_non_ascii("j\xc3\xb6rg@example.org"));
    CHECK(mr::text::has_non_ascii("\x80"));
}
