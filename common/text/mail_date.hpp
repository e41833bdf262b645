// The dates mailroom writes. RFC 5322 §3.3 (rfc5322.txt:791) date-times in Date:,
// Received: and delivery-status fields: always UTC ("+0000"), English day and month names
// whatever the locale, the day of the month without a leading zero. Also the mbox "From "
// line's asctime() form and the short UTC stamps of backups and `mailroom status`, all
// locale-independent.
#pragma once

#include <cstdint>
#include <string>

namespace mr::text {

// "Thu, 1 Jan 1970 00:00:00 +0000" for 0.
std::string rfc5322_date(std::int64_t unix_seconds);
// asctime() form in UTC, as an mbox "From " line carries it: "Thu Jan  1 00:00:00 1970".
std::string asctime_date(std::int64_t unix_seconds);
// "19700101T000000Z": sorts as text, safe in a file name (ISO 8601 basic format).
std::string compact_utc_stamp(std::int64_t unix_seconds);
// "1970-01-01 00:00 UTC": for people reading a status screen.
std::string readable_utc_minute(std::int64_t unix_seconds);

}  // namespace mr::text
