// IMAP dates: the date of SEARCH keys (BEFORE, ON, SINCE, SENT*) and the date-time of
// APPEND's internal date (RFC 3501 §9, rfc3501.txt:4690 date, :4713 date-time).
//
// Invariants:
//  - Parsing is strict: exact field widths of the grammar, month names in any case,
//    and the calendar is checked (no 31-Apr, 29-Feb only in leap years, hours < 24,
//    minutes and zone minutes < 60, seconds <= 60 for a leap second).
//  - Values are plain fields; conversion to a point in time is explicit (to_unix).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::imapd {

struct ImapDate {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    bool operator==(const ImapDate&) const = default;
    auto operator<=>(const ImapDate&) const = default;

    // Days since 1970-01-01 (negative before).
    std::int64_t days_since_epoch() const;
};

struct ImapDateTime {
    ImapDate date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int zone_minutes = 0;  // east of UTC: "+0130" -> 90, "-0500" -> -300
    bool operator==(const ImapDateTime&) const = default;

    // Seconds since the epoch of this instant (the zone subtracted, rfc3501.txt:5087).
    std::int64_t to_unix() const;
};

// date-text = date-day "-" date-month "-" date-year, date-day = 1*2DIGIT
// (rfc3501.txt:4701). Quotes are the caller's business (date = date-text / DQUOTE
// date-text DQUOTE): pass the unquoted text.
Result<ImapDate> parse_date_text(std::string_view text);

// The content of date-time without its DQUOTEs:
// date-day-fixed "-" date-month "-" date-year SP time SP zone, e.g. " 7-Feb-1994 21:52:25 -0800".
Result<ImapDateTime> parse_date_time(std::string_view text);

}  // namespace mr::imapd
