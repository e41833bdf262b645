#include <doctest/doctest.h>

#include <string>

#include "common/text/proxy_header.hpp"

using namespace mr::text;

namespace {

const ProxyParsed* parsed(const ProxyParse& p) { return std::get_if<ProxyParsed>(&p); }
bool need_more(const ProxyParse& p) { return std::holds_alternative<ProxyNeedMore>(p); }
bool bad(const ProxyParse& p) { return std::holds_alternative<ProxyMalformed>(p); }

std::string v2(unsigned char ver_cmd, unsigned char fam, const std::string& body) {
    std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
    h += static_cast<char>(ver_cmd);
    h += static_cast<char>(fam);
    h += static_cast<char>(body.size() >> 8);
    h += static_cast<char>(body.size() & 0xff);
    return h + body;
}

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list) s += static_cast<char>(b);
    return s;
}

// 192.0.2.9:5555 -> 198.51.100.1:25
const std::string kInetBlock = bytes({192, 0, 2, 9, 198, 51, 100, 1, 0x15, 0xb3, 0, 25});

}  // namespace

TEST_CASE("v1 TCP4: the source address and ports; the bytes after it are left alone") {
    const std::string in = "PROXY TCP4 203.0.113.9 127.0.0.1 5555 25\r\nEHLO x\r\n";
    auto r = parse_proxy_header(in);
    REQUIRE(parsed(r));
    const ProxyHeader& h = std::get<ProxyParsed>(r).header;
    CHECK(h.version == 1);
    CHECK(h.has_address);
    CHECK(h.source_ip == "203.0.113.9");
    CHECK(h.source_port == 5555);
    CHECK(h.dest_ip == "127.0.0.1");
    CHECK(h.dest_port == 25);
    CHECK(in.substr(std::get<ProxyParsed>(r).length) == "EHLO x\r\n");
}

TEST_CASE("v1 TCP6, and an IPv4-mapped source shown as IPv4") {
    auto r = parse_proxy_header("PROXY TCP6 2001:DB8::0:1 ::1 65535 0\r\n");
    REQUIRE(parsed(r));
    CHECK(std::get<ProxyParsed>(r).header.source_ip == "2001:db8::1");  // canonical spelling
    CHECK(std::get<ProxyParsed>(r).header.source_port == 65535);
    CHECK(std::get<ProxyParsed>(r).header.dest_port == 0);
    auto m = parse_proxy_header("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n");
    REQUIRE(parsed(m));
    CHECK(std::get<ProxyParsed>(m).header.source_ip == "192.0.2.1");
}

TEST_CASE("v1 UNKNOWN keeps the real endpoints and ignores the rest of its line") {
    for (const std::string in : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"}) {
        CAPTURE(in);
        auto r = parse_proxy_header(in);
        REQUIRE(parsed(r));
        CHECK_FALSE(std::get<ProxyParsed>(r).header.has_address);
        CHECK(std::get<ProxyParsed>(r).length == in.size());
    }
}

TEST_CASE("v1 malformed headers") {
    const char* rows[] = {
        "PROXY TCP4 203.0.113.9 127.0.0.1 5555 25\n",      // LF without CR
        "PROXY TCP4 203.0.113.9 127.0.0.1 5555\r\n",       // a field missing
        "PROXY TCP4 203.0.113.9 127.0.0.1 5555 25 9\r\n",  // one too many
        "PROXY TCP4  203.0.113.9 127.0.0.1 5555 25\r\n",   // two spaces
        "PROXY TCP4 2001:db8::1 127.0.0.1 5555 25\r\n",    // IPv6 under TCP4
        "PROXY TCP6 203.0.113.9 ::1 5555 25\r\n",          // IPv4 under TCP6
        "PROXY TCP4 203.0.113 127.0.0.1 5555 25\r\n",
        "PROXY TCP4 203.0.113.9 127.0.0.1 65536 25\r\n",
        "PROXY TCP4 203.0.113.9 127.0.0.1 05555 25\r\n",
        "PROXY TCP4 203.0.113.9 127.0.0.1 -1 25\r\n",
        "PROXY UDP4 203.0.113.9 127.0.0.1 5555 25\r\n",
        "PROXY\r\n",
        "proxy TCP4 203.0.113.9 127.0.0.1 5555 25\r\n",  // case matters
        "EHLO client.example\r\n",
        "GET / HTTP/1.0\r\n",
    };
    for (const char* row : rows) {
        CAPTURE(row);
        CHECK(bad(parse_proxy_header(row)));
    }
}

