#include <doctest/doctest.h>

#include "common/milter/milter_codec.hpp"

using namespace mr::milter;
using namespace std::string_literals;

namespace {

std::string u32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
            static_cast<char>(v & 0xff)};
}

Packet one(const std::string& wire) {
    PacketReader r;
    r.feed(wire);
    auto p = r.next();
    REQUIRE(p);
    REQUIRE(p->has_value());
    return **p;
}

}  // namespace

TEST_CASE("packets carry a 4-byte length that counts the command byte") {
    CHECK(packet('Q', {}) == "\0\0\0\1Q"s);
    CHECK(helo_packet("mx.example.org") == u32(16) + "Hmx.example.org\0"s);
    CHECK(mail_packet("a@b.example") == u32(15) + "M<a@b.example>\0"s);
    CHECK(mail_packet("") == u32(4) + "M<>\0"s);
    CHECK(header_packet("Subject", "hi\0there"s) == u32(18) + "LSubject\0hi there\0"s);
}

TEST_CASE("option negotiation asks for version 6 and our actions") {
    CHECK(optneg_packet(action::kSupported, protocol::kOffered) ==
          u32(13) + "O" + u32(6) + u32(0x31) + u32(protocol::kOffered));
}

TEST_CASE("connect names the family, the port in network order and the address") {
    CHECK(connect_packet("[192.0.2.1]", "192.0.2.1", 0x1234) == u32(26) + "C[192.0.2.1]\0" "4\x12\x34" "192.0.2.1\0"s);
    CHECK(connect_packet("[::1]", "::1", 25)[11] == '6');
}

TEST_CASE("macros name the step they belong to") {
    CHECK(macro_packet('M', {{"i", "Q1"}, {"{mail_addr}", "a@b"}}) ==
          u32(23) + "DMi\0Q1\0{mail_addr}\0a@b\0"s);
}

TEST_CASE("body chunks are cut at 65535 bytes") {
    const std::string big(70000, 'x');
    CHECK(body_packet(big).size() == 4 + 1 + 65535);
}

TEST_CASE("the reader waits for a whole packet and keeps what follows") {
    PacketReader r;
    const std::string two = packet('c', {}) + packet('h', "X-A\0b\0"s);
    r.feed(two.substr(0, 3));
    CHECK(!r.next()->has_value());
    r.feed(two.substr(3, 4));
    auto p = r.next();
    REQUIRE(p->has_value());
    CHECK((*p)->command == 'c');
    CHECK(!r.next()->has_value());
    r.feed(two.substr(7));
    p = r.next();
    REQUIRE(p->has_value());
    CHECK((*p)->command == 'h');
    CHECK((*p)->data == "X-A\0b\0"s);
}

TEST_CASE("a zero or oversized length is an error, not an allocation") {
    PacketReader r;
    r.feed("\0\0\0\0c"s);
    CHECK(!r.next());
    PacketReader big;
    big.feed(u32(kMaxPacket + 1) + "c");
    CHECK(!big.next());
}

TEST_CASE("simple responses") {
    using K = Response::Kind;
    CHECK(parse_response(one(packet('a', {})))->kind == K::Accept);
    CHECK(parse_response(one(packet('c', {})))->kind == K::Continue);
    CHECK(parse_response(one(packet('r', {})))->kind == K::Reject);
    CHECK(parse_response(one(packet('t', {})))->kind == K::TempFail);
    CHECK(parse_response(one(packet('d', {})))->kind == K::Discard);
    CHECK(parse_response(one(packet('p', {})))->kind == K::Progress);
    CHECK(parse_response(one(packet('l', {})))->kind == K::Skip);
    CHECK(parse_response(one(packet('+', "<x@y>\0"s)))->kind == K::Unrequested);
    CHECK(!parse_response(one(packet('Z', {}))));
}

TEST_CASE("header changes carry an index, a name and a value") {
    auto add = parse_response(one(packet('h', "X-Spam\0Yes\0"s)));
    REQUIRE(add);
    CHECK(add->kind == Response::Kind::AddHeader);
    CHECK(add->name == "X-Spam");
    CHECK(add->value == "Yes");
    auto chg = parse_response(one(packet('m', u32(2) + "Subject\0\0"s)));
    REQUIRE(chg);
    CHECK(chg->kind == Response::Kind::ChgHeader);
    CHECK(chg->index == 2);
    CHECK(chg->value.empty());
    auto ins = parse_response(one(packet('i', u32(0) + "X-First\0v\0"s)));
    REQUIRE(ins);
    CHECK(ins->kind == Response::Kind::InsHeader);
    CHECK(!parse_response(one(packet('h', "X-Spam\0Yes"s))));      // unterminated value
    CHECK(!parse_response(one(packet('m', "\0\0"s))));             // no index
    CHECK(!parse_response(one(packet('h', "Bad Name\0v\0"s))));    // not a field name
    CHECK(!parse_response(one(packet('h', "Bad:Name\0v\0"s))));
}

TEST_CASE("quarantine gives a reason") {
    auto q = parse_response(one(packet('q', "spam\0"s)));
    REQUIRE(q);
    CHECK(q->kind == Response::Kind::Quarantine);
    CHECK(q->reason == "spam");
}

TEST_CASE("reply codes must be 4xx or 5xx") {
    auto r = parse_reply_code("554 5.7.1 Spam message rejected");
    REQUIRE(r);
    CHECK(r->code == 554);
    CHECK(r->enhanced == "5.7.1");
    CHECK(r->text == "Spam message rejected");
    r = parse_reply_code("451 try later");
    REQUIRE(r);
    CHECK(r->enhanced.empty());
    CHECK(r->text == "try later");
    r = parse_reply_code("550-5.7.1 first\r\n550 5.7.1 second");
    REQUIRE(r);
    CHECK(r->text == "first second");
    CHECK(parse_reply_code("550")->text.empty());
    CHECK(!parse_reply_code("250 2.0.0 ok"));
    CHECK(!parse_reply_code("650 x"));
    CHECK(!parse_reply_code("55 x"));
    CHECK(!parse_reply_code("550x"));
    CHECK(!parse_reply_code(""));
    CHECK(!parse_reply_code("550-a\r\n451 b"));
    CHECK(parse_reply_code("550 4.7.1 mismatched class")->enhanced.empty());
    auto y = parse_response(one(packet('y', "550 5.7.1 no\0"s)));
    REQUIRE(y);
    CHECK(y->kind == Response::Kind::ReplyCode);
    CHECK(y->reply.code == 550);
    CHECK(!parse_response(one(packet('y', "250 ok\0"s))));
}

TEST_CASE("negotiation keeps what both sides offered") {
    auto n = parse_optneg(u32(6) + u32(0xff) + u32(0xffffffff));
    REQUIRE(n);
    auto a = agree({6, action::kSupported, protocol::kOffered}, *n);
    REQUIRE(a);
    CHECK(a->actions == action::kSupported);
    CHECK(a->protocol_flags == protocol::kOffered);
    CHECK(!agree({6, 0, 0}, {1, 0, 0}));
    CHECK(!agree({6, 0, 0}, {7, 0, 0}));
    CHECK(agree({6, 0, 0}, {2, 0, 0}));
    CHECK(!parse_optneg(u32(6) + u32(0)));
}
