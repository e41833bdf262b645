#include "imapd/proto/imap_date.hpp"

#include <doctest/doctest.h>

using namespace mr::imapd;

TEST_CASE("date: date-text") {
    CHECK(parse_date_text("1-Feb-1994").value() == ImapDate{1994, 2, 1});
    CHECK(parse_date_text("01-feb-1994").value() == ImapDate{1994, 2, 1});
    CHECK(parse_date_text("29-Feb-2000").value() == ImapDate{2000, 2, 29});  // 400-year leap
    CHECK(parse_date_text("31-DEC-9999").value() == ImapDate{9999, 12, 31});
    const char* bad[] = {"", "1-Feb", "1-Feb-94", "1-Feb-19944", "32-Jan-2000", "0-Jan-2000",
                         "29-Feb-1900", "1 Feb 1994", "1-Febr-1994", "a-Feb-1994", "1-Feb-1994 ",
                         "123-Feb-1994", "1-Feb-0000"};
    for (const char* b : bad) {
        CAPTURE(b);
        CHECK(!parse_date_text(b).ok());
    }
}

TEST_CASE("date: date-time (APPEND)") {
    auto t = parse_date_time(" 7-Feb-1994 21:52:25 -0800").value();
    CHECK(t.date == ImapDate{1994, 2, 7});
    CHECK(t.hour == 21);
    CHECK(t.minute == 52);
    CHECK(t.second == 25);
    CHECK(t.zone_minutes == -480);
    CHECK(t.to_unix() == 760686745);  // 1994-02-08T05:52:25Z
    CHECK(parse_date_time("01-Jan-1970 00:00:00 +0000")->to_unix() == 0);
    CHECK(parse_date_time("01-Jan-1970 01:30:00 +0130")->to_unix() == 0);
    CHECK(parse_date_time("31-Dec-1969 23:59:60 +0000")->to_unix() == 0);  // leap second
    const char* bad[] = {
        "7-Feb-1994 21:52:25 -0800",   // date-day-fixed: SP DIGIT or 2DIGIT
        "07-Feb-1994 21:52:25",        // no zone
        "07-Feb-1994 21:52 -0800",     // no seconds
        "07-Feb-1994 24:00:00 +0000",  // hour
        "07-Feb-1994 23:60:00 +0000",  // minute
        "07-Feb-1994 23:59:61 +0000",  // second
        "07-Feb-1994 21:52:25 0800",   // zone sign
        "07-Feb-1994 21:52:25 +08",    // zone digits
        "07-Feb-1994 21:52:25 +0860",  // zone minutes
        "07-Feb-1994  21:52:25 +0000", // double SP
        "07-Feb-1994 21:52:25 +0000 ", // trailing
        "  7-Feb-1994 21:52:25 +0000", // two leading SP
    };
    for (const char* b : bad) {
        CAPTURE(b);
        CHECK(!parse_date_time(b).ok());
    }
}

TEST_CASE("date: days since epoch") {
    CHECK(ImapDate{1970, 1, 1}.days_since_epoch() == 0);
    CHECK(ImapDate{1969, 12, 31}.days_since_epoch() == -1);
    CHECK(ImapDate{2000, 3, 1}.days_since_epoch() == 11017);
    CHECK(ImapDate{2024, 1, 1} < ImapDate{2024, 1, 2});
}
