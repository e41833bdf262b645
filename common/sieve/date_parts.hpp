// RFC 5260 (Sieve "date" and "index"): time zones and the date-parts a date or
// currentdate test compares.
//
// Invariants:
//  - Pure: the instant and the zone come from the caller (MessageView: the clock and the
//    local zone of deliverd), so every part is testable at any date.
//  - A zone is "+hhmm" or "-hhmm" (RFC 5260 §4.1, the RFC 5322 zone form); minutes > 59
//    are refused.
//  - Parts are written as RFC 5260 §4.2 lists them: fixed-width decimal, "julian" the
//    Modified Julian Day, "weekday" 0 for Sunday, "zone" "+hhmm"/"-hhmm" ("-0000" when the
//    original zone was unknown), "iso8601" with "+hh:mm", "std11" RFC 5322's date-time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/text/mail_date.hpp"

namespace mr::sieve {

// Minutes east of UTC, nullopt unless "+hhmm" / "-hhmm".
std::optional<int> parse_zone(std::string_view zone);
bool is_date_part(std::string_view part);

// The instant a parsed Date: value names (its zone applied); nullopt without a time.
std::optional<std::int64_t> instant_of(const text::MailDate& d);

// `part` (lower case, is_date_part) of the instant `unix_seconds` in the given zone.
std::string date_part(std::string_view part, std::int64_t unix_seconds, int zone_minutes, bool zone_known = true);

}  // namespace mr::sieve
