// RFC 2047 decoding, one row per edge with the reason it exists.
#include <doctest/doctest.h>

#include "common/mime/charset.hpp"
#include "common/mime/encoded_words.hpp"

using namespace mr::mime;

namespace {
struct Row {
    const char* input;
    const char* expected;
    const char* why;
};
}  // namespace

TEST_CASE("decode_encoded_words: unstructured text") {
    const Row rows[] = {
        {"plain text", "plain text", "no encoded word: unchanged"},
        {"=?US-ASCII?Q?Keith_Moore?=", "Keith Moore", "Q: '_' is a space (rfc2047.txt:321)"},
        {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xC3\xA9 Pirard", "latin1 =E9 to UTF-8, text kept"},
        {"=?iso-8859-1?q?a?= =?iso-8859-1?q?b?=", "ab", "white space between words dropped (rfc2047.txt:512)"},
        {"=?iso-8859-1?q?a?=\r\n =?iso-8859-1?q?b?=", "ab", "folding between words also dropped"},
        {"=?ISO-8859-1?Q?a?= b", "a b", "space before ordinary text kept (rfc2047.txt:646 example)"},
        {"a =?ISO-8859-1?Q?b?=", "a b", "space after ordinary text kept"},
        {"=?ISO-8859-1?Q?a_b?=", "a b", "underscore inside a word"},
        {"=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b", "different charsets, still adjacent"},
        {"=?utf-8?B?4oKs?=", "\xE2\x82\xAC", "B encoding, UTF-8 euro sign"},
        {"=?utf-8?B?4g==?= =?utf-8?B?gqw=?=", "\xE2\x82\xAC", "multi-byte char split over words is rejoined"},
        {"=?utf-8?B?4oKs?", "=?utf-8?B?4oKs?", "unterminated word stays literal"},
        {"=?utf-8?X?abc?=", "=?utf-8?X?abc?=", "unknown encoding stays literal (rfc2047.txt:519)"},
        {"=?x-unknown-cs?Q?abc?=", "=?x-unknown-cs?Q?abc?=", "unknown charset stays literal (rfc2047.txt:523)"},
        {"=?iso-8859-1?q?this is some text?=", "=?iso-8859-1?q?this is some text?=",
         "spaces are forbidden inside a word (rfc2047.txt:236)"},
        {"=?utf-8*en?Q?hi?=", "hi", "RFC 2231 §5 language suffix on the charset"},
        {"Re:=?utf-8?q?x?=", "Re:x", "glued to text: decoded like mainstream readers"},
        {"=?utf-8?q?=ZZ?=", "=ZZ", "malformed Q escape kept literally inside the word"},
        {"=?windows-1252?Q?=93quoted=94?=", "\xE2\x80\x9Cquoted\xE2\x80\x9D", "cp1252 curly quotes by table"},
        {"=?ISO-8859-15?Q?=A4?=", "\xE2\x82\xAC", "other charsets through iconv (latin9 euro)"},
        {"=?shift_jis?B?k/qWe4zq?=", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", "iconv: Shift_JIS 日本語"},
        {"=?= =?", "=?= =?", "lone markers are text"},
        {"x =?utf-8?q?" "?= y", "x  y", "empty encoded-text decodes to nothing (tolerated)"},
        {"Gr\xC3\xBC\xC3\x9F" "e", "Gr\xC3\xBC\xC3\x9F" "e", "raw UTF-8 passes through"},
    };
    for (const Row& r : rows) {
        CAPTURE(std::string(r.why));
        CHECK(decode_encoded_words(r.input) == std::string(r.expected));
    }
}

TEST_CASE("decode_phrase: quoted strings, comments, white space") {
    const Row rows[] = {
        {"John   Doe", "John Doe", "runs of white space collapse to one"},
        {"\"Doe, John\"", "Doe, John", "quoted-string unquoted (rfc5322.txt:752)"},
        {"\"a\\\"b\"", "a\"b", "quoted-pair unescaped"},
        {"John (the man) Doe", "John Doe", "comments are not part of the phrase"},
        {"\"=?utf-8?q?J=C3=BCrgen?=\"", "J\xC3\xBCrgen", "encoded word in quotes: decoded anyway"},
        {"=?utf-8?q?a?= \"=?utf-8?q?b?=\"", "ab", "adjacent across a quoted string"},
    };
    for (const Row& r : rows) {
        CAPTURE(std::string(r.why));
        CHECK(decode_phrase(r.input) == std::string(r.expected));
    }
}

TEST_CASE("charset_to_utf8") {
    CHECK(charset_to_utf8("UTF-8", "\xC3\xA9") == std::optional<std::string>("\xC3\xA9"));
    CHECK(charset_to_utf8("latin1", "\xE9") == std::optional<std::string>("\xC3\xA9"));
    // WHATWG: an ISO-8859-1 label decodes 0x80 as the cp1252 euro sign.
    CHECK(charset_to_utf8("ISO-8859-1", "\x80") == std::optional<std::string>("\xE2\x82\xAC"));
    CHECK(charset_to_utf8("cp1252", "\x81") == std::optional<std::string>("\xC2\x81"));
    CHECK_FALSE(charset_to_utf8("no-such-charset", "x").has_value());
    CHECK_FALSE(charset_to_utf8("UTF-8//IGNORE", "x").has_value());  // no iconv suffix tricks
    CHECK_FALSE(charset_to_utf8("shift_jis", "\x81").has_value());  // truncated sequence
    CHECK(normalize_charset(" UTF-8*en ") == "utf-8");
}
