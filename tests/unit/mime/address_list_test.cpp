// Address lists for the IMAP ENVELOPE, one row per edge with its reason.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/mime/address_list.hpp"

using namespace mr::mime;

namespace {
using Opt = std::optional<std::string>;
Address mbox(Opt name, std::string mailbox, std::string host, Opt adl = std::nullopt) {
    return Address{std::move(name), std::move(adl), std::move(mailbox), std::move(host)};
}
Address gstart(std::string name) { return Address{std::nullopt, std::nullopt, std::move(name), std::nullopt}; }
const Address gend{};

// Rendered like an IMAP address list so a failing row shows both sides readably.
std::string show(const std::vector<Address>& list) {
    auto n = [](const Opt& o) { return o ? "\"" + *o + "\"" : std::string("NIL"); };
    std::string out;
    for (const Address& a : list) out += "(" + n(a.name) + " " + n(a.adl) + " " + n(a.mailbox) + " " + n(a.host) + ")";
    return out;
}

struct Row {
    std::string input;
    std::vector<Address> expected;
    const char* why;
};
}  // namespace

TEST_CASE("parse_address_list") {
    const Row rows[] = {
        {"", {}, "empty field -> NIL"},
        {"user@example.com", {mbox(std::nullopt, "user", "example.com")}, "bare addr-spec"},
        {"John Doe <jdoe@machine.example>", {mbox("John Doe", "jdoe", "machine.example")},
         "name-addr (rfc5322.txt:869)"},
        {"\"Joe Q. Public\" <john.q.public@example.com>",
         {mbox("Joe Q. Public", "john.q.public", "example.com")}, "quoted display name"},
        {"\"Smith, Mary\" <m@x.test>, jdoe@one.test",
         {mbox("Smith, Mary", "m", "x.test"), mbox(std::nullopt, "jdoe", "one.test")},
         "comma inside quotes does not split"},
        {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
         {mbox("Pete", "pete", "silly.test")}, "comments everywhere (RFC 5322 A.5)"},
        {"<user-from (comment)@ (comment) domain.org>", {mbox(std::nullopt, "user-from", "domain.org")},
         "comments on both sides of @ (CFWS, rfc5322.txt:1941)"},
        {"user@ (c) example.org", {mbox(std::nullopt, "user", "example.org")}, "comment before the domain"},
        {"jdoe@example.org (John Doe)", {mbox("John Doe", "jdoe", "example.org")},
         "legacy trailing comment becomes the name"},
        {"<@route1.test,@route2.test:jdoe@example.org>",
         {mbox(std::nullopt, "jdoe", "example.org", "@route1.test,@route2.test")},
         "obs-route to adl (rfc5322.txt:1928)"},
        {"<@,@r.test:a@b.test>", {mbox(std::nullopt, "a", "b.test", "@r.test")},
         "obs-domain-list with an empty element"},
        {"undisclosed-recipients:;", {gstart("undisclosed-recipients"), gend},
         "empty group: start and end markers (rfc3501.txt:4297)"},
        {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
         {gstart("A Group"), mbox("Ed Jones", "c", "a.test"), mbox(std::nullopt, "joe", "where.test"),
          mbox("John", "jdoe", "one.test"), gend},
         "RFC 5322 A.1.3 group"},
        {"Friends: a@b.test", {gstart("Friends"), mbox(std::nullopt, "a", "b.test"), gend},
         "missing ';' is supplied so markers stay balanced"},
        {"G: a@b.test; x@y.test", {gstart("G"), mbox(std::nullopt, "a", "b.test"), gend,
                                   mbox(std::nullopt, "x", "y.test")}, "address after a group"},
        {"undisclosed-recipients", {mbox(std::nullopt, "undisclosed-recipients", "")},
         "no domain: host \"\" so it is not a group marker"},
        {"<postmaster>", {mbox(std::nullopt, "postmaster", "")}, "angle-addr without domain"},
        {"<@host.test>", {mbox(std::nullopt, "", "host.test")}, "missing local part"},
        {"<>", {mbox(std::nullopt, "", "")}, "null path"},
        {"a@b.test,,, ,c@d.test", {mbox(std::nullopt, "a", "b.test"), mbox(std::nullopt, "c", "d.test")},
         "obs-addr-list null members (rfc5322.txt:1935)"},
        {"\"john doe\"@example.com", {mbox(std::nullopt, "john doe", "example.com")},
         "quoted local part is unquoted"},
        {"john . doe @ example . com", {mbox(std::nullopt, "john.doe", "example.com")},
         "obs-local-part / obs-domain with CFWS"},
        {"a@[192.0.2.1]", {mbox(std::nullopt, "a", "[192.0.2.1]")}, "domain literal keeps brackets"},
        {"=?utf-8?q?Doe,_John?= <j@x.test>", {mbox("=?utf-8?q?Doe,_John?=", "j", "x.test")},
         "',' inside an encoded word does not split"},
        {"=?utf-8?q?a?= =?utf-8?q?b?= <j@x.test>", {mbox("=?utf-8?q?a?= =?utf-8?q?b?=", "j", "x.test")},
         "encoded words kept for IMAP, one space between"},
        {"J. Doe <j@x.test>", {mbox("J. Doe", "j", "x.test")}, "obs-phrase with '.'"},
        {"John Doe jdoe@x.test", {mbox("John Doe", "jdoe", "x.test")},
         "missing angle brackets: words before the local part are the name"},
        {"Joe <joe@x.test", {mbox("Joe", "joe", "x.test")}, "missing '>'"},
        {"<a@b.test> trailing junk, c@d.test",
         {mbox(std::nullopt, "a", "b.test"), mbox(std::nullopt, "c", "d.test")}, "junk skipped to ','"},
        {"@@@;;;:::>>>", {gstart(""), gend}, "pure garbage: a balanced empty group at most"},
        {"M\xC3\xBCller <m@x.test>", {mbox("M\xC3\xBCller", "m", "x.test")}, "raw UTF-8 name"},
    };
    for (const Row& r : rows) {
        CAPTURE(std::string(r.why));
        CHECK(show(parse_address_list(r.input)) == show(r.expected));
    }
}

TEST_CASE("display_name decodes RFC 2047 words") {
    const auto list = parse_address_list("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>");
    REQUIRE(list.size() == 1);
    CHECK(display_name(list[0]) == "Keld J\xC3\xB8rn Simonsen");
    CHECK(display_name(Address{}) == "");
}

TEST_CASE("address count is bounded") {
    std::string many;
    for (int i = 0; i < 20000; ++i) many += "a@b,";
    CHECK(parse_address_list(many).size() < kMaxAddresses);
}
