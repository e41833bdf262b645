#include <doctest/doctest.h>

#include "common/mailauth/spf_record.hpp"

using namespace mr::mailauth;

TEST_CASE("spf record: terms, modifiers and their errors") {
    auto r = parse_spf_record("v=spf1 +mx a:example.org/24//64 -ip4:192.0.2.0/24 ~all redirect=_spf.example.org");
    REQUIRE(r);
    REQUIRE(r->directives.size() == 4);
    CHECK(r->directives[1].mechanism == SpfMechanism::A);
    CHECK(r->directives[1].domain_spec == "example.org");
    CHECK(r->directives[1].cidr4 == 24);
    CHECK(r->directives[1].cidr6 == 64);
    CHECK(r->directives[2].qualifier == SpfQualifier::Fail);
    CHECK(r->directives[3].qualifier == SpfQualifier::SoftFail);
    CHECK(*r->redirect == "_spf.example.org");
    CHECK_FALSE(parse_spf_record("v=spf1 redirect=a.example redirect=b.example"));
    CHECK_FALSE(parse_spf_record("v=spf1 foo:bar"));
    CHECK_FALSE(parse_spf_record("v=spf1 ip4:192.0.2.0/33"));
    CHECK_FALSE(parse_spf_record("v=spf1 a:museum"));  // no dot: not a domain-end
    CHECK(parse_spf_record("v=spf1 unknown-mod=anything -all"));
    CHECK(is_spf_record("v=spf1"));
    CHECK(is_spf_record("V=SPF1 -all"));
    CHECK_FALSE(is_spf_record("v=spf10 -all"));
}
