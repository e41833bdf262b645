#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/reply_ttl.hpp"

using mr::dns::reply_ttl;

namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, unsigned v) {
    b.push_back(static_cast<unsigned char>(v >> 8));
    b.push_back(static_cast<unsigned char>(v));
}
void put32(Bytes& b, std::uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}
void put_name(Bytes& b, std::string_view name) {
    while (!name.empty()) {
        const auto dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        b.push_back(static_cast<unsigned char>(label.size()));
        b.insert(b.end(), label.begin(), label.end());
        name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    }
    b.push_back(0);
}

// A reply to "client.test TXT": `answers` TXT records with these TTLs, and an SOA
// (TTL, MINIMUM) in the authority section when `soa` is set.
Bytes reply(unsigned rcode, const std::vector<std::uint32_t>& answers, std::vector<std::uint32_t> soa = {}) {
    Bytes b;
    put16(b, 0x1234);
    put16(b, 0x8580 | rcode);
    put16(b, 1);
    put16(b, static_cast<unsigned>(answers.size()));
    put16(b, soa.empty() ? 0 : 1);
    put16(b, 0);
    put_name(b, "client.test");
    put16(b, 16);
    put16(b, 1);
    for (std::uint32_t ttl : answers) {
        put16(b, 0xc00c);  // the question's name
        put16(b, 16);
        put16(b, 1);
        put32(b, ttl);
        const std::string txt = "v=spf1 -all";
        put16(b, static_cast<unsigned>(txt.size() + 1));
        b.push_back(static_cast<unsigned char>(txt.size()));
        b.insert(b.end(), txt.begin(), txt.end());
    }
    if (!soa.empty()) {
        Bytes rdata;
        put_name(rdata, "ns.test");
        put_name(rdata, "hostmaster.test");
        for (std::uint32_t v : {1u, 3600u, 600u, 86400u, soa[1]}) put32(rdata, v);
        put16(b, 0xc013);  // "test", inside the question's name
        put16(b, 6);
        put16(b, 1);
        put32(b, soa[0]);
        put16(b, static_cast<unsigned>(rdata.size()));
        b.insert(b.end(), rdata.begin(), rdata.end());
    }
    return b;
}

std::uint32_t ttl_of(const Bytes& b, bool negative) { return reply_ttl(b.data(), static_cast<int>(b.size()), negative); }

}  // namespace

TEST_CASE("reply ttl: the smallest TTL of the answer records") {
    CHECK(ttl_of(reply(0, {300}), false) == 300);
    CHECK(ttl_of(reply(0, {3600, 60, 900}), false) == 60);
    CHECK(ttl_of(reply(0, {0}), false) == 0);
}

TEST_CASE("reply ttl: a negative answer is kept min(SOA TTL, SOA MINIMUM) (RFC 2308 §5)") {
    CHECK(ttl_of(reply(3, {}, {3600, 120}), true) == 120);
    CHECK(ttl_of(reply(0, {}, {60, 86400}), true) == 60);  // NODATA
    // Without an SOA it is not kept at all.
    CHECK(ttl_of(reply(3, {}), true) == 0);
}

TEST_CASE("reply ttl: a reply that cannot be read is not kept") {
    Bytes b = reply(0, {300});
    CHECK(reply_ttl(nullptr, 0, false) == 0);
    CHECK(reply_ttl(b.data(), 5, false) == 0);
    b.erase(b.end() - 4, b.end());  // the record's data cut short
    CHECK(ttl_of(b, false) == 0);
}
