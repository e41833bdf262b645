#include "imapd/proto/mailbox_name.hpp"
#include "imapd/proto/mutf7.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::imapd;

TEST_CASE("mailbox name: accepted names") {
    const char* good[] = {"INBOX", "Sent", "Archive/2024", "a/b/c", "Entw\xc3\xbcrfe", "with space",
                          "dots.in.name", "a..b", ".hidden", "x&y", "[Gmail]/Sent Mail", "\xe5\x8f\xb0\xe5\x8c\x97"};
    for (const char* g : good) {
        CAPTURE(g);
        CHECK(validate_mailbox_name(g).ok());
    }
    CHECK(validate_mailbox_name(std::string(255, 'a')).ok());
    std::string sixteen = "l";
    for (int i = 1; i < 16; ++i) sixteen += "/l";
    CHECK(validate_mailbox_name(sixteen).ok());
}

TEST_CASE("mailbox name: refused names, each with its reason") {
    struct Row {
        std::string name;
        const char* reason;
    };
    std::string seventeen = "l";
    for (int i = 1; i < 17; ++i) seventeen += "/l";
    const Row rows[] = {
        {"", "Mailbox name is empty"},
        {"..", "Mailbox name must not have . or .. levels"},
        {"a/../b", "Mailbox name must not have . or .. levels"},
        {"a/..", "Mailbox name must not have . or .. levels"},
        {"./a", "Mailbox name must not have . or .. levels"},
        {"/etc/passwd", "Mailbox name must not start with the hierarchy delimiter"},
        {"~root", "Mailbox name must not contain ~"},
        {"a/~b", "Mailbox name must not contain ~"},
        {std::string("a\0b", 3), "Mailbox name contains NUL"},
        {"a\tb", "Mailbox name contains control characters"},
        {"a\x7f", "Mailbox name contains control characters"},
        {"a\xc2\x85" "b", "Mailbox name contains control characters"},  // U+0085 NEL
        {"a//b", "Mailbox name has an empty hierarchy level"},
        {"a/", "Mailbox name has an empty hierarchy level"},
        {std::string(256, 'a'), "Mailbox name is too long"},
        {seventeen, "Mailbox hierarchy is too deep"},
        {"a*", "Mailbox name must not contain wildcards"},
        {"50%", "Mailbox name must not contain wildcards"},
        {"\xff", "Mailbox name is not valid UTF-8"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.name);
        auto r = validate_mailbox_name(row.name);
        REQUIRE(!r.ok());
        CHECK(r.error().kind == mr::ErrorKind::Refused);
        CHECK(r.error().message == row.reason);
    }
}

TEST_CASE("list wildcards: * crosses the delimiter, % does not") {
    struct Row {
        const char* pattern;
        const char* name;
        bool match;
    };
    const std::string many_a(200, 'a');
    const Row rows[] = {
        {"*", "INBOX", true},
        {"*", "a/b/c", true},
        {"%", "a", true},
        {"%", "a/b", false},
        {"%/%", "a/b", true},
        {"%/%", "a/b/c", false},
        {"a/*", "a/b/c", true},
        {"a/*", "a", false},
        {"a*", "a", true},
        {"a%", "abc", true},
        {"a%c", "a/c", false},
        {"a*c", "a/c", true},
        {"", "", true},
        {"", "a", false},
        {"Sent", "Sent", true},
        {"sent", "Sent", false},          // only INBOX is case-insensitive
        {"inbox", "INBOX", true},
        {"InBox/%", "INBOX/Sub", true},
        {"inbox*", "INBOX", true},
        {"inbox*", "INBOXES", false},      // not an INBOX component: exact
        {"*x*y*z*", "axbyczd", true},
        {"%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%b", many_a.c_str(), false},
        {"*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*b", many_a.c_str(), false},
        {"Entw&APw-rfe", "Entw&APw-rfe", true},
    };
    for (const auto& row : rows) {
        CAPTURE(row.pattern);
        CAPTURE(row.name);
        CHECK(list_match(row.pattern, row.name) == row.match);
    }
}

