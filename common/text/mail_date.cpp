#include "common/text/mail_date.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace mr::text {

std::string rfc5322_date(std::int64_t unix_seconds) {
    const auto when = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&when, &tm);
    // Not strftime("%a %b"): those follow the process locale.
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000",
                  kDays[static_cast<std::size_t>(tm.tm_wday) % 7], tm.tm_mday,
                  kMonths[static_cast<std::size_t>(tm.tm_mon) % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

}  // namespace mr::text
