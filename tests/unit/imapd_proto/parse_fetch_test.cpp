#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace mr::imapd;
using mr::imapd::test::parse_bad;
using mr::imapd::test::parse_ok;
using Kind = FetchItem::Kind;

namespace {

std::vector<Kind> kinds(const FetchCmd& f) {
    std::vector<Kind> out;
    for (const auto& i : f.items) out.push_back(i.kind);
    return out;
}

BodySection only_section(std::string_view wire) {
    auto f = parse_ok<FetchCmd>(wire);
    REQUIRE(f.items.size() == 1);
    REQUIRE(f.items[0].kind == Kind::BodySection);
    return f.items[0].section;
}

}  // namespace

TEST_CASE("fetch: macros expand (rfc3501 §6.4.5)") {
    CHECK(kinds(parse_ok<FetchCmd>("a FETCH 1 ALL")) ==
          std::vector<Kind>{Kind::Flags, Kind::InternalDate, Kind::Rfc822Size, Kind::Envelope});
    CHECK(kinds(parse_ok<FetchCmd>("a FETCH 1 fast")) ==
          std::vector<Kind>{Kind::Flags, Kind::InternalDate, Kind::Rfc822Size});
    CHECK(kinds(parse_ok<FetchCmd>("a FETCH 1 FULL")) ==
          std::vector<Kind>{Kind::Flags, Kind::InternalDate, Kind::Rfc822Size, Kind::Envelope, Kind::Body});
    parse_bad("a FETCH 1 (ALL)");  // macros stand alone
}

TEST_CASE("fetch: every simple attribute") {
    auto f = parse_ok<FetchCmd>(
        "a FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT "
        "BODY BODYSTRUCTURE UID MODSEQ)");
    CHECK(kinds(f) == std::vector<Kind>{Kind::Envelope, Kind::Flags, Kind::InternalDate, Kind::Rfc822,
                                        Kind::Rfc822Header, Kind::Rfc822Size, Kind::Rfc822Text, Kind::Body,
                                        Kind::BodyStructure, Kind::Uid, Kind::ModSeq});
    CHECK(!f.uid);
    CHECK(f.set.uses_star());
    f = parse_ok<FetchCmd>("a UID FETCH 100:200 flags");
    CHECK(f.uid);
    CHECK(kinds(f) == std::vector<Kind>{Kind::Flags});
}

