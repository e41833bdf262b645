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

// The byte-wise rules, written out plainly: append_string checks 8 bytes at a time, so
// every special byte is tried at every position of strings around that width.
TEST_CASE("append_string and append_string_upper agree with the byte-wise rules at every position") {
    auto reference = [](std::string_view s, bool upper) {
        auto map = [upper](char c) { return upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
        std::string o;
        if (!fits_quoted(s)) {
            o = "{" + std::to_string(s.size()) + "}\r\n";
            for (char c : s) o += map(c);
            return o;
        }
        o = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\') o += '\\';
            o += map(c);
        }
        return o + "\"";
    };
    const char specials[] = {'\0', '\r', '\n', '"', '\\', '\x80', '\xff', '\x7f', '\x01', ' ', '!', '#', '\x21'};
    for (std::size_t len = 0; len <= 25; ++len) {
        for (std::size_t pos = 0; pos < len; ++pos) {
            for (char sp : specials) {
                std::string s(len, 'q');
                for (std::size_t i = 0; i < len; ++i) s[i] = static_cast<char>('a' + i % 26);
                s[pos] = sp;
                CAPTURE(len);
                CAPTURE(pos);
                CAPTURE(static_cast<int>(static_cast<unsigned char>(sp)));
                std::string got;
                append_string(got, s);
                CHECK(got == reference(s, false));
                std::string up;
                append_string_upper(up, s);
                CHECK(up == reference(s, true));
            }
        }
    }
    // Appends after what is already in the buffer; the length limit holds to the byte.
    std::string o = "x ";
    append_string(o, "y");
    CHECK(o == "x \"y\"");
    const std::string at_limit(kMaxQuotedLength, 'a');
    CHECK(str(at_limit) == "\"" + at_limit + "\"");
    CHECK(str(at_limit + "a").rfind("{1025}\r\n", 0) == 0);
}

TEST_CASE("append_string with QuotedText::Utf8: valid UTF-8 quoted, the rest as before") {
    auto utf8 = [](std::string_view s) {
        std::string o;
        append_string(o, s, QuotedText::Utf8);
        return o;
    };
    auto ascii = [](std::string_view s) {
        std::string o;
        append_string(o, s, QuotedText::Ascii);
        return o;
    };
    CHECK(utf8("Gr\xC3\xBC\xC3\x9F" "e") == "\"Gr\xC3\xBC\xC3\x9F" "e\"");
    CHECK(utf8("\xC3\xBC \"q\" \\") == "\"\xC3\xBC \\\"q\\\" \\\\\"");  // quoted-specials escaped
    CHECK(utf8("plain") == "\"plain\"");
    CHECK(utf8("Gr\xFC" "e") == "{4}\r\nGr\xFC" "e");          // Latin-1 is no UTF-8: literal
    CHECK(utf8("\xC3\xBC\r\n") == "{4}\r\n\xC3\xBC\r\n");       // CR LF never in a quoted string
    CHECK(utf8(std::string("\xC3\xBC\0", 3)) == std::string("{3}\r\n\xC3\xBC\0", 8));
    CHECK(utf8(std::string(kMaxQuotedLength, 'x') + "\xC3\xBC").starts_with("{"));
    // Ascii is append_string.
    CHECK(ascii("Gr\xC3\xBC") == str("Gr\xC3\xBC"));
    CHECK(ascii("Gr\xC3\xBC").starts_with("{4}\r\n"));
}
