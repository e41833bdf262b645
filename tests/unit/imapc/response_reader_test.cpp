#include <doctest/doctest.h>

#include <string>

#include "common/imapc/response_reader.hpp"

using namespace mr::imapc;

namespace {

std::vector<Response> read_all(ResponseReader& r) {
    std::vector<Response> out;
    for (;;) {
        auto next = r.next();
        REQUIRE(next.ok());
        if (!*next) return out;
        out.push_back(std::move(**next));
    }
}

}  // namespace

TEST_CASE("imapc: LIST, STATUS and tagged responses as values (RFC 3501 §7.2.2, §7.2.4)") {
    ResponseReader r;
    r.feed("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"
           "* LIST (\\Noselect) \".\" {5}\r\nLists\r\n"
           "* STATUS INBOX (MESSAGES 3 UIDVALIDITY 1796650548 UIDNEXT 5)\r\n"
           "a1 OK [READ-ONLY] done\r\n");
    auto all = read_all(r);
    REQUIRE(all.size() == 4);
    CHECK(all[0].tag == "*");
    CHECK(all[0].values[0].is_atom("LIST"));
    REQUIRE(all[0].values[1].kind == Value::Kind::List);
    CHECK(all[0].values[1].items[1].is_atom("\\SENT"));
    CHECK(all[0].values[2].text == "/");
    CHECK(all[0].values[3].text == "Sent Items");
    CHECK(all[1].values[3].kind == Value::Kind::String);
    CHECK(all[1].values[3].text == "Lists");
    CHECK(all[2].values[2].items.size() == 6);
    CHECK(all[2].values[2].items[3].text == "1796650548");
    CHECK(all[3].tag == "a1");
    CHECK(all[3].values[0].is_atom("OK"));
    CHECK(all[3].values[1].text == "[READ-ONLY]");
}

TEST_CASE("imapc: a FETCH with a body literal comes out whole, however the bytes arrive") {
    const std::string body = "Subject: x\r\n\r\n(not a list) \"nor a string\r\n";
    const std::string wire = "* 2 FETCH (UID 7 FLAGS (\\Seen $Work) INTERNALDATE \" 7-Feb-1994 21:52:25 -0800\" "
                             "BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")\r\n";
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{17}, wire.size()}) {
        ResponseReader r;
        std::vector<Response> got;
        for (std::size_t i = 0; i < wire.size(); i += step) {
            r.feed(wire.substr(i, step));
            auto more = read_all(r);
            got.insert(got.end(), more.begin(), more.end());
        }
        REQUIRE(got.size() == 1);
        const auto& items = got[0].values[2].items;
        REQUIRE(items.size() == 8);
        CHECK(items[1].text == "7");
        CHECK(items[3].items[1].text == "$Work");
        CHECK(items[5].text == " 7-Feb-1994 21:52:25 -0800");
        CHECK(items[6].text == "BODY[]");
        CHECK(items[7].text == body);
    }
}

TEST_CASE("imapc: NIL, escapes, bracketed atoms with spaces") {
    auto r = parse_response("* 1 FETCH (BODY[HEADER.FIELDS (FROM TO)] NIL X \"a\\\"b\\\\c\")\r\n");
    REQUIRE(r.ok());
    const auto& items = r->values[2].items;
    REQUIRE(items.size() == 4);
    CHECK(items[0].text == "BODY[HEADER.FIELDS (FROM TO)]");
    CHECK(items[1].kind == Value::Kind::Nil);
    CHECK(items[3].text == "a\"b\\c");
}

TEST_CASE("imapc: malformed and oversized responses are errors, not crashes or endless buffers") {
    CHECK_FALSE(parse_response("* LIST (\\Noselect \"/\" x\r\n").ok());
    CHECK_FALSE(parse_response("* OK \"open\r\n").ok());
    CHECK_FALSE(parse_response("* X {5}\r\nab").ok());
    std::string deep = "* X " + std::string(100, '(') + std::string(100, ')') + "\r\n";
    CHECK_FALSE(parse_response(deep).ok());

    ResponseReader small(10);
    small.feed("* 1 FETCH (BODY[] {11}\r\n");
    CHECK_FALSE(small.next().ok());
    ResponseReader endless;
    endless.feed(std::string(ResponseReader::kMaxLine + 1, 'a'));
    CHECK_FALSE(endless.next().ok());
}