TEST_CASE("fetch: BODY[section]<partial> and BODY.PEEK") {
    auto b = only_section("a FETCH 1 BODY[]");
    CHECK(b.section.kind == Section::Kind::Full);
    CHECK(b.section.part.empty());
    CHECK(!b.peek);
    CHECK(!b.partial);

    b = only_section("a FETCH 1 body.peek[HEADER]");
    CHECK(b.peek);
    CHECK(b.section.kind == Section::Kind::Header);

    b = only_section("a FETCH 1 BODY[TEXT]<0.2048>");
    CHECK(b.section.kind == Section::Kind::Text);
    REQUIRE(b.partial);
    CHECK(b.partial->offset == 0);
    CHECK(b.partial->length == 2048);

    b = only_section("a FETCH 1 BODY[1.2.3]");
    CHECK(b.section.part == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(b.section.kind == Section::Kind::Full);

    b = only_section("a FETCH 1 BODY[4.2.MIME]");
    CHECK(b.section.part == std::vector<std::uint32_t>{4, 2});
    CHECK(b.section.kind == Section::Kind::Mime);

    b = only_section("a FETCH 1 BODY[3.HEADER.FIELDS (Subject)]");
    CHECK(b.section.part == std::vector<std::uint32_t>{3});
    CHECK(b.section.kind == Section::Kind::HeaderFields);

    b = only_section("a FETCH 1 BODY[HEADER.FIELDS.NOT (Received \"X-Spam\" {4}\r\nDate)]<10.5>");
    CHECK(b.section.kind == Section::Kind::HeaderFieldsNot);
    CHECK(b.section.fields == std::vector<std::string>{"Received", "X-Spam", "Date"});
    CHECK(b.partial->offset == 10);

    // Thunderbird's first sync.
    auto f = parse_ok<FetchCmd>(
        "5 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Subject Date "
        "Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])");
    REQUIRE(f.items.size() == 4);
    CHECK(f.items[3].section.peek);
    CHECK(f.items[3].section.section.fields.size() == 13);
}

TEST_CASE("fetch: bad syntax") {
    struct Row {
        const char* wire;
        const char* why;
    };
    const Row rows[] = {
        {"a FETCH 1", "no attributes"},
        {"a FETCH 1 ()", "empty list"},
        {"a FETCH 1 (FLAGS", "unclosed list"},
        {"a FETCH 1 (FLAGS  UID)", "double SP"},
        {"a FETCH 1 FROB", "unknown attribute"},
        {"a FETCH 1 BODY[", "unclosed section"},
        {"a FETCH 1 BODY[MIME]", "MIME needs a part number"},
        {"a FETCH 1 BODY[0]", "part numbers are nz-number"},
        {"a FETCH 1 BODY[1.]", "dangling dot"},
        {"a FETCH 1 BODY[1..2]", "empty part"},
        {"a FETCH 1 BODY[HEADER.FIELDS]", "fields need a list"},
        {"a FETCH 1 BODY[HEADER.FIELDS ()]", "fields list is not empty"},
        {"a FETCH 1 BODY[TEXT]<0>", "partial needs a length"},
        {"a FETCH 1 BODY[TEXT]<0.0>", "length is nz-number"},
        {"a FETCH 1 BODY[TEXT]<1.2", "unclosed partial"},
        {"a FETCH 1 BODY.PEEK", "BODY.PEEK needs a section"},
        {"a FETCH 1 BODY[]<4294967296.1>", "offset over 32 bits"},
        {"a FETCH 1 (FLAGS) (FROB 1)", "unknown fetch modifier"},
        {"a FETCH 1 (FLAGS) ()", "empty fetch modifiers"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE)", "CHANGEDSINCE needs a value"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)", "over 63 bits"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 1 CHANGEDSINCE 2)", "CHANGEDSINCE twice"},
        {"a FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "VANISHED only in UID FETCH"},
        {"a UID FETCH 1 (FLAGS) (VANISHED)", "VANISHED needs CHANGEDSINCE"},
        {"a FETCH 1 FLAGS (CHANGEDSINCE 1", "unclosed modifiers"},
        {"a FETCH * FLAGS extra", "trailing text"},
        {"a FETCH 1,,2 FLAGS", "empty set member"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        parse_bad(row.wire);
    }
}

TEST_CASE("fetch: CHANGEDSINCE and VANISHED modifiers (RFC 7162 §3.1.4.1, §3.2.6)") {
    auto f = parse_ok<FetchCmd>("a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)");
    CHECK(f.changed_since == 12345u);
    CHECK(!f.vanished);
    f = parse_ok<FetchCmd>("a UID FETCH 1:* FLAGS (changedsince 9223372036854775807 vanished)");
    CHECK(f.changed_since == 9223372036854775807u);
    CHECK(f.vanished);
    // Outside the grammar, but iOS sends it: everything.
    CHECK(parse_ok<FetchCmd>("a FETCH 1:* (FLAGS) (CHANGEDSINCE 0)").changed_since == 0u);
    CHECK(!parse_ok<FetchCmd>("a FETCH 1 FLAGS").changed_since);
}

TEST_CASE("store: UNCHANGEDSINCE modifier (RFC 7162 §3.1.3)") {
    auto s = parse_ok<StoreCmd>("a STORE 1:3 (UNCHANGEDSINCE 200) +FLAGS.SILENT (\\Seen)");
    CHECK(s.unchanged_since == 200u);
    CHECK(s.silent);
    CHECK(s.mode == StoreCmd::Mode::Add);
    CHECK(parse_ok<StoreCmd>("a UID STORE 7 (unchangedsince 0) FLAGS $x").unchanged_since == 0u);
    CHECK(!parse_ok<StoreCmd>("a STORE 1 FLAGS $x").unchanged_since);
    parse_bad("a STORE 1 (UNCHANGEDSINCE) FLAGS $x");
    parse_bad("a STORE 1 (FROB 1) FLAGS $x");
    parse_bad("a STORE 1 (UNCHANGEDSINCE 1 FLAGS $x");
    parse_bad("a STORE 1 (UNCHANGEDSINCE 1)FLAGS $x");
}

TEST_CASE("store: modes, silence and flags") {
    auto s = parse_ok<StoreCmd>("a STORE 2:4 +FLAGS (\\Deleted)");
    CHECK(s.mode == StoreCmd::Mode::Add);
    CHECK(!s.silent);
    CHECK(s.flags == std::vector<std::string>{"\\Deleted"});
    s = parse_ok<StoreCmd>("a UID STORE 7 -flags.silent \\seen $Label1");
    CHECK(s.uid);
    CHECK(s.mode == StoreCmd::Mode::Remove);
    CHECK(s.silent);
    CHECK(s.flags == std::vector<std::string>{"\\Seen", "$Label1"});
    s = parse_ok<StoreCmd>("a STORE 1 FLAGS ()");
    CHECK(s.mode == StoreCmd::Mode::Replace);
    CHECK(s.flags.empty());
    s = parse_ok<StoreCmd>("a STORE 1 FLAGS (\\Answered \\Flagged \\Draft NonJunk \\X-Ext)");
    CHECK(s.flags == std::vector<std::string>{"\\Answered", "\\Flagged", "\\Draft", "NonJunk", "\\X-Ext"});

    parse_bad("a STORE 1 FLAGS");
    parse_bad("a STORE 1 FLAGS.LOUD (\\Seen)");
    parse_bad("a STORE 1 *FLAGS (\\Seen)");
    parse_bad("a STORE 1 FLAGS (\\Seen");
    parse_bad("a STORE 1 FLAGS (\\)");
    parse_bad("a STORE 1 FLAGS (a]b)");
    parse_bad("a STORE 1 FLAGS \\Seen ");
    parse_bad("a STORE FLAGS (\\Seen)");
}

TEST_CASE("fetch: BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516 §7)") {
    auto f = parse_ok<FetchCmd>("a FETCH 1 (BINARY[1.2] binary.peek[] BINARY.SIZE[3] BINARY[1]<5.10>)");
    REQUIRE(kinds(f) == std::vector<Kind>{Kind::Binary, Kind::Binary, Kind::BinarySize, Kind::Binary});
    CHECK(f.items[0].section.section.part == std::vector<std::uint32_t>{1, 2});
    CHECK(!f.items[0].section.peek);
    CHECK(fetch_item_sets_seen(f.items[0]));
    CHECK(f.items[1].section.section.part.empty());
    CHECK(f.items[1].section.peek);
    CHECK(!fetch_item_sets_seen(f.items[1]));
    CHECK(f.items[2].section.section.part == std::vector<std::uint32_t>{3});
    CHECK(!fetch_item_sets_seen(f.items[2]));
    REQUIRE(f.items[3].section.partial);
    CHECK(f.items[3].section.partial->offset == 5);
    CHECK(f.items[3].section.partial->length == 10);

    parse_bad("a FETCH 1 BINARY[HEADER]");      // section-binary is part numbers only
    parse_bad("a FETCH 1 BINARY[1.TEXT]");
    parse_bad("a FETCH 1 BINARY[1.]");
    parse_bad("a FETCH 1 BINARY[0]");           // nz-number
    parse_bad("a FETCH 1 BINARY.SIZE[1]<0.5>");  // no partial on BINARY.SIZE
    parse_bad("a FETCH 1 BINARY[1]<0.0>");
    parse_bad("a FETCH 1 BINARY[1");
    parse_bad("a FETCH 1 BINARY");
}

TEST_CASE("fetch: EMAILID, THREADID (RFC 8474 §7) and SAVEDATE (RFC 8514 §6)") {
    CHECK(kinds(parse_ok<FetchCmd>("a FETCH 1:* (emailid THREADID SaveDate UID)")) ==
          std::vector<Kind>{Kind::EmailId, Kind::ThreadId, Kind::SaveDate, Kind::Uid});
    parse_bad("a FETCH 1 EMAILIDS");
}
