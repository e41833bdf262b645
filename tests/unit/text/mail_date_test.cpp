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