TEST_CASE("list wildcards: reference and pattern combine") {
    CHECK(list_pattern("", "*") == "*");
    CHECK(list_pattern("archive/", "%") == "archive/%");
    CHECK(list_pattern("archive", "%") == "archive/%");
    CHECK(list_pattern("archive", "") == "archive");
}

TEST_CASE("mailbox name: decode_mailbox_name = mUTF-7 decode + validation, all Refused") {
    CHECK(decode_mailbox_name("Entw&APw-rfe").value() == "Entw\xc3\xbcrfe");
    CHECK(decode_mailbox_name("Archive/&U,BTFw-").value() == "Archive/\xe5\x8f\xb0\xe5\x8c\x97");
    struct Row {
        const char* wire;
        const char* reason;
    };
    const Row rows[] = {
        {"&Jjo!", "Unterminated modified UTF-7 shift"},
        {"Entw\xc3\xbcrfe", "Mailbox name has 8-bit or control characters; use modified UTF-7"},
        {"a/../b", "Mailbox name must not have . or .. levels"},
        {"&AAA-", "Mailbox name contains NUL"},                 // NUL smuggled in mUTF-7
        {"x&AAk-y", "Mailbox name contains control characters"},  // TAB in mUTF-7
        {"/root", "Mailbox name must not start with the hierarchy delimiter"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.wire);
        auto r = decode_mailbox_name(row.wire);
        REQUIRE(!r.ok());
        CHECK(r.error().kind == mr::ErrorKind::Refused);
        CHECK(r.error().message == row.reason);
    }
    // 255 octets after decoding is the limit, whatever the wire length.
    std::string cjk;
    for (int i = 0; i < 57; ++i) cjk += "\xe5\x8f\xb0";  // 171 octets of UTF-8
    auto at_limit = mutf7_encode(std::string(84, 'x') + cjk);
    auto over = mutf7_encode(std::string(85, 'x') + cjk);
    REQUIRE(at_limit.ok());
    REQUIRE(over.ok());
    CHECK(over->size() < 255);  // short on the wire, too long once decoded
    CHECK(decode_mailbox_name(*at_limit).ok());
    CHECK(decode_mailbox_name(*over).error().message == "Mailbox name is too long");
}

TEST_CASE("mailbox name: NameForm decides how names are spelled on the wire") {
    // Modified UTF-7 (IMAP4rev1): "&" shifts; an 8-bit name is UTF-8 already (RFC 6855 §3).
    CHECK(decode_mailbox_name("Entw&APw-rfe", NameForm::Mutf7).value() == "Entw\xc3\xbcrfe");
    CHECK(decode_mailbox_name("Entw\xc3\xbcrfe", NameForm::Mutf7).value() == "Entw\xc3\xbcrfe");
    CHECK_FALSE(decode_mailbox_name("a&b", NameForm::Mutf7).ok());
    CHECK_FALSE(decode_mailbox_name("Entw\xfcrfe", NameForm::Mutf7).ok());  // not UTF-8
    // UTF-8 (UTF8=ACCEPT, IMAP4rev2): "&" is itself.
    CHECK(decode_mailbox_name("a&b", NameForm::Utf8).value() == "a&b");
    CHECK(decode_mailbox_name("Entw&APw-rfe", NameForm::Utf8).value() == "Entw&APw-rfe");
    CHECK_FALSE(decode_mailbox_name("a/../b", NameForm::Utf8).ok());
    CHECK_FALSE(decode_mailbox_name("a\xe2\x80\xa8" "b", NameForm::Utf8).ok());  // U+2028
    CHECK_FALSE(decode_mailbox_name("a\xe2\x80\xa9" "b", NameForm::Mutf7).ok());  // U+2029
    CHECK(decode_mailbox_name("a\xe2\x80\xaa" "b", NameForm::Utf8).ok());        // U+202A is fine
    CHECK(encode_mailbox_name("Entw\xc3\xbcrfe", NameForm::Mutf7) == "Entw&APw-rfe");
    CHECK(encode_mailbox_name("Entw\xc3\xbcrfe", NameForm::Utf8) == "Entw\xc3\xbcrfe");
    CHECK(encode_mailbox_name("R&D", NameForm::Mutf7) == "R&-D");
    CHECK(encode_mailbox_name("R&D", NameForm::Utf8) == "R&D");
}
