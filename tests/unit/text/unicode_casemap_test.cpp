// i;unicode-casemap (RFC 5051 §2): titlecase property, then decomposition of any type,
// per code point. Most cases here are ones the hand-written lower-case table this replaced
// (imapd/render/case_fold.cpp: simple lower-case mappings of a few blocks, no
// decomposition) answered differently from the RFC.
#include "common/text/unicode_casemap.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using mr::text::InvalidUtf8;
using mr::text::unicode_casemap;

namespace {
std::string key(std::string_view s) { return unicode_casemap(s); }
}  // namespace

TEST_CASE("RFC 5051 §2 example: U+01C4 becomes U+0044 U+007A U+030C") {
    const std::string dz_caron = "D" "z" "\xCC\x8C";
    CHECK(key("\xC7\x84") == dz_caron);  // Ǆ: titlecase U+01C5, decomposed twice
    CHECK(key("\xC7\x85") == dz_caron);  // ǅ: its own titlecase
    CHECK(key("\xC7\x86") == dz_caron);  // ǆ
    // The two letters D and Ž are not the digraph: the titlecase of ž is Ž, of z is Z.
    CHECK(key("D\xC5\xBD") == "DZ\xCC\x8C");
    CHECK(key("D\xC5\xBD") != dz_caron);
}

TEST_CASE("precomposed and decomposed letters are one") {
    const std::string e_acute = "E\xCC\x81";  // E U+0301
    CHECK(key("\xC3\xA9") == e_acute);        // é U+00E9
    CHECK(key("\xC3\x89") == e_acute);        // É U+00C9
    CHECK(key("e\xCC\x81") == e_acute);       // e U+0301
    CHECK(key("caf\xC3\xA9") == key("CAFE\xCC\x81"));
    // Diacritics stay: é is not e.
    CHECK(key("\xC3\xA9") != key("e"));
    // Greek with tonos: ά U+03AC, Ά U+0386, α + U+0301.
    CHECK(key("\xCE\xAC") == "\xCE\x91\xCC\x81");
    CHECK(key("\xCE\x86") == key("\xCE\xAC"));
    CHECK(key("\xCE\xB1\xCC\x81") == key("\xCE\xAC"));
}

TEST_CASE("titlecase property of UnicodeData.txt, not SpecialCasing.txt") {
    // ß has no titlecase property (only SpecialCasing's "Ss"), so it stays ß: it is
    // neither "SS" nor "ss", nor the capital ẞ U+1E9E, which has none either.
    CHECK(key("\xC3\x9F") == "\xC3\x9F");
    CHECK(key("stra\xC3\x9F" "e") == "STRA\xC3\x9F" "E");
    CHECK(key("\xC3\x9F") != key("SS"));
    CHECK(key("\xC3\x9F") != key("\xE1\xBA\x9E"));
    // Greek sigma: final ς and σ both have the titlecase Σ.
    CHECK(key("\xCF\x82") == "\xCE\xA3");
    CHECK(key("\xCF\x83") == "\xCE\xA3");
    CHECK(key("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3") == key("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82"));  // ΟΔΟΣ / οδος
    // Turkish: dotless ı U+0131 has the titlecase I, so it is i; İ U+0130 has none and
    // decomposes to I U+0307, which i U+0307 also becomes, but I alone does not.
    CHECK(key("\xC4\xB1") == "I");
    CHECK(key("\xC4\xB1") == key("i"));
    CHECK(key("\xC4\xB0") == "I\xCC\x87");
    CHECK(key("\xC4\xB0") == key("i\xCC\x87"));
    CHECK(key("\xC4\xB0") != key("I"));
    // Outside the BMP: Deseret 𐐨 U+10428 -> 𐐀 U+10400.
    CHECK(key("\xF0\x90\x90\xA8") == "\xF0\x90\x90\x80");
}

TEST_CASE("decomposition of any type (compatibility too), not titlecased again") {
    CHECK(key("\xEF\xBC\xA1") == "A");  // fullwidth Ａ
    CHECK(key("\xEF\xBD\x81") == "A");  // fullwidth ａ: titlecase Ａ, then A
    CHECK(key("\xE2\x91\xA0") == "1");  // ①
    // ﬁ U+FB01 has no titlecase property; its decomposition "fi" is not titlecased.
    CHECK(key("\xEF\xAC\x81") == "fi");
    CHECK(key("\xEF\xAC\x81") != key("FI"));
    // Hangul syllables have no decomposition property in UnicodeData.txt.
    CHECK(key("\xED\x95\x9C") == "\xED\x95\x9C");  // 한
}

TEST_CASE("order: ASCII as its titlecase (upper case), then code points") {
    CHECK(key("abc") == key("ABC"));
    CHECK(key("C") < key("["));
    CHECK(key("c") < key("["));
    CHECK(key("[") < key("_"));
    CHECK(key("_") > key("z"));
    CHECK(key("") < key("a"));
    CHECK(key("E") < key("\xC3\xA9"));  // é sorts as E U+0301: after E,
    CHECK(key("\xC3\xA9") < key("F"));  // before F, not after Z
    CHECK(key("\xC3\xBC" "ber") == key("\xC3\x9C" "BER"));
}

TEST_CASE("text that is not UTF-8 (RFC 5051 §2 (1)(b))") {
    // The whole string stays as it is, ASCII letters too.
    CHECK(key("ab\xE9") == "ab\xE9");                   // Latin-1 é
    CHECK(key("ab\xC3") == "ab\xC3");                   // truncated sequence
    CHECK(key("\xC0\xAF" "x") == "\xC0\xAF" "x");       // overlong "/"
    CHECK(key("\xED\xA0\x80" "x") == "\xED\xA0\x80" "x");  // a surrogate
    CHECK(key("\xF4\x90\x80\x80") == "\xF4\x90\x80\x80");  // past U+10FFFF
    // SEARCH's form keeps the bad bytes and prepares the rest.
    CHECK(unicode_casemap("ab\xE9" "\xC3\xA9", InvalidUtf8::KeepBytes) == "AB\xE9" "E\xCC\x81");
    CHECK(unicode_casemap("", InvalidUtf8::KeepBytes).empty());
}

TEST_CASE("preparing is per code point: a concatenation prepares as its parts") {
    const std::string a = "Stra\xC3\x9F" "e \xC7\x84";
    const std::string b = "e\xCC\x81\xCF\x82";
    CHECK(key(a + b) == key(a) + key(b));
}

TEST_CASE("origin: each output byte's code point in the input") {
    std::vector<std::size_t> origin;
    CHECK(unicode_casemap("a\xC3\xA9z", origin) == "AE\xCC\x81Z");
    CHECK(origin == std::vector<std::size_t>{0, 1, 1, 1, 3});
    CHECK(unicode_casemap("a\xE9", origin) == "a\xE9");  // not UTF-8: as it is
    CHECK(origin == std::vector<std::size_t>{0, 1});
}

TEST_CASE("characters and code points of a prepared string") {
    const std::string s = key("\xC3\xA9x");  // "E" U+0301 "X"
    CHECK(mr::text::casemap_character_length(s, 0) == 3);
    CHECK(mr::text::casemap_code_point_length(s, 0) == 1);
    CHECK(mr::text::casemap_code_point_length(s, 1) == 2);
    CHECK(mr::text::casemap_character_length(s, 3) == 1);
    CHECK(mr::text::casemap_character_length(s, 4) == 0);
    CHECK(mr::text::casemap_character_length("\xFF" "a", 0) == 1);
}
