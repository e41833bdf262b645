#include <doctest/doctest.h>

#include "imapd/render/case_fold.hpp"

using namespace mr::imapd;

TEST_CASE("fold_case: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic") {
    CHECK(fold_case("Hello WORLD 123") == "hello world 123");
    CHECK(fold_case("\xC3\x89T\xC3\x89") == "\xC3\xA9t\xC3\xA9");            // ÉTÉ -> été
    CHECK(fold_case("\xC3\x97") == "\xC3\x97");                               // × has no case
    CHECK(fold_case("\xC3\x9F") == "\xC3\x9F");                               // ß stays (no "ss")
    CHECK(fold_case("\xC5\x81\xC5\xBB\xC4\x86") == "\xC5\x82\xC5\xBC\xC4\x87");  // ŁŻĆ -> łżć
    CHECK(fold_case("\xC5\xB8") == "\xC3\xBF");                               // Ÿ -> ÿ
    CHECK(fold_case("\xCE\xA3\xCE\xA9") == "\xCF\x83\xCF\x89");               // ΣΩ -> σω
    CHECK(fold_case("\xCF\x82") == "\xCF\x83");                               // final sigma
    CHECK(fold_case("\xD0\x9C\xD0\x98\xD0\xA0") == "\xD0\xBC\xD0\xB8\xD1\x80");  // МИР -> мир
    CHECK(fold_case("\xD0\x81") == "\xD1\x91");                               // Ё -> ё
}

TEST_CASE("fold_case: invalid UTF-8 and other scripts pass through") {
    CHECK(fold_case("\xE9t\xE9") == "\xE9t\xE9");          // Latin-1 bytes, not UTF-8
    CHECK(fold_case("\xC3") == "\xC3");                    // truncated sequence
    CHECK(fold_case("\xE2\x82\xAC") == "\xE2\x82\xAC");    // € (3 bytes)
    CHECK(fold_case("\xF0\x9F\x98\x80" "A") == "\xF0\x9F\x98\x80" "a");
}

TEST_CASE("SearchString") {
    const SearchString s("GR\xC3\x9C\xC3\x9F");  // "GRÜß"
    CHECK(s.found_in(fold_case("viele Gr\xC3\xBC\xC3\x9F" "e")));
    CHECK_FALSE(s.found_in("grusse"));
    CHECK(SearchString("").empty());
}
