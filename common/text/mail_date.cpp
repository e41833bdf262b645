#include "common/text/mail_date.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace mr::text {

namespace {

std::tm utc(std::int64_t unix_seconds) {
    const auto when = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&when, &tm);
    return tm;
}

// Not strftime("%a %b"): those follow the process locale.
const char* day_name(const std::tm& tm) {
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    return kDays[static_cast<std::size_t>(tm.tm_wday) % 7];
}

const char* month_name(const std::tm& tm) {
    static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return kMonths[static_cast<std::size_t>(tm.tm_mon) % 12];
}

}  // namespace

std::string rfc5322_date(std::int64_t unix_seconds) {
    const std::tm tm = utc(unix_seconds);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", day_name(tm), tm.tm_mday, month_name(tm),
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string asctime_date(std::int64_t unix_seconds) {
    const std::tm tm = utc(unix_seconds);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %s %2d %02d:%02d:%02d %04d", day_name(tm), month_name(tm), tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
    return buf;
}

std::string compact_utc_stamp(std::int64_t unix_seconds) {
    const std::tm tm = utc(unix_seconds);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string readable_utc_minute(std::int64_t unix_seconds) {
    const std::tm tm = utc(unix_seconds);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min);
    return buf;
}

}  // namespace mr::text
