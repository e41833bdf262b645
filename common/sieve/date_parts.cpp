#include "common/sieve/date_parts.hpp"

#include <array>
#include <cstdio>

#include "common/text/ascii.hpp"

namespace mr::sieve {

namespace {

constexpr std::array<std::string_view, 13> kParts = {
    "year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday",
};

// 1858-11-17, day 0 of the Modified Julian Day count, is this many days before 1970-01-01.
constexpr std::int64_t kMjdOfEpoch = 40587;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

std::string two(int v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

std::string zone_text(int minutes, bool known, bool colon) {
    const int a = minutes < 0 ? -minutes : minutes;
    std::string out(1, minutes < 0 || !known ? '-' : '+');
    out += two(a / 60);
    if (colon) out += ':';
    out += two(a % 60);
    return out;
}

}  // namespace

std::optional<int> parse_zone(std::string_view z) {
    if (z.size() != 5 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
    for (std::size_t i = 1; i < 5; ++i)
        if (!text::is_digit(z[i])) return std::nullopt;
    const int hours = (z[1] - '0') * 10 + (z[2] - '0');
    const int minutes = (z[3] - '0') * 10 + (z[4] - '0');
    if (minutes > 59) return std::nullopt;
    return (hours * 60 + minutes) * (z[0] == '-' ? -1 : 1);
}

bool is_date_part(std::string_view part) {
    for (auto p : kParts)
        if (text::iequals(p, part)) return true;
    return false;
}

std::optional<std::int64_t> instant_of(const text::MailDate& d) {
    if (!d.has_time) return std::nullopt;
    return text::days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600 + d.minute * 60 + d.second -
           static_cast<std::int64_t>(d.zone_minutes) * 60;
}

std::string date_part(std::string_view part, std::int64_t unix_seconds, int zone_minutes, bool zone_known) {
    const std::int64_t local = unix_seconds + static_cast<std::int64_t>(zone_minutes) * 60;
    const std::int64_t days = floor_div(local, 86400);
    const auto secs = static_cast<int>(local - days * 86400);
    int year = 0, month = 0, day = 0;
    text::civil_from_days(days, year, month, day);
    const int hour = secs / 3600, minute = secs / 60 % 60, second = secs % 60;
    char buf[64];
    auto date = [&] {
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
        return std::string(buf);
    };
    auto time = [&] { return two(hour) + ":" + two(minute) + ":" + two(second); };
    if (part == "year") {
        std::snprintf(buf, sizeof buf, "%04d", year);
        return buf;
    }
    if (part == "month") return two(month);
    if (part == "day") return two(day);
    if (part == "date") return date();
    if (part == "julian") return std::to_string(days + kMjdOfEpoch);
    if (part == "hour") return two(hour);
    if (part == "minute") return two(minute);
    if (part == "second") return two(second);
    if (part == "time") return time();
    if (part == "iso8601") return date() + "T" + time() + zone_text(zone_minutes, zone_known, true);
    if (part == "zone") return zone_text(zone_minutes, zone_known, false);
    if (part == "weekday") {
        const std::int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
        return std::to_string(w < 0 ? w + 7 : w);
    }
    if (part == "std11") {
        // RFC 5322's form of the local time, with its zone in place of rfc5322_date's "+0000".
        std::string out = text::rfc5322_date(local);
        return out.substr(0, out.size() - 5) + zone_text(zone_minutes, zone_known, false);
    }
    return {};
}

}  // namespace mr::sieve
