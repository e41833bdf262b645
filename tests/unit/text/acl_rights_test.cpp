#include <doctest/doctest.h>

#include "common/text/acl_rights.hpp"

using mr::ErrorKind;
using mr::text::AclChange;
using mr::text::AclRights;
using mr::text::parse_acl_change;

TEST_CASE("acl rights: parsing and the canonical order (RFC 4314 §2.1)") {
    auto r = AclRights::parse("arl");
    REQUIRE(r);
    CHECK(r->to_string() == "lra");
    CHECK(r->has('l'));
    CHECK(r->has('a'));
    CHECK_FALSE(r->has('w'));
    CHECK_FALSE(r->has('z'));  // not a right at all
    CHECK(AclRights::parse("")->empty());
    CHECK(AclRights::all().to_string() == "lrswipkxtea");
    CHECK(AclRights::parse("lrswipkxtea").value() == AclRights::all());
    CHECK(AclRights::parse("llrr")->to_string() == "lr");  // repeats are harmless
}

TEST_CASE("acl rights: the obsolete c and d map to their RFC 4314 rights") {
    CHECK(AclRights::parse("c")->to_string() == "kx");
    CHECK(AclRights::parse("d")->to_string() == "xte");
    CHECK(AclRights::parse("lrcd")->to_string() == "lrkxte");
    CHECK_FALSE(AclRights::parse("c")->has('c'));
}

TEST_CASE("acl rights: anything else is refused, naming the character") {
    auto bad = AclRights::parse("lrz");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ErrorKind::Syntax);
    CHECK(bad.error().message.find("'z'") != std::string::npos);
    CHECK_FALSE(AclRights::parse("l r"));
    CHECK_FALSE(AclRights::parse("L"));  // rights are lower-case
    auto control = AclRights::parse(std::string("l\x01", 2));
    REQUIRE_FALSE(control);
    CHECK(control.error().message.find('\x01') == std::string::npos);  // never echoed
}

TEST_CASE("acl rights: set operations") {
    const auto lr = AclRights::parse("lr").value();
    const auto rw = AclRights::parse("rw").value();
    CHECK((lr | rw).to_string() == "lrw");
    CHECK((lr & rw).to_string() == "r");
    CHECK(lr.without(rw).to_string() == "l");
}

TEST_CASE("acl rights: SETACL's +/- modifiers (RFC 4314 §3.1)") {
    const auto current = AclRights::parse("lrs").value();
    auto replace = parse_acl_change("lr");
    REQUIRE(replace);
    CHECK(replace->mode == AclChange::Replace);
    CHECK(replace->applied_to(current).to_string() == "lr");
    auto add = parse_acl_change("+wi");
    REQUIRE(add);
    CHECK(add->mode == AclChange::Add);
    CHECK(add->applied_to(current).to_string() == "lrswi");
    auto remove = parse_acl_change("-s");
    REQUIRE(remove);
    CHECK(remove->applied_to(current).to_string() == "lr");
    CHECK(parse_acl_change("")->applied_to(current).empty());
    CHECK(parse_acl_change("-")->applied_to(current) == current);
    CHECK_FALSE(parse_acl_change("+q"));
    CHECK_FALSE(parse_acl_change("++l"));
}
