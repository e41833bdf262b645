// The `_smtp._tls` TXT record of RFC 8460 §3 (deliverd/tls_policy/tlsrpt_record): its
// grammar, the choice among several records, and the report addresses of its rua.
#include "deliverd/tls_policy/tlsrpt_record.hpp"

#include <doctest/doctest.h>

using namespace mr::deliverd::tls_policy;

TEST_CASE("TLSRPT record: the RFC 8460 §3.1 examples") {
    auto mail = parse_tlsrpt_record("v=TLSRPTv1;rua=mailto:reports@example.com");
    REQUIRE(mail);
    CHECK(mail->rua == std::vector<std::string>{"mailto:reports@example.com"});
    CHECK(mailto_addresses(*mail) == std::vector<std::string>{"reports@example.com"});
    auto web = parse_tlsrpt_record("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt");
    REQUIRE(web);
    CHECK(web->rua == std::vector<std::string>{"https://reporting.example.com/v1/tlsrpt"});
    CHECK(mailto_addresses(*web).empty());
}

TEST_CASE("TLSRPT record: delimiters, several URIs, extensions") {
    auto r = parse_tlsrpt_record("v=TLSRPTv1 ; rua=mailto:a@example.com , mailto:b%2Bx@example.net?subject=x ,"
                                 "https://r.example/ ; ext_1=v.2 ;");
    REQUIRE(r);
    CHECK(r->rua.size() == 3);
    CHECK(mailto_addresses(*r) == std::vector<std::string>{"a@example.com", "b+x@example.net"});
    // The first rua wins over a repeated one.
    auto twice = parse_tlsrpt_record("v=TLSRPTv1;rua=mailto:one@example.com;rua=mailto:two@example.com");
    REQUIRE(twice);
    CHECK(twice->rua == std::vector<std::string>{"mailto:one@example.com"});
}

TEST_CASE("TLSRPT record: invalid ones are refused") {
    for (const char* bad : {"", "v=TLSRPTv1", "v=TLSRPTv1;", "v=tlsrptv1;rua=mailto:a@example.com",
                            "v=TLSRPTv2;rua=mailto:a@example.com", "v=TLSRPTv1 rua=mailto:a@example.com",
                            "rua=mailto:a@example.com; v=TLSRPTv1", "v=TLSRPTv1;ext=1",
                            "v=TLSRPTv1;rua=", "v=TLSRPTv1;rua=mailto:a@example.com,",
                            "v=TLSRPTv1;rua=no-scheme", "v=TLSRPTv1;rua=mailto:a@example.com;;",
                            "v=TLSRPTv1;rua=mailto:a!b@example.com", "v=TLSRPTv1;rua=mailto:a@example.com;x=a b",
                            "v=TLSRPTv1;rua=mailto:a@example.com;_x=1", "v=TLSRPTv1;rua=mailto:a@example.com;x"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_tlsrpt_record(bad));
    }
}

TEST_CASE("TLSRPT record: exactly one record beginning v=TLSRPTv1; counts") {
    const std::string good = "v=TLSRPTv1; rua=mailto:tls@example.com";
    CHECK(tlsrpt_policy({"v=spf1 -all", good}));
    CHECK_FALSE(tlsrpt_policy({good, "v=TLSRPTv1;rua=mailto:other@example.com"}));
    CHECK_FALSE(tlsrpt_policy({}));
    CHECK_FALSE(tlsrpt_policy({"v=TLSRPTv1x;rua=mailto:a@example.com"}));
}

TEST_CASE("TLSRPT record: undecodable or listed mailto addresses are left out") {
    auto r = parse_tlsrpt_record("v=TLSRPTv1;rua=mailto:a%2@example.com,mailto:a%20b@example.com,"
                                 "mailto:a@example.com%2Cb@example.com,mailto:no-at,mailto:ok@example.com");
    REQUIRE(r);
    CHECK(mailto_addresses(*r) == std::vector<std::string>{"ok@example.com"});
}