TEST_CASE("garbage is refused at its first byte, not after a timeout") {
    CHECK(bad(parse_proxy_header("E")));
    CHECK(bad(parse_proxy_header("PROXX")));
    CHECK(bad(parse_proxy_header(std::string("\r\n\r\nX", 5))));
    CHECK(need_more(parse_proxy_header("PRO")));
    CHECK(need_more(parse_proxy_header(std::string("\r\n\r\n\0", 5))));
    CHECK(need_more(parse_proxy_header("")));
}

TEST_CASE("v1 too long: 107 bytes without a line end") {
    std::string in = "PROXY UNKNOWN " + std::string(92, 'x');  // 106 bytes
    CHECK(need_more(parse_proxy_header(in)));
    CHECK(bad(parse_proxy_header(in + "x")));
    CHECK(parsed(parse_proxy_header(in.substr(0, 105) + "\r\n")));  // 107 with CRLF
    CHECK(bad(parse_proxy_header(in + "\r\n")));                    // 108
}

TEST_CASE("a header split across reads: NeedMore until complete, at every split") {
    const std::string v1 = "PROXY TCP4 203.0.113.9 127.0.0.1 5555 25\r\n";
    const std::string v2h = v2(0x21, 0x11, kInetBlock + bytes({0x04, 0, 2, 'a', 'b'}));  // + a TLV
    for (const std::string& whole : {v1, v2h}) {
        for (std::size_t n = 0; n < whole.size(); ++n) {
            CAPTURE(n);
            CHECK(need_more(parse_proxy_header(whole.substr(0, n))));
        }
        auto r = parse_proxy_header(whole + "QUIT\r\n");
        REQUIRE(parsed(r));
        CHECK(std::get<ProxyParsed>(r).length == whole.size());
    }
}

TEST_CASE("v2 PROXY over AF_INET, TLVs skipped") {
    const std::string tlvs = bytes({0x02, 0, 3, 'a', 'b', 'c', 0x20, 0, 1, 0});
    const std::string in = v2(0x21, 0x11, kInetBlock + tlvs) + "EHLO";
    auto r = parse_proxy_header(in);
    REQUIRE(parsed(r));
    const ProxyHeader& h = std::get<ProxyParsed>(r).header;
    CHECK(h.version == 2);
    CHECK(h.has_address);
    CHECK(h.source_ip == "192.0.2.9");
    CHECK(h.source_port == 5555);
    CHECK(h.dest_ip == "198.51.100.1");
    CHECK(h.dest_port == 25);
    CHECK(in.substr(std::get<ProxyParsed>(r).length) == "EHLO");
}

TEST_CASE("v2 PROXY over AF_INET6") {
    std::string block = bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09});
    block += bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    block += bytes({0x30, 0x39, 0, 25});
    auto r = parse_proxy_header(v2(0x21, 0x21, block));
    REQUIRE(parsed(r));
    CHECK(std::get<ProxyParsed>(r).header.source_ip == "2001:db8::9");
    CHECK(std::get<ProxyParsed>(r).header.source_port == 12345);
    CHECK(std::get<ProxyParsed>(r).header.dest_ip == "::1");
}

