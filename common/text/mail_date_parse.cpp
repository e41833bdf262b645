// See mail_date.hpp for the accepted forms.
#include <array>
#include <utility>

#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"

namespace mr::text {

namespace {

class DateLexer {
public:
    explicit DateLexer(std::string_view s) : s_(s) {}

    // CFWS: white space and (nested) comments, plus the "-" separator tolerated between
    // the date's parts (not before a zone, where it is a sign).
    void skip(bool dash = true) {
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || (dash && c == '-')) {
                ++pos_;
            } else if (c == '(') {
                int depth = 0;
                while (pos_ < s_.size()) {
                    const char d = s_[pos_++];
                    if (d == '\\' && pos_ < s_.size()) ++pos_;
                    else if (d == '(') ++depth;
                    else if (d == ')' && --depth == 0) break;
                }
            } else {
                return;
            }
        }
    }
    std::string_view word(bool dash = true) {
        skip(dash);
        const std::size_t b = pos_;
        while (pos_ < s_.size() && is_alpha(s_[pos_])) ++pos_;
        return s_.substr(b, pos_ - b);
    }
    // Digits; `count` receives how many.
    std::optional<int> number(int& count, bool dash = true) {
        skip(dash);
        int v = 0;
        count = 0;
        while (pos_ < s_.size() && is_digit(s_[pos_]) && count < 6) {
            v = v * 10 + (s_[pos_] - '0');
            ++pos_;
            ++count;
        }
        if (count == 0) return std::nullopt;
        return v;
    }
    bool consume(char c, bool dash = true) {
        skip(dash);
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool at_alpha() {
        skip();
        return pos_ < s_.size() && is_alpha(s_[pos_]);
    }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

int month_number(std::string_view name) {
    static constexpr std::array<std::string_view, 12> kMonths = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    // Full names ("March") occur in hand-written Date: fields; the first three
    // letters decide.
    if (name.size() < 3) return 0;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (iequals(name.substr(0, 3), kMonths[i])) return static_cast<int>(i) + 1;
    }
    return 0;
}

// RFC 5322 §4.3 (rfc5322.txt:1880): obs-zone names.
bool obsolete_zone(std::string_view name, MailDate& d) {
    static constexpr std::pair<std::string_view, int> kZones[] = {
        {"UT", 0}, {"GMT", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6},
        {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7},
    };
    for (const auto& [zone, hours] : kZones) {
        if (iequals(name, zone)) {
            d.zone_minutes = hours * 60;
            return true;
        }
    }
    if (name.size() == 1) {  // military: unknown, as "-0000"
        d.zone_known = false;
        return true;
    }
    return false;
}

// hh:mm[:ss] zone, after the year.
bool parse_time(DateLexer& lex, MailDate& d) {
    int digits = 0;
    const auto hour = lex.number(digits, false);
    if (!hour) return true;  // date only
    if (digits > 2 || !lex.consume(':', false)) return false;
    const auto minute = lex.number(digits, false);
    if (!minute || digits != 2) return false;
    int second = 0;
    if (lex.consume(':', false)) {
        const auto s = lex.number(digits, false);
        if (!s || digits != 2) return false;
        second = *s;
    }
    // RFC 5322 §3.3: a leap second may be 60.
    if (*hour > 23 || *minute > 59 || second > 60) return false;
    d.has_time = true;
    d.hour = *hour;
    d.minute = *minute;
    d.second = second;
    const bool plus = lex.consume('+', false);
    const bool minus = !plus && lex.consume('-', false);
    if (plus || minus) {
        const auto zone = lex.number(digits, false);
        if (!zone || digits != 4 || *zone % 100 > 59) return false;
        d.zone_minutes = (*zone / 100 * 60 + *zone % 100) * (minus ? -1 : 1);
        d.zone_known = !(minus && *zone == 0);
        return true;
    }
    const auto name = lex.word(false);
    if (name.empty()) {  // no zone: taken as unknown
        d.zone_known = false;
        return true;
    }
    return obsolete_zone(name, d);
}

}  // namespace

int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// H. Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(int year, int month, int day) {
    const std::int64_t y = year - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t days, int& year, int& month, int& day) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const std::int64_t doe = days - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

std::optional<MailDate> parse_mail_date(std::string_view value) {
    DateLexer lex(value);
    if (lex.at_alpha()) {
        // day-of-week, with or without its "," (rfc5322.txt:791, obs-day-of-week).
        (void)lex.word();
        (void)lex.consume(',');
    }
    MailDate d;
    int digits = 0;
    const auto day = lex.number(digits);
    if (!day || digits > 2) return std::nullopt;
    d.month = month_number(lex.word());
    if (d.month == 0) return std::nullopt;
    auto year = lex.number(digits);
    if (!year || digits < 2) return std::nullopt;
    // rfc5322.txt:1861: 2-digit years 00-49 are 20xx, 50-99 19xx; 3-digit years +1900.
    if (digits == 2) *year += *year < 50 ? 2000 : 1900;
    else if (digits == 3) *year += 1900;
    if (*day < 1 || *day > days_in_month(*year, d.month)) return std::nullopt;
    d.year = *year;
    d.day = *day;
    if (!parse_time(lex, d)) return std::nullopt;
    return d;
}

}  // namespace mr::text
