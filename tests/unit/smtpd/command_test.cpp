#include <doctest/doctest.h>

#include "smtpd/proto/command.hpp"
#include "smtpd/proto/recipient_policy.hpp"

using namespace mr::smtpd;

namespace {

// By value: the Parsed argument is a temporary.
template <class T>
Reply refused(const Parsed<T>& p) {
    REQUIRE(std::holds_alternative<Reply>(p));
    return std::get<Reply>(p);
}
template <class T>
T accepted(const Parsed<T>& p) {
    if (auto* r = std::get_if<Reply>(&p)) FAIL_CHECK(r->format());
    REQUIRE(std::holds_alternative<T>(p));
    return std::get<T>(p);
}

}  // namespace

TEST_CASE("verbs are case-insensitive; the argument loses trailing spaces") {
    auto c = parse_command("mail FROM:<a@b>  ");
    CHECK(c.verb == Verb::Mail);
    CHECK(c.arg == "FROM:<a@b>");
    CHECK(parse_command("StartTLS").verb == Verb::Starttls);
    CHECK(parse_command("XYZZY 1").verb == Verb::Unknown);
    CHECK(parse_command("").verb == Verb::Unknown);
}

TEST_CASE("MAIL FROM: path and parameters") {
    const auto m = accepted(parse_mail("FROM:<Sender@Remote.Example> SIZE=1000 BODY=8BITMIME RET=hdrs ENVID=QQ+2B1", 5000));
    CHECK(m.sender.to_string() == "Sender@remote.example");
    CHECK(m.size == 1000u);
    CHECK(m.eight_bit);
    CHECK(m.ret == "HDRS");
    CHECK(m.envid == "QQ+2B1");
    CHECK(accepted(parse_mail("FROM:<>", 10)).sender.is_null());
    CHECK(accepted(parse_mail("from: <a@b.example>", 10)).sender.to_string() == "a@b.example");
    CHECK(accepted(parse_mail("FROM:<a@b.example> AUTH=<>", 10)).sender.domain == "b.example");
}

TEST_CASE("MAIL FROM: every refusal has its code") {
    CHECK(refused(parse_mail("<a@b>", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:a@b", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@@b>", 10)).enhanced == "5.1.7");
    CHECK(refused(parse_mail("FROM:<a@b.example>SIZE=1", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> SIZE=x", 10)).code == 501);
    // RFC 1870 §6.1: over the limit already at MAIL.
    const auto big = refused(parse_mail("FROM:<a@b.example> SIZE=11", 10));
    CHECK(big.code == 552);
    CHECK(big.enhanced == "5.3.4");
    CHECK(refused(parse_mail("FROM:<a@b.example> BODY=BINARYMIME", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> RET=ALL", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> ENVID=a=b", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> ENVID=" + std::string(101, 'x'), 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> SIZE=1 SIZE=2", 10)).code == 501);
    CHECK(refused(parse_mail("FROM:<a@b.example> SMTPUTF8=yes", 10)).code == 501);
    const auto unknown = refused(parse_mail("FROM:<a@b.example> XFOO=1", 10));
    CHECK(unknown.code == 555);
    CHECK(unknown.enhanced == "5.5.4");
}

TEST_CASE("SMTPUTF8 is required for a non-ASCII address (RFC 6531)") {
    const auto r = refused(parse_mail("FROM:<j\xc3\xb6rg@b.example>", 10));
    CHECK(r.code == 553);
    CHECK(r.enhanced == "5.6.7");
    const auto m = accepted(parse_mail("FROM:<j\xc3\xb6rg@b.example> SMTPUTF8", 10));
    CHECK(m.smtputf8);
    CHECK(m.sender.local_part == "j\xc3\xb6rg");
    CHECK(refused(parse_rcpt("TO:<j\xc3\xb6rg@b.example>", false)).code == 553);
    CHECK(accepted(parse_rcpt("TO:<j\xc3\xb6rg@b.example>", true)).recipient.local_part == "j\xc3\xb6rg");
}

TEST_CASE("RCPT TO: DSN parameters (RFC 3461)") {
    const auto r = accepted(parse_rcpt("TO:<bob@example.test> NOTIFY=success,Delay ORCPT=rfc822;bob+40x@example.test", false));
    CHECK(r.notify == "SUCCESS,DELAY");
    CHECK(r.orcpt == "rfc822;bob+40x@example.test");
    CHECK(accepted(parse_rcpt("TO:<bob@example.test> NOTIFY=NEVER", false)).notify == "NEVER");
    CHECK(refused(parse_rcpt("TO:<bob@example.test> NOTIFY=NEVER,SUCCESS", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@example.test> NOTIFY=", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@example.test> NOTIFY=SUCCESS,", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@example.test> ORCPT=bob@example.test", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@example.test> ORCPT=rfc822;a+zz", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@example.test> SIZE=1", false)).code == 555);
    CHECK(refused(parse_rcpt("TO:<>", false)).code == 501);
    CHECK(refused(parse_rcpt("TO:<bob@@example.test>", false)).enhanced == "5.1.3");
    CHECK(accepted(parse_rcpt("TO:<Postmaster>", false)).recipient.is_bare_postmaster());
}

TEST_CASE("BDAT arguments (RFC 3030)") {
    CHECK(parse_bdat("100")->size == 100);
    CHECK_FALSE(parse_bdat("100")->last);
    CHECK(parse_bdat("0 LAST")->last);
    CHECK(parse_bdat("7 last")->size == 7);
    CHECK_FALSE(parse_bdat(""));
    CHECK_FALSE(parse_bdat("-1"));
    CHECK_FALSE(parse_bdat("10 FIRST"));
    CHECK_FALSE(parse_bdat("99999999999999999999999"));
}

TEST_CASE("xtext (RFC 3461 §4)") {
    CHECK(is_xtext("abc+2B+3D"));
    CHECK(is_xtext(""));
    CHECK_FALSE(is_xtext("a=b"));
    CHECK_FALSE(is_xtext("a+2b"));
    CHECK_FALSE(is_xtext("a+2"));
    CHECK_FALSE(is_xtext("a b"));
}

TEST_CASE("relay tricks are recognised") {
    auto rcpt = [](std::string_view arg) { return accepted(parse_rcpt(arg, false)).recipient; };
    CHECK(relay_trick(rcpt("TO:<user%other.example@example.test>")));
    CHECK(relay_trick(rcpt("TO:<other.example!user@example.test>")));
    CHECK(relay_trick(rcpt("TO:<\"user@other.example\"@example.test>")));
    CHECK(relay_trick(rcpt("TO:<user@[192.0.2.1]>")));
    CHECK_FALSE(relay_trick(rcpt("TO:<user@example.test>")));
    CHECK_FALSE(relay_trick(rcpt("TO:<Postmaster>")));
    // A source route is dropped: the final address decides.
    CHECK(rcpt("TO:<@example.test:user@other.example>").to_string() == "user@other.example");
    CHECK(is_trailing_dot_path("TO:<user@example.test.>", false));
    CHECK_FALSE(is_trailing_dot_path("TO:<user@example.test>", false));
    CHECK_FALSE(is_trailing_dot_path("TO:<user@@example.test.>", false));
    CHECK(relay_denied().code == 554);
}
