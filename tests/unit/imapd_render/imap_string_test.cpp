#include <doctest/doctest.h>

#include "imapd/render/imap_string.hpp"

using namespace mr::imapd;

namespace {
std::string str(std::string_view s) { std::string o; append_string(o, s); return o; }
std::string astr(std::string_view s) { std::string o; append_astring(o, s); return o; }
}  // namespace

TEST_CASE("append_string: quoted when every byte is TEXT-CHAR, escaping quoted-specials") {
    CHECK(str("") == "\"\"");
    CHECK(str("hello world") == "\"hello world\"");
    CHECK(str(R"(a "b" \c)") == R"("a \"b\" \\c")");  // rfc3501.txt:4903
    CHECK(str("tab\there") == "\"tab\there\"");         // HTAB is a TEXT-CHAR
}

TEST_CASE("append_string: literal for CR, LF, 8-bit, NUL and long strings") {
    CHECK(str("a\r\nb") == "{4}\r\na\r\nb");
    CHECK(str("a\nb") == "{3}\r\na\nb");
    CHECK(str("caf\xc3\xa9") == "{5}\r\ncaf\xc3\xa9");
    CHECK(str(std::string_view("a\0b", 3)) == std::string("{3}\r\na\0b", 8));
    const std::string at_limit(kMaxQuotedLength, 'x');
    CHECK(str(at_limit) == "\"" + at_limit + "\"");
    const std::string over(kMaxQuotedLength + 1, 'x');
    CHECK(str(over) == "{" + std::to_string(over.size()) + "}\r\n" + over);
}

TEST_CASE("append_nstring: NIL when absent, \"\" when empty") {
    std::string o;
    append_nstring(o, std::nullopt);
    o += ' ';
    append_nstring(o, std::string_view(""));
    o += ' ';
    append_nstring(o, std::string_view("x"));
    CHECK(o == "NIL \"\" \"x\"");
}

TEST_CASE("append_astring: bare atom when possible") {
    CHECK(astr("INBOX") == "INBOX");
    CHECK(astr("Sent/2026") == "Sent/2026");
    CHECK(astr("a]b") == "a]b");                 // resp-specials are ASTRING-CHAR
    CHECK(astr("&AOk-t&AOk-") == "&AOk-t&AOk-");  // mUTF-7 names stay atoms
    CHECK(astr("") == "\"\"");
    CHECK(astr("NIL") == "\"NIL\"");               // never mistaken for nil
    CHECK(astr("nil") == "\"nil\"");
    CHECK(astr("My Folder") == "\"My Folder\"");
    CHECK(astr("100%") == "\"100%\"");             // list-wildcards
    CHECK(astr("a*") == "\"a*\"");
    CHECK(astr("{x}") == "\"{x}\"");
    CHECK(astr("a(b)") == "\"a(b)\"");
    CHECK(astr("q\"q") == "\"q\\\"q\"");
    CHECK(astr("new\nline") == "{8}\r\nnew\nline");
}

TEST_CASE("is_atom and fits_quoted") {
    CHECK(is_atom("FLAGS"));
    CHECK(is_atom("\\Seen") == false);  // "\" is a quoted-special
    CHECK_FALSE(is_atom(""));
    CHECK_FALSE(is_atom("a]"));
    CHECK(fits_quoted("plain"));
    CHECK_FALSE(fits_quoted("\x7f\x80"));
}

TEST_CASE("append_flag_list") {
    std::string o;
    append_flag_list(o, {});
    CHECK(o == "()");
    o.clear();
    const std::string flags[] = {"\\Seen", "\\Answered", "$Forwarded"};
    append_flag_list(o, flags);
    CHECK(o == "(\\Seen \\Answered $Forwarded)");
}

TEST_CASE("append_string_upper and append_number") {
    std::string o;
    append_string_upper(o, "quoted-printable");
    o += ' ';
    append_string_upper(o, "a\"b\xc3\xa9");  // 8-bit: literal, only ASCII letters change
    o += ' ';
    append_number(o, 0);
    o += ' ';
    append_number(o, 18446744073709551615ull);
    CHECK(o == "\"QUOTED-PRINTABLE\" {5}\r\nA\"B\xc3\xa9 0 18446744073709551615");
}
