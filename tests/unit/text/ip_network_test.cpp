#include <doctest/doctest.h>

#include "common/text/ip_network.hpp"

using namespace mr::text;

TEST_CASE("IPv4 networks") {
    auto net = parse_ip_network("127.0.0.0/8");
    REQUIRE(net.ok());
    CHECK(network_contains(*net, "127.0.0.1"));
    CHECK(network_contains(*net, "127.255.255.255"));
    CHECK_FALSE(network_contains(*net, "128.0.0.1"));
    CHECK_FALSE(network_contains(*net, "::1"));
    CHECK_FALSE(network_contains(*net, "localhost"));

    auto one = parse_ip_network("192.0.2.1");  // one address: /32
    REQUIRE(one.ok());
    CHECK(network_contains(*one, "192.0.2.1"));
    CHECK_FALSE(network_contains(*one, "192.0.2.2"));

    auto odd = parse_ip_network("10.1.2.128/25");
    REQUIRE(odd.ok());
    CHECK(network_contains(*odd, "10.1.2.200"));
    CHECK_FALSE(network_contains(*odd, "10.1.2.127"));

    auto all = parse_ip_network("0.0.0.0/0");
    REQUIRE(all.ok());
    CHECK(network_contains(*all, "203.0.113.9"));
    CHECK_FALSE(network_contains(*all, "2001:db8::1"));
}

TEST_CASE("IPv6 networks") {
    auto net = parse_ip_network("2001:db8::/32");
    REQUIRE(net.ok());
    CHECK(network_contains(*net, "2001:db8:ffff::1"));
    CHECK_FALSE(network_contains(*net, "2001:db9::1"));
    CHECK_FALSE(network_contains(*net, "32.1.13.184"));
    auto lo = parse_ip_network("::1/128");
    REQUIRE(lo.ok());
    CHECK(network_contains(*lo, "::1"));
    CHECK_FALSE(network_contains(*lo, "::2"));
}

TEST_CASE("bad networks are refused") {
    for (const char* text : {"", "/8", "127.0.0.0/", "127.0.0.0/33", "::/129", "127.0.0.0/x", "127.0.0.1/8",
                             "2001:db8::1/32", "example.org/24", "127.0.0.0/8 ", "127.0.0.0/-1"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_ip_network(text).ok());
    }
}
