#include "imapd/proto/imap_url.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;

TEST_CASE("IMAP URL: relative message URLs (RFC 5092 §11 imessagepart)") {
    auto u = parse_imap_url("/INBOX/;UID=20");
    REQUIRE(u);
    CHECK(u->mailbox == "INBOX");
    CHECK(u->uid == 20);
    CHECK(!u->uidvalidity);
    CHECK(!u->user);
    CHECK(u->section.kind == Section::Kind::Full);
    CHECK(u->section.part.empty());
    CHECK(!u->partial);

    u = parse_imap_url("/Lists/mr%20dev;uidvalidity=385759045/;uid=7/;section=1.2.MIME/;partial=10.5");
    REQUIRE(u);
    CHECK(u->mailbox == "Lists/mr dev");  // hierarchy and escapes
    CHECK(u->uidvalidity == 385759045u);
    CHECK(u->uid == 7);
    CHECK(u->section.part == std::vector<std::uint32_t>{1, 2});
    CHECK(u->section.kind == Section::Kind::Mime);
    REQUIRE(u->partial);
    CHECK(u->partial->offset == 10);
    CHECK(u->partial->length == 5);

    u = parse_imap_url("/x/;UID=1/;SECTION=HEADER.FIELDS%20(FROM%20TO)/;PARTIAL=100000");
    REQUIRE(u);
    CHECK(u->section.kind == Section::Kind::HeaderFields);
    CHECK(u->section.fields == std::vector<std::string>{"FROM", "TO"});
    CHECK(u->partial->length == 0xffffffffu);  // to the end
}

TEST_CASE("IMAP URL: absolute URLs report user and host") {
    auto u = parse_imap_url("imap://alice%40example.test;AUTH=*@mail.example.test:143/INBOX/;UID=3/;SECTION=TEXT");
    REQUIRE(u);
    CHECK(u->user == "alice@example.test");
    CHECK(u->host == "mail.example.test:143");
    CHECK(u->section.kind == Section::Kind::Text);
    u = parse_imap_url("IMAP://host/INBOX/;UID=3");
    REQUIRE(u);
    CHECK(!u->user);
}

TEST_CASE("IMAP URL: what names no message is refused") {
    const char* bad[] = {
        "", "INBOX/;UID=1", "/INBOX", "/INBOX/;UID=0", "/INBOX/;UID=x", "/INBOX/;UID=99999999999",
        "/;UID=1", "/INBOX;UIDVALIDITY=0/;UID=1", "/INBOX/;UID=1/;SECTION=BOGUS",
        "/INBOX/;UID=1/;SECTION=1.", "/INBOX/;UID=1/;PARTIAL=1.0", "/INBOX/;UID=1/;PARTIAL=",
        "/INBOX/;UID=1/;URLAUTH=anonymous", "/INBOX/;UID=1;EXPIRE=x", "/IN%zzBOX/;UID=1",
        "/IN%00BOX/;UID=1", "/INBOX?SUBJECT%20x", "imap://", "imap://host", "imap:///INBOX/;UID=1",
        "imap://a;X=1@host/INBOX/;UID=1", "/INBOX/;UID=1/;SECTION=TEXT<0.1>",
    };
    for (const char* url : bad) {
        CAPTURE(url);
        CHECK(!parse_imap_url(url));
    }
}

TEST_CASE("parse: APPEND with CATENATE (RFC 4469 §5), also with MULTIAPPEND") {
    auto a = parse_ok<AppendCmd>(
        "a APPEND x (\\Seen) CATENATE (URL \"/INBOX/;UID=1/;SECTION=HEADER\" TEXT {6}\r\nbody\r\n url /a/;uid=2)");
    REQUIRE(a.messages.size() == 1);
    CHECK(a.messages[0].flags == std::vector<std::string>{"\\Seen"});
    CHECK(a.messages[0].message.empty());
    REQUIRE(a.messages[0].catenate.size() == 3);
    CHECK(a.messages[0].catenate[0].is_url);
    CHECK(a.messages[0].catenate[0].data == "/INBOX/;UID=1/;SECTION=HEADER");
    CHECK(!a.messages[0].catenate[1].is_url);
    CHECK(a.messages[0].catenate[1].data == "body\r\n");
    CHECK(a.messages[0].catenate[2].data == "/a/;uid=2");

    a = parse_ok<AppendCmd>("a APPEND x CATENATE (TEXT ~{3}\r\nabc) {3}\r\ndef catenate (TEXT {1+}\r\ng)");
    REQUIRE(a.messages.size() == 3);
    CHECK(a.messages[0].catenate.size() == 1);
    CHECK(a.messages[0].catenate[0].data == "abc");
    CHECK(a.messages[1].catenate.empty());
    CHECK(a.messages[1].message == "def");
    CHECK(a.messages[2].catenate[0].data == "g");

    parse_bad("a APPEND x CATENATE ()");
    parse_bad("a APPEND x CATENATE (TEXT \"abc\")");  // TEXT takes a literal
    parse_bad("a APPEND x CATENATE (URL)");
    parse_bad("a APPEND x CATENATE (BOGUS {1}\r\na)");
    parse_bad("a APPEND x CATENATE (URL /a/;uid=1");
    parse_bad("a APPEND x CATENATE (URL /a/;uid=1 )");
    parse_bad("a APPEND x CATENATE(URL /a/;uid=1)");
}
