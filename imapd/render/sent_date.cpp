// See sent_date.hpp for the accepted forms.
#include "imapd/render/sent_date.hpp"

#include <array>

#include "common/text/ascii.hpp"

namespace mr::imapd {
namespace {

class DateLexer {
public:
    explicit DateLexer(std::string_view s) : s_(s) {}

    // CFWS: white space and (nested) comments, plus the "-" separator tolerated (not
    // before a zone, whose sign it may be).
    void skip(bool dashes = true) {
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || (dashes && c == '-')) {
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
    std::string_view word() {
        skip();
        const std::size_t b = pos_;
        while (pos_ < s_.size() && text::is_alpha(s_[pos_])) ++pos_;
        return s_.substr(b, pos_ - b);
    }
    // Digits; `count` receives how many.
    std::optional<int> number(int& count) {
        skip();
        int v = 0;
        count = 0;
        while (pos_ < s_.size() && text::is_digit(s_[pos_]) && count < 6) {
            v = v * 10 + (s_[pos_] - '0');
            ++pos_;
            ++count;
        }
        if (count == 0) return std::nullopt;
        return v;
    }
    bool consume(char c) {
        skip();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool at_alpha() {
        skip();
        return pos_ < s_.size() && text::is_alpha(s_[pos_]);
    }
    // '+' or '-' of a numeric zone, or 0.
    char sign() {
        skip(false);
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) return s_[pos_++];
        return 0;
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
        if (text::iequals(name.substr(0, 3), kMonths[i])) return static_cast<int>(i) + 1;
    }
    return 0;
}

int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153u * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2u) / 5u + static_cast<unsigned>(d) - 1u;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// obs-zone names (rfc5322.txt:1895) in minutes east of UTC; others (military) count 0.
int zone_minutes(std::string_view name) {
    struct Zone {
        std::string_view name;
        int minutes;
    };
    static constexpr Zone kZones[] = {{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                                      {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};
    for (const auto& z : kZones)
        if (text::iequals(name, z.name)) return z.minutes;
    return 0;
}

std::optional<CivilDate> date_part(DateLexer& lex);

}  // namespace

std::optional<CivilDate> parse_header_date(std::string_view value) {
    DateLexer lex(value);
    return date_part(lex);
}

std::optional<std::int64_t> parse_header_date_time(std::string_view value) {
    DateLexer lex(value);
    const auto date = date_part(lex);
    if (!date) return std::nullopt;
    const std::int64_t midnight = days_from_civil(date->year, date->month, date->day) * 86400;
    // RFC 5256 §2.2 (rfc5256.txt:146): an invalid time is 00:00:00, an invalid zone UTC.
    int digits = 0;
    const auto hour = lex.number(digits);
    if (!hour || digits > 2 || *hour > 23 || !lex.consume(':')) return midnight;
    const auto minute = lex.number(digits);
    if (!minute || digits != 2 || *minute > 59) return midnight;
    int second = 0;
    if (lex.consume(':')) {
        const auto s = lex.number(digits);
        if (!s || digits != 2 || *s > 60) return midnight;
        second = *s;
    }
    int offset = 0;
    if (const char sign = lex.sign()) {
        const auto hhmm = lex.number(digits);
        if (hhmm && digits == 4 && *hhmm % 100 < 60) offset = (*hhmm / 100 * 60 + *hhmm % 100) * (sign == '-' ? -1 : 1);
    } else {
        offset = zone_minutes(lex.word());
    }
    return midnight + *hour * 3600 + *minute * 60 + second - offset * 60;
}

namespace {

std::optional<CivilDate> date_part(DateLexer& lex) {
    if (lex.at_alpha()) {
        // day-of-week, with or without its "," (rfc5322.txt:791, obs-day-of-week).
        (void)lex.word();
        (void)lex.consume(',');
    }
    int digits = 0;
    const auto day = lex.number(digits);
    if (!day || digits > 2) return std::nullopt;
    const int month = month_number(lex.word());
    if (month == 0) return std::nullopt;
    auto year = lex.number(digits);
    if (!year || digits < 2) return std::nullopt;
    // rfc5322.txt:1861: 2-digit years 00-49 are 20xx, 50-99 19xx; 3-digit years +1900.
    if (digits == 2) *year += *year < 50 ? 2000 : 1900;
    else if (digits == 3) *year += 1900;
    if (*day < 1 || *day > days_in_month(*year, month)) return std::nullopt;
    return CivilDate{*year, month, *day};
}

}  // namespace

std::optional<CivilDate> sent_date(const mime::MessageStructure& structure) {
    if (!structure.envelope.date) return std::nullopt;
    return parse_header_date(*structure.envelope.date);
}

}  // namespace mr::imapd
