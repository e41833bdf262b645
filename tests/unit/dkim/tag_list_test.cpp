#include <doctest/doctest.h>

#include "common/dkim/base64.hpp"
#include "common/dkim/key_record.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/tag_list.hpp"

using namespace mr::dkim;

TEST_CASE("dkim tag list: the RFC 6376 §3.2 grammar") {
    // Folding whitespace around names, "=", values and between tvals.
    auto tags = parse_tag_list(" v=1;\r\n\ta = rsa-sha256 ; h=from : to;\r\n b=ab cd\r\n ef;");
    REQUIRE(tags);
    REQUIRE(tags->size() == 4);
    CHECK((*tags)[1].name == "a");
    CHECK((*tags)[1].value == "rsa-sha256");
    CHECK(find_tag(*tags, "h")->value == "from : to");
    CHECK(find_tag(*tags, "b")->value == "ab cd\r\n ef");
    CHECK(find_tag(*tags, "x") == nullptr);
    CHECK(parse_tag_list("a=;b=")->size() == 2);  // empty values are allowed
    CHECK(parse_tag_list("a=1;")->size() == 1);   // a final ";" too

    CHECK_FALSE(parse_tag_list(""));
    CHECK_FALSE(parse_tag_list("   "));
    CHECK_FALSE(parse_tag_list("a=1;;b=2"));
    CHECK_FALSE(parse_tag_list("a=1;a=2"));       // a tag named twice invalidates the list
    CHECK_FALSE(parse_tag_list("1a=x"));
    CHECK_FALSE(parse_tag_list("a"));
    CHECK_FALSE(parse_tag_list("a=caf\xc3\xa9"));  // VALCHAR is ASCII
    CHECK_FALSE(parse_tag_list("a=\x01"));
    CHECK(split_colons(" from : to :cc") == std::vector<std::string_view>{"from", "to", "cc"});
}

TEST_CASE("dkim base64: decoding skips folding and refuses broken text") {
    CHECK(*base64_decode("aGVs\r\n bG8=") == "hello");
    CHECK(*base64_decode("") == "");
    CHECK(base64_decode("aGVsbG8").has_value() == false);  // unpadded
    CHECK(base64_decode("aG=sbG8=").has_value() == false);
    CHECK(base64_decode("aGVs!G8=").has_value() == false);
    CHECK(base64_decode("a===").has_value() == false);
}

TEST_CASE("dkim key records: RFC 8463 §A.2 and what makes a record unusable") {
    auto ed = parse_key_record("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    REQUIRE(ed);
    CHECK(ed->type == KeyType::Ed25519);
    CHECK(ed->public_key.size() == 32);
    CHECK_FALSE(ed->revoked);

    auto rsa = parse_key_record("p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR");
    CHECK_FALSE(rsa);  // not whole base64
    auto minimal = parse_key_record("p=AAAA");
    REQUIRE(minimal);
    CHECK(minimal->type == KeyType::Rsa);  // k= defaults to rsa
    CHECK(minimal->allows_sha256);
    CHECK(minimal->for_email);

    auto revoked = parse_key_record("v=DKIM1; p=");
    REQUIRE(revoked);
    CHECK(revoked->revoked);

    auto flags = parse_key_record("v=DKIM1; h=sha1; s=email:other; t=y:s:z; n=note; p=AAAA");
    REQUIRE(flags);
    CHECK_FALSE(flags->allows_sha256);
    CHECK(flags->for_email);
    CHECK(flags->testing);
    CHECK(flags->strict);
    CHECK_FALSE(parse_key_record("p=AAAA; s=other")->for_email);

    CHECK_FALSE(parse_key_record("v=DKIM2; p=AAAA"));
    CHECK_FALSE(parse_key_record("v=DKIM1; k=dsa; p=AAAA"));
    CHECK_FALSE(parse_key_record("v=DKIM1; k=rsa"));
    CHECK_FALSE(parse_key_record("v=spf1 -all"));
}

TEST_CASE("dkim signature fields: §6.1.1 checks") {
    const std::string base = "v=1; a=rsa-sha256; d=Example.ORG; s=sel; h=From:Subject; bh=AAAA; b=AAAA";
    auto sig = parse_signature(base);
    REQUIRE(sig);
    CHECK(sig->domain == "example.org");
    CHECK(sig->auid == "@example.org");
    CHECK(sig->signed_fields == std::vector<std::string>{"from", "subject"});
    CHECK(sig->header_canon == Canon::Simple);
    CHECK(sig->body_canon == Canon::Simple);
    CHECK(base.substr(sig->b_value_begin, sig->b_value_end - sig->b_value_begin) == "AAAA");

    CHECK(parse_signature(base + "; c=relaxed")->body_canon == Canon::Simple);
    CHECK(parse_signature(base + "; c=relaxed/relaxed")->body_canon == Canon::Relaxed);
    CHECK(parse_signature(base + "; i=joe@sub.example.org"));
    CHECK(*parse_signature(base + "; l=12")->body_length == 12);
    CHECK(parse_signature(base + "; q=dns/txt"));
    CHECK(parse_signature(base + "; a2=unknown tags are fine"));
    CHECK(parse_signature("v=1; a=rsa-sha1; d=a.b; s=s; h=from; bh=AAAA; b=AAAA")->algorithm == SigAlgorithm::RsaSha1);

    for (const char* bad : {"; i=joe@other.org", "; i=joe@badexample.org", "; i=nodomain", "; c=fancy/simple",
                            "; q=http", "; l=-1", "; t=abc", "; t=20; x=10", "; x=1234567890123"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_signature(base + bad));
    }
    CHECK_FALSE(parse_signature("v=2; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha512; d=a.b; s=s; h=from; bh=AAAA; b=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a.b; s=s; h=to:subject; bh=AAAA; b=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AA!A"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a..b; s=s; h=from; bh=AAAA; b=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a.b; s=s/x; h=from; bh=AAAA; b=AAAA"));
    CHECK_FALSE(parse_signature("v=1; a=rsa-sha256; d=a.b; s=s; h=from::to; bh=AAAA; b=AAAA"));
}
