// The dates mailroom writes. RFC 5322 §3.3 (rfc5322.txt:791) date-times in Date:,
// Received: and delivery-status fields: always UTC ("+0000"), English day and month names
// whatever the locale, the day of the month without a leading zero. Also the mbox "From "
// line's asctime() form and the short UTC stamps of backups and `mailroom status`, all
// locale-independent.
//
// And as mailroom reads it (parse_mail_date, for IMAP SENTON and Sieve "date"):
//  - RFC 5322 §3.3 (rfc5322.txt:791) plus the obsolete forms of §4.3 (rfc5322.txt:1826): optional day name
//    with or without ",", comments and folding anywhere between tokens, 2-digit years
//    (00-49 -> 20xx, 50-99 -> 19xx) and 3-digit years (+1900) per rfc5322.txt:1861,
//    seconds optional, the obsolete zone names (UT, GMT, EST...; military letters are
//    "-0000", as rfc5322.txt:1900 says they carry no information). "-" between day,
//    month and year is accepted too (a common mistake that copies IMAP's date format).
//  - The time and zone may be missing (has_time false): callers that need them refuse.
//  - Anything else (garbage, day 0 or 32, unknown month, hour 24) is nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mr::text {

// "Thu, 1 Jan 1970 00:00:00 +0000" for 0.
std::string rfc5322_date(std::int64_t unix_seconds);
// asctime() form in UTC, as an mbox "From " line carries it: "Thu Jan  1 00:00:00 1970".
std::string asctime_date(std::int64_t unix_seconds);
// "19700101T000000Z": sorts as text, safe in a file name (ISO 8601 basic format).
std::string compact_utc_stamp(std::int64_t unix_seconds);
// "1970-01-01 00:00 UTC": for people reading a status screen.
std::string readable_utc_minute(std::int64_t unix_seconds);

struct MailDate {
    int year = 0, month = 0, day = 0;  // month 1..12, day 1..31
    bool has_time = false;
    int hour = 0, minute = 0, second = 0;
    int zone_minutes = 0;   // east of UTC
    bool zone_known = true;  // false for "-0000" and military zones (RFC 5322 §3.3)
};

std::optional<MailDate> parse_mail_date(std::string_view value);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(int year, int month, int day);
void civil_from_days(std::int64_t days, int& year, int& month, int& day);
int days_in_month(int year, int month);

}  // namespace mr::text
