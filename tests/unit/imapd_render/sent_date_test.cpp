#include <doctest/doctest.h>

#include "imapd/render/sent_date.hpp"

using namespace mr::imapd;

namespace {
std::optional<CivilDate> d(std::string_view s) { return parse_header_date(s); }
}  // namespace

TEST_CASE("RFC 5322 dates: only day, month and year as written") {
    // Each row: why it exists.
    CHECK(d("Mon, 23 Nov 2026 10:15:00 +0100") == CivilDate{2026, 11, 23});    // canonical
    CHECK(d("Sat, 5 Dec 2026 23:30:00 -0800") == CivilDate{2026, 12, 5});      // not converted to UTC
    CHECK(d("6 Dec 2026 10:00:00 +0100") == CivilDate{2026, 12, 6});           // no day name
    CHECK(d("Mon 23 Nov 2026 10:15 GMT") == CivilDate{2026, 11, 23});          // day name without ","
    CHECK(d("7 Dec 26 09:00 EST") == CivilDate{2026, 12, 7});                  // 2-digit year 00-49
    CHECK(d("7 Dec 96 09:00 EST") == CivilDate{1996, 12, 7});                  // 2-digit year 50-99
    CHECK(d("7 Dec 103 09:00 EST") == CivilDate{2003, 12, 7});                 // 3-digit year + 1900
    CHECK(d("(comment) Tue, (x) 1 (y) Dec (z) 2026 08:00") == CivilDate{2026, 12, 1});  // CFWS
    CHECK(d("1 december 2026") == CivilDate{2026, 12, 1});                     // full month name
    CHECK(d("29 Feb 2024 00:00 +0000") == CivilDate{2024, 2, 29});             // leap day
    CHECK(d("23-Nov-2026 10:15:00 +0100") == CivilDate{2026, 11, 23});         // IMAP-style dashes
}

TEST_CASE("unusable dates are nullopt") {
    CHECK_FALSE(d(""));
    CHECK_FALSE(d("not a date"));
    CHECK_FALSE(d("32 Jan 2026"));
    CHECK_FALSE(d("29 Feb 2026"));
    CHECK_FALSE(d("0 Jan 2026"));
    CHECK_FALSE(d("12 Foo 2026"));
    CHECK_FALSE(d("123 Jan 2026"));
    CHECK_FALSE(d("12 Jan"));
    CHECK_FALSE(d("2026-11-23"));
}

TEST_CASE("CivilDate ordering") {
    CHECK(CivilDate{2026, 1, 31} < CivilDate{2026, 2, 1});
    CHECK(CivilDate{2025, 12, 31} < CivilDate{2026, 1, 1});
    CHECK(CivilDate{2026, 2, 1} == CivilDate{2026, 2, 1});
}

TEST_CASE("sent date and time (RFC 5256 §2.2): UTC seconds") {
    auto t = [](std::string_view s) { return parse_header_date_time(s); };
    CHECK(t("Thu, 1 Jan 1970 00:00:00 +0000") == 0);
    // rfc5256.txt:143: "31 Dec 2000 16:01:33 -0800" is "1 Jan 2001 00:01:33 +0000".
    CHECK(t("31 Dec 2000 16:01:33 -0800") == t("1 Jan 2001 00:01:33 +0000"));
    CHECK(t("1 Jan 2001 00:01:33 +0000") == 978307293);
    CHECK(t("1 Jan 2001 01:01:33 +0100") == 978307293);
    CHECK(t("31 Dec 2000 19:01:33 EST") == 978307293);
    CHECK(t("1 Jan 2001 00:01 GMT") == 978307260);
    CHECK(t("1 Jan 2001 00:01:33 +9999") == 978307293);  // invalid zone: UTC
    CHECK(t("1 Jan 2001") == 978307200);                 // no time: midnight
    CHECK(t("1 Jan 2001 25:00") == 978307200);
    CHECK_FALSE(t("no date"));
    CHECK_FALSE(t(""));
}
