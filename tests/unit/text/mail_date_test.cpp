#include <doctest/doctest.h>

#include "common/text/mail_date.hpp"

using mr::text::rfc5322_date;

TEST_CASE("RFC 5322 date-time in UTC") {
    CHECK(rfc5322_date(0) == "Thu, 1 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(1795268482) == "Sat, 21 Nov 2026 13:41:22 +0000");
    // 29 February of a leap year, one second before midnight.
    CHECK(rfc5322_date(951868799) == "Tue, 29 Feb 2000 23:59:59 +0000");
}

TEST_CASE("asctime form of an mbox From line, in UTC") {
    // The day of the month is padded with a space, as asctime() does.
    CHECK(mr::text::asctime_date(0) == "Thu Jan  1 00:00:00 1970");
    CHECK(mr::text::asctime_date(1795268482) == "Sat Nov 21 13:41:22 2026");
}

TEST_CASE("short UTC stamps for file names and status screens") {
    CHECK(mr::text::compact_utc_stamp(0) == "19700101T000000Z");
    CHECK(mr::text::compact_utc_stamp(951868799) == "20000229T235959Z");
    CHECK(mr::text::readable_utc_minute(1795268482) == "2026-11-21 13:41 UTC");
}

TEST_CASE("reading RFC 5322 date-times: time and zone") {
    using mr::text::parse_mail_date;
    auto d = parse_mail_date("Tue, 1 Apr 1997 09:06:31 -0800 (PST)");
    REQUIRE(d);
    CHECK(d->year == 1997);
    CHECK(d->month == 4);
    CHECK(d->day == 1);
    CHECK(d->has_time);
    CHECK(d->hour == 9);
    CHECK(d->minute == 6);
    CHECK(d->second == 31);
    CHECK(d->zone_minutes == -480);
    CHECK(d->zone_known);
    d = parse_mail_date("1 Apr 1997 09:06 +0530");  // no seconds
    REQUIRE(d);
    CHECK(d->zone_minutes == 330);
    CHECK(d->second == 0);
    d = parse_mail_date("1 Apr 1997 09:06:00 EDT");  // obsolete zone names (RFC 5322 §4.3)
    REQUIRE(d);
    CHECK(d->zone_minutes == -240);
    d = parse_mail_date("1 Apr 1997 09:06:00 -0000");  // the zone is unknown
    REQUIRE(d);
    CHECK_FALSE(d->zone_known);
    d = parse_mail_date("1 Apr 1997");  // date only
    REQUIRE(d);
    CHECK_FALSE(d->has_time);
    CHECK_FALSE(parse_mail_date("1 Apr 1997 24:00:00 +0000"));
    CHECK_FALSE(parse_mail_date("1 Apr 1997 09:06:00 +0099"));
    CHECK_FALSE(parse_mail_date("1 Apr 1997 09:06:00 Mars"));
    CHECK(mr::text::days_from_civil(1970, 1, 1) == 0);
    CHECK(mr::text::days_from_civil(2000, 3, 1) == 11017);
    int y = 0, m = 0, day = 0;
    mr::text::civil_from_days(11016, y, m, day);
    CHECK((y == 2000 && m == 2 && day == 29));
}
