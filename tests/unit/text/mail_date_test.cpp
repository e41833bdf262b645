#include <doctest/doctest.h>

#include "common/text/mail_date.hpp"

using mr::text::rfc5322_date;

TEST_CASE("RFC 5322 date-time in UTC") {
    CHECK(rfc5322_date(0) == "Thu, 1 Jan 1970 00:00:00 +0000");
    CHECK(rfc5322_date(1795268482) == "Sat, 21 Nov 2026 13:41:22 +0000");
    // 29 February of a leap year, one second before midnight.
    CHECK(rfc5322_date(951868799) == "Tue, 29 Feb 2000 23:59:59 +0000");
}
