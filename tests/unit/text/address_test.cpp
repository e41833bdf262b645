#include "common/text/address.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mr::text;
using mr::ErrorKind;

namespace {

// Renders a parse result as one comparable string:
//   "local|domain|flags" with flags q (quoted) and r (route), or an error kind.
std::string show(const mr::Result<Address>& r) {
    if (!r.ok()) {
        switch (r.error().kind) {
            case ErrorKind::Syntax: return "SYNTAX";
            case ErrorKind::Refused: return "REFUSED";
            case ErrorKind::Internal: return "INTERNAL";
        }
    }
    std::string s = r->local_part + "|" + r->domain + "|";
    if (r->is_quoted) s += "q";
    if (r->has_route) s += "r";
    return s;
}

PathOptions utf8() { PathOptions o; o.smtputf8 = true; return o; }
PathOptions mail_from() { PathOptions o; o.allow_null = true; return o; }
PathOptions rcpt_to() { PathOptions o; o.allow_postmaster = true; return o; }

}  // namespace

TEST_CASE("parse_path table") {
    const std::string l64(64, 'l'), l65(65, 'l');
    const std::string label(63, 'd');
    const std::string d251 = label + "." + label + "." + label + "." + std::string(59, 'd');
    struct Row { std::string in; PathOptions opt; std::string expected; const char* why; };
    const Row rows[] = {
        // Ordinary forms.
        {"<user@example.org>", {}, "user|example.org|", "plain mailbox"},
        {"<first.last@example.org>", {}, "first.last|example.org|", "dot-atom local part"},
        {"<User@EXAMPLE.ORG>", {}, "User|example.org|", "domain folded, local part case kept"},
        {"<!#$%&'*+-/=?^_`{|}~@x.org>", {}, "!#$%&'*+-/=?^_`{|}~|x.org|", "every atext special"},
        // Quoting.
        {"<\"john doe\"@example.org>", {}, "john doe|example.org|q", "quoted with space"},
        {"<\"a\\\"b\\\\c\"@x.org>", {}, "a\"b\\c|x.org|q", "quoted-pairs resolved"},
        {"<\"john\"@x.org>", {}, "john|x.org|q", "needless quotes still flagged"},
        {"<\"a>b\"@x.org>", {}, "a>b|x.org|q", "'>' inside quotes does not end the path"},
        {"<\"\"@x.org>", {}, "SYNTAX", "empty quoted local part names no mailbox"},
        {"<\"abc@x.org>", {}, "SYNTAX", "unterminated quote"},
        {"<\"a\\\x01\"@x.org>", {}, "SYNTAX", "quoted-pair of a control"},
        // Relay tricks: represented, the policy layer refuses them.
        {"<user%other@ourdomain.org>", {}, "user%other|ourdomain.org|", "percent hack"},
        {"<host!user@ourdomain.org>", {}, "host!user|ourdomain.org|", "bang path"},
        {"<\"user@other\"@ourdomain.org>", {}, "user@other|ourdomain.org|q", "quoted @"},
        {"<@a.org,@b.org:user@c.org>", {}, "user|c.org|r", "source route dropped"},
        {"<@a.org:user@c.org>", {}, "user|c.org|r", "one-hop route"},
        {"<@a.org,b.org:user@c.org>", {}, "SYNTAX", "route hop without @"},
        {"<@a.org user@c.org>", {}, "SYNTAX", "route without ':'"},
        {"<@[192.0.2.1]:user@c.org>", {}, "SYNTAX", "route hops are Domains, not literals"},
        {"<@:user@c.org>", {}, "SYNTAX", "empty route hop"},
        // Domains.
        {"<user@example.org.>", {}, "SYNTAX", "trailing dot rejected (relay safety)"},
        {"<user@.example.org>", {}, "SYNTAX", "leading dot"},
        {"<user@exa_mple.org>", {}, "SYNTAX", "underscore"},
        {"<user@[192.0.2.1]>", {}, "user|[192.0.2.1]|", "IPv4 literal"},
        {"<user@[IPv6:2001:DB8::1]>", {}, "user|[IPv6:2001:db8::1]|", "IPv6 literal canonicalised"},
        {"<user@[300.1.1.1]>", {}, "SYNTAX", "bad IPv4 literal"},
        {"<user@[192.0.2.1>", {}, "SYNTAX", "unterminated literal"},
        {"<user@>", {}, "SYNTAX", "missing domain"},
        {"<user>", {}, "SYNTAX", "missing @domain"},
        {"<@example.org>", {}, "SYNTAX", "missing local part"},
        // Dot-string rules.
        {"<.user@x.org>", {}, "SYNTAX", "leading dot in local part"},
        {"<user.@x.org>", {}, "SYNTAX", "trailing dot in local part"},
        {"<us..er@x.org>", {}, "SYNTAX", "double dot in local part"},
        {"<us(er@x.org>", {}, "SYNTAX", "special character unquoted"},
        // Brackets and spaces.
        {"user@x.org", {}, "SYNTAX", "missing brackets"},
        {"<user@x.org", {}, "SYNTAX", "missing '>'"},
        {"user@x.org>", {}, "SYNTAX", "missing '<'"},
        {"< user@x.org>", {}, "SYNTAX", "space after '<'"},
        {"<user @x.org>", {}, "SYNTAX", "space before '@'"},
        {"<user@ x.org>", {}, "SYNTAX", "space after '@'"},
        {"<user@x.org >", {}, "SYNTAX", "space before '>'"},
        {"<user@x.org> ", {}, "SYNTAX", "text after the path"},
        {"<user@x.org>>", {}, "SYNTAX", "double '>'"},
        {"", {}, "SYNTAX", "empty"},
        {"<", {}, "SYNTAX", "lone '<'"},
        {"<user\t@x.org>", {}, "SYNTAX", "tab"},
        {std::string("<us\0r@x.org>", 12), {}, "SYNTAX", "NUL inside the local part"},
        // Null path and Postmaster.
        {"<>", mail_from(), "||", "null reverse-path"},
        {"<>", {}, "SYNTAX", "null path not allowed for RCPT"},
        {"<Postmaster>", rcpt_to(), "Postmaster||", "bare Postmaster for RCPT"},
        {"<POSTMASTER>", rcpt_to(), "POSTMASTER||", "case-insensitive Postmaster"},
        {"<Postmaster>", {}, "SYNTAX", "bare Postmaster only where allowed"},
        {"<bob>", rcpt_to(), "SYNTAX", "only Postmaster may omit the domain"},
        {"<@a.org:Postmaster>", rcpt_to(), "SYNTAX", "bare Postmaster with a route"},
        // SMTPUTF8.
        {"<j\xC3\xB6rg@example.org>", {}, "REFUSED", "UTF-8 local part without SMTPUTF8"},
        {"<j\xC3\xB6rg@example.org>", utf8(), "j\xC3\xB6rg|example.org|", "UTF-8 local part with SMTPUTF8"},
        {"<user@b\xC3\xBC" "cher.example>", {}, "REFUSED", "UTF-8 domain without SMTPUTF8"},
        {"<user@B\xC3\xBC" "cher.example>", utf8(), "user|b\xC3\xBC" "cher.example|", "UTF-8 domain with SMTPUTF8"},
        {"<\"j\xC3\xB6 rg\"@x.org>", utf8(), "j\xC3\xB6 rg|x.org|q", "UTF-8 in quoted string"},
        {"<j\xF6rg@example.org>", utf8(), "SYNTAX", "Latin-1 byte is not UTF-8"},
        {"<j\xF6rg@example.org>", {}, "SYNTAX", "invalid UTF-8 is a syntax error either way"},
        {"<\xC0\xAF@example.org>", utf8(), "SYNTAX", "overlong UTF-8"},
        // Limits.
        {"<" + l64 + "@x.org>", {}, l64 + "|x.org|", "64-octet local part"},
        {"<" + l65 + "@x.org>", {}, "SYNTAX", "65-octet local part"},
        {"<\"" + std::string(63, 'q') + "\"@x.org>", {}, "SYNTAX", "65 octets counting the quotes"},
        {"<" + std::string(50, 'l') + "@" + d251 + ">", {}, "SYNTAX", "domain fits but path is 304 octets"},
        {"<l@" + d251 + ">", {}, "l|" + d251 + "|", "path of 255 octets"},
        {"<@" + std::string(250, 'a') + ":u@x.org>", {}, "SYNTAX", "route pushes path over 256"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        INFO(r.in);
        CHECK(show(parse_path(r.in, r.opt)) == r.expected);
    }
}

TEST_CASE("the 256-octet path limit is exact") {
    // "<" + local + "@" + domain + ">" with the domain made of 63-char labels.
    const std::string domain = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                               std::string(63, 'c') + "." + std::string(60, 'd');  // 252
    const std::string at_limit = "<a@" + domain + ">";                     // 256
    const std::string over = "<ab@" + domain + ">";                       // 257
    REQUIRE(at_limit.size() == 256);
    CHECK(parse_path(at_limit).ok());
    CHECK_FALSE(parse_path(over).ok());
}

TEST_CASE("parse_path_prefix leaves the parameters") {
    auto r = parse_path_prefix("<a@b.org> SIZE=10 BODY=8BITMIME");
    REQUIRE(r.ok());
    CHECK(r->address.to_string() == "a@b.org");
    CHECK(r->rest == " SIZE=10 BODY=8BITMIME");
    auto q = parse_path_prefix("<\"x> y\"@b.org> SMTPUTF8");
    REQUIRE(q.ok());
    CHECK(q->address.local_part == "x> y");
    CHECK(q->rest == " SMTPUTF8");
    PathOptions o;
    o.allow_null = true;
    auto n = parse_path_prefix("<> RET=HDRS", o);
    REQUIRE(n.ok());
    CHECK(n->address.is_null());
    CHECK(n->rest == " RET=HDRS");
    // Bytes after the path are not the address's business, even invalid ones.
    CHECK(parse_path_prefix("<a@b.org> \xFF").ok());
}

TEST_CASE("to_string gives the canonical, minimally quoted form") {
    struct Row { std::string in; std::string canonical; const char* why; };
    const Row rows[] = {
        {"<User@Example.ORG>", "User@example.org", "domain lowercased"},
        {"<\"john\"@x.org>", "john@x.org", "needless quotes dropped"},
        {"<\"john doe\"@x.org>", "\"john doe\"@x.org", "space needs quotes"},
        {"<\"user@other\"@x.org>", "\"user@other\"@x.org", "'@' needs quotes"},
        {"<\"a\\\"b\"@x.org>", "\"a\\\"b\"@x.org", "'\"' re-escaped"},
        {"<\"a\\b\"@x.org>", "ab@x.org", "needless quoted-pair dropped"},
        {"<\"a..b\"@x.org>", "\"a..b\"@x.org", "double dot needs quotes"},
        {"<\".a\"@x.org>", "\".a\"@x.org", "leading dot needs quotes"},
        {"<@r.org:u@x.org>", "u@x.org", "route not reproduced"},
        {"<u@[IPv6:0:0:0:0:0:0:0:1]>", "u@[IPv6:::1]", "literal canonical"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        auto a = parse_path(r.in);
        REQUIRE(a.ok());
        CHECK(a->to_string() == r.canonical);
        CHECK(a->to_path() == "<" + r.canonical + ">");
        // The canonical form parses back to the same address.
        auto again = parse_addr_spec(a->to_string());
        REQUIRE(again.ok());
        CHECK(again->local_part == a->local_part);
        CHECK(again->domain == a->domain);
    }
    PathOptions o;
    o.allow_null = true;
    CHECK(parse_path("<>", o)->to_string().empty());
    CHECK(parse_path("<>", o)->to_path() == "<>");
    PathOptions p;
    p.allow_postmaster = true;
    auto pm = parse_path("<postmaster>", p);
    REQUIRE(pm.ok());
    CHECK(pm->is_bare_postmaster());
    CHECK(pm->to_string() == "postmaster");
    // Equivalent spellings are equal after parsing (RFC 5321: all quoted forms MUST be equivalent).
    CHECK(parse_path("<\"john\"@X.org>")->to_string() == parse_path("<john@x.ORG>")->to_string());
}

TEST_CASE("parse_addr_spec") {
    struct Row { std::string in; bool utf8; std::string expected; const char* why; };
    const Row rows[] = {
        {"user@example.org", false, "user|example.org|", "CLI form"},
        {"USER@EXAMPLE.ORG", false, "USER|example.org|", "domain folded"},
        {"\"a b\"@x.org", false, "a b|x.org|q", "quoted"},
        {"<user@example.org>", false, "SYNTAX", "brackets belong to paths"},
        {"user@example.org.", false, "SYNTAX", "trailing dot"},
        {"user", false, "SYNTAX", "no domain"},
        {"user@x.org extra", false, "SYNTAX", "trailing text"},
        {" user@x.org", false, "SYNTAX", "leading space (caller trims)"},
        {"@a.org:user@x.org", false, "SYNTAX", "no routes outside paths"},
        {"j\xC3\xB6rg@x.org", false, "REFUSED", "UTF-8 needs the flag"},
        {"j\xC3\xB6rg@x.org", true, "j\xC3\xB6rg|x.org|", "UTF-8 with the flag"},
        {"u@[192.0.2.1]", false, "u|[192.0.2.1]|", "literal"},
        {"", false, "SYNTAX", "empty"},
        {std::string(64, 'x') + "@" + std::string(63, 'y') + "." + std::string(63, 'y') + "." +
             std::string(63, 'y'),
         false, "SYNTAX", "over 254 octets"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        CHECK(show(parse_addr_spec(r.in, r.utf8)) == r.expected);
    }
}

TEST_CASE("split_subaddress") {
    struct Row { std::string in; std::string base; bool has_detail; std::string detail; const char* why; };
    const Row rows[] = {
        {"user+tag", "user", true, "tag", "ordinary"},
        {"user", "user", false, "", "no separator"},
        {"user+", "user", true, "", "empty detail is present"},
        {"+tag", "+tag", false, "", "base would be empty: not split"},
        {"a+b+c", "a", true, "b+c", "split at the first separator"},
        {"", "", false, "", "empty"},
    };
    for (const auto& r : rows) {
        INFO(r.why);
        const auto s = split_subaddress(r.in);
        CHECK(s.base == r.base);
        CHECK(s.detail.has_value() == r.has_detail);
        if (s.detail) CHECK(*s.detail == r.detail);
    }
    const auto d = split_subaddress("user-tag", '-');
    CHECK(d.base == "user");
    CHECK(*d.detail == "tag");
}

TEST_CASE("quote_local_part") {
    CHECK(quote_local_part("plain.name") == "plain.name");
    CHECK(quote_local_part("with space") == "\"with space\"");
    CHECK(quote_local_part("q\"b\\s") == "\"q\\\"b\\\\s\"");
    CHECK(quote_local_part("") == "\"\"");
    CHECK(quote_local_part("j\xC3\xB6rg") == "j\xC3\xB6rg");  // UTF-8 is atext (RFC 6531)
}
