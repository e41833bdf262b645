// Content-Type / Content-Disposition parameters and RFC 2231, one row per edge.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/mime/params.hpp"

using namespace mr::mime;

namespace {
struct Row {
    std::string input;
    std::vector<Param> expected;
    const char* why;
};
}  // namespace

TEST_CASE("parse_parameters") {
    const Row rows[] = {
        {"; charset=us-ascii", {{"charset", "us-ascii", false}}, "token value"},
        {"; CHARSET=\"UTF-8\"", {{"charset", "UTF-8", false}}, "name lowercased, value case kept"},
        {"; charset=us-ascii (Plain text)", {{"charset", "us-ascii", false}},
         "comment after the value (rfc2045.txt:702 example)"},
        {"; name=\"a;b\\\"c\"", {{"name", "a;b\"c", false}}, "';' and quoted-pair inside quotes"},
        {"; name = \"x\" ; size = 3", {{"name", "x", false}, {"size", "3", false}},
         "white space around '=' and ';'"},
        {"; name=my file.pdf", {{"name", "my file.pdf", false}}, "unquoted value with a space"},
        {";;; ; a=1;", {{"a", "1", false}}, "empty parameters skipped"},
        {"; noval; =x; b=2", {{"b", "2", false}}, "no '=' or no name: dropped"},
        {"; a=1; A=2", {{"a", "1", false}}, "duplicates: the first wins"},
        {"; a=\"unterminated", {{"a", "unterminated", false}}, "missing closing quote"},
        {"; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
         {{"title", "This is ***fun***", true}}, "RFC 2231 §4 example (rfc2231.txt:245)"},
        {"; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
         {{"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar", false}},
         "RFC 2231 §3 example: plain continuations (rfc2231.txt:197)"},
        {"; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20;"
         " title*2=\"isn't it!\"",
         {{"title", "This is even more ***fun*** isn't it!", true}},
         "RFC 2231 §4.1 example: mixed encoded and plain sections (rfc2231.txt:262)"},
        {"; f*1=b; f*0=a", {{"f", "ab", false}}, "sections out of order (rfc2231.txt:175)"},
        {"; f*0=a; f*2=c", {{"f", "a", false}}, "a gap ends the value (rfc2231.txt:190)"},
        {"; f*1=b", {{"f", "b", false}}, "no section 0: joined literally, nothing lost"},
        {"; f=plain; f*=utf-8''%C3%A9", {{"f", "\xC3\xA9", true}}, "the 2231 form beats the plain one"},
        {"; f*=iso-8859-1''%E9", {{"f", "\xC3\xA9", true}}, "charset conversion to UTF-8"},
        {"; f*=''a%20b", {{"f", "a b", true}}, "empty charset and language"},
        {"; f*=x-bogus''%E9", {{"f", "x-bogus''%E9", true}}, "unknown charset: value as written"},
        {"; f*=%41", {{"f", "A", true}}, "no quotes: all of it is encoded text"},
        {"; f*=utf-8''%4", {{"f", "%4", true}}, "truncated %-escape kept"},
        {"; name=\"=?utf-8?B?w6k=?=.txt\"", {{"name", "\xC3\xA9.txt", false}},
         "RFC 2047 in a quoted value: non-standard but common"},
        {"; f*99999999=x", {{"f*99999999", "x", false}}, "absurd section number is just a name"},
    };
    for (const Row& r : rows) {
        CAPTURE(std::string(r.why));
        CHECK(parse_parameters(r.input) == r.expected);
    }
}

TEST_CASE("parse_content_type") {
    ContentType ct = parse_content_type(" Text / HTML ; charset=utf-8");
    CHECK(ct.valid());
    CHECK(ct.type == "text");  // CFWS allowed around '/'
    CHECK(ct.subtype == "html");
    CHECK(ct.params == std::vector<Param>{{"charset", "utf-8", false}});

    ct = parse_content_type("(comment) multipart/mixed;\r\n boundary=\"--=_x\"");
    CHECK(ct.subtype == "mixed");
    CHECK(ct.params == std::vector<Param>{{"boundary", "--=_x", false}});

    CHECK_FALSE(parse_content_type("text").valid());      // subtype is mandatory (rfc2045.txt:683)
    CHECK_FALSE(parse_content_type("text/").valid());
    CHECK_FALSE(parse_content_type("/plain").valid());
    CHECK_FALSE(parse_content_type("").valid());
    CHECK_FALSE(parse_content_type("\"text\"/plain").valid());
    // Missing ";" before the parameters: keep the type and still read them.
    ct = parse_content_type("text/html charset=utf-8");
    CHECK(ct.subtype == "html");
    CHECK(ct.params == std::vector<Param>{{"charset", "utf-8", false}});
}

TEST_CASE("parse_content_disposition") {
    ContentDisposition cd = parse_content_disposition("ATTACHMENT; filename=\"a b.txt\"; size=12");
    CHECK(cd.type == "attachment");
    CHECK(cd.params == std::vector<Param>{{"filename", "a b.txt", false}, {"size", "12", false}});
    CHECK(parse_content_disposition("; filename=x").type.empty());
    CHECK(parse_content_disposition("inline").params.empty());
    CHECK(find_param(cd.params, "FILENAME") != nullptr);
    CHECK(find_param(cd.params, "name") == nullptr);
}