TEST_CASE("v2 LOCAL, AF_UNSPEC and AF_UNIX keep the real endpoints") {
    for (const std::string& in : {v2(0x20, 0x00, ""), v2(0x20, 0x11, kInetBlock), v2(0x21, 0x00, ""),
                                  v2(0x21, 0x31, std::string(216, 'u'))}) {
        auto r = parse_proxy_header(in);
        REQUIRE(parsed(r));
        CHECK_FALSE(std::get<ProxyParsed>(r).header.has_address);
        CHECK(std::get<ProxyParsed>(r).length == in.size());
    }
}

TEST_CASE("v2 malformed headers") {
    CHECK(bad(parse_proxy_header(v2(0x11, 0x11, kInetBlock))));          // version 1 in binary form
    CHECK(bad(parse_proxy_header(v2(0x22, 0x11, kInetBlock))));          // command 2
    CHECK(bad(parse_proxy_header(v2(0x21, 0x41, kInetBlock))));          // family 4
    CHECK(bad(parse_proxy_header(v2(0x21, 0x12, kInetBlock))));          // DGRAM
    CHECK(bad(parse_proxy_header(v2(0x21, 0x11, kInetBlock.substr(0, 11)))));  // block too short
    CHECK(bad(parse_proxy_header(v2(0x21, 0x21, kInetBlock))));          // 12 bytes for AF_INET6
}

TEST_CASE("v2 too long: refused from its fixed part, before the bytes arrive") {
    std::string fixed = v2(0x21, 0x11, "").substr(0, 14) + bytes({0xff, 0xff});
    CHECK(bad(parse_proxy_header(fixed)));
    const std::size_t max_body = kMaxProxyV2Bytes - 16;
    std::string ok = v2(0x21, 0x11, kInetBlock + std::string(max_body - kInetBlock.size(), '\0'));
    CHECK(need_more(parse_proxy_header(ok.substr(0, 16))));
    CHECK(parsed(parse_proxy_header(ok)));
    CHECK(bad(parse_proxy_header(v2(0x21, 0x11, kInetBlock + std::string(max_body - kInetBlock.size() + 1, '\0')))));
}

TEST_CASE("the reader takes a header in pieces and leaves what follows it") {
    const std::string v1 = "PROXY TCP4 203.0.113.9 127.0.0.1 5555 25\r\n";
    const std::string v2h = v2(0x21, 0x11, kInetBlock + bytes({0x04, 0, 2, 'a', 'b'}));
    for (const auto& [whole, source] : {std::pair{v1, "203.0.113.9"}, std::pair{v2h, "192.0.2.9"}}) {
        for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{16}}) {
            CAPTURE(piece);
            const std::string in = whole + "EHLO x\r\n";
            ProxyHeaderReader reader;
            std::string_view left = in;
            ProxyParse r;
            std::string_view rest;
            while (true) {
                std::string_view chunk = left.substr(0, piece);
                left.remove_prefix(chunk.size());
                r = reader.feed(chunk);
                if (!need_more(r)) {
                    rest = chunk;
                    break;
                }
                REQUIRE(chunk.empty());  // NeedMore takes every byte
                REQUIRE(!left.empty());
            }
            REQUIRE(parsed(r));
            CHECK(parsed(r)->length == whole.size());
            CHECK(parsed(r)->header.source_ip == source);
            CHECK(std::string(rest) + std::string(left) == "EHLO x\r\n");
        }
    }
}

TEST_CASE("the v1 line holds no bare LF and no more than 107 bytes, however it arrives") {
    ProxyHeaderReader reader;
    std::string_view in = "PROXY UNKNOWN\n";
    CHECK(bad(reader.feed(in)));
    ProxyHeaderReader long_line;
    const std::string a = "PROXY UNKNOWN " + std::string(60, 'x'), b(60, 'x');
    std::string_view pa = a, pb = b;
    CHECK(need_more(long_line.feed(pa)));
    CHECK(bad(long_line.feed(pb)));  // 134 bytes and no line end
}
