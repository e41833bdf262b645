// The calendar date of a Date: header, for SENTBEFORE / SENTON / SENTSINCE
// (RFC 3501 §6.4.4, rfc3501.txt:2884: "disregarding time and timezone").
//
// Invariants:
//  - Only day, month and year are read, as written: the date in the header's own
//    zone, never converted to UTC (a message sent at 23:30 -0800 was sent on that
//    day for its author and for Dovecot's SENTON).
//  - common/text/mail_date (parse_mail_date): RFC 5322 §3.3 (rfc5322.txt:791) plus the obsolete forms of §4.3
//    (rfc5322.txt:1826): optional day name with or without ",", comments and folding
//    anywhere between tokens, 2-digit years (00-49 -> 20xx, 50-99 -> 19xx) and
//    3-digit years (+1900) per rfc5322.txt:1861. "-" between day, month and year is
//    accepted too (a common mistake that copies IMAP's date format).
//  - Anything else (no Date:, garbage, day 0 or 32, unknown month) is nullopt; the
//    session then falls back to the internal date, as Dovecot does.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/mime/message_structure.hpp"

namespace mr::imapd {

struct CivilDate {
    int year = 0;
    int month = 0;  // 1..12
    int day = 0;    // 1..31
    auto operator<=>(const CivilDate&) const = default;
};

std::optional<CivilDate> parse_header_date(std::string_view date_field_value);

// The instant a Date: field names, in seconds since the epoch (UTC), for SORT DATE and
// THREAD (RFC 5256 §2.2, rfc5256.txt:143: "the date and time ... adjusted by time zone").
// The date as above, then hh:mm[:ss] and a zone: "+hhmm"/"-hhmm", or an obsolete name
// (UT, GMT, EST ... PDT; military letters and unknown names count as +0000,
// rfc5322.txt:1838). An invalid time is midnight and an invalid zone UTC (rfc5256.txt:146);
// nullopt without a valid date (the caller then uses the internal date, rfc5256.txt:155).
std::optional<std::int64_t> parse_header_date_time(std::string_view date_field_value);

// The top-level message's Date: from the cached envelope (no message bytes needed).
std::optional<CivilDate> sent_date(const mime::MessageStructure& structure);

}  // namespace mr::imapd
