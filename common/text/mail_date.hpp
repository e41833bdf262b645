// The date-time of RFC 5322 §3.3 (rfc5322.txt:791) as mailroom writes it, in Date:,
// Received: and delivery-status fields: always UTC ("+0000"), English day and month
// names whatever the locale, the day of the month without a leading zero.
#pragma once

#include <cstdint>
#include <string>

namespace mr::text {

// "Thu, 1 Jan 1970 00:00:00 +0000" for 0.
std::string rfc5322_date(std::int64_t unix_seconds);

}  // namespace mr::text
