#include "imapd/proto/imap_date.hpp"

#include "common/text/ascii.hpp"
#include "common/text/mail_date.hpp"

namespace mr::imapd {

namespace {

constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

using text::days_in_month;

// Exactly n digits at the front of `s`, consumed.
bool digits(std::string_view& s, std::size_t n, int& out) {
    if (s.size() < n) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!text::is_digit(s[i])) return false;
        out = out * 10 + (s[i] - '0');
    }
    s.remove_prefix(n);
    return true;
}

bool eat(std::string_view& s, char c) {
    if (s.empty() || s[0] != c) return false;
    s.remove_prefix(1);
    return true;
}

// "-" date-month "-" date-year, then the calendar check of `day`.
Result<ImapDate> month_year(std::string_view& s, int day) {
    ImapDate d;
    d.day = day;
    if (!eat(s, '-') || s.size() < 3) return Error::syntax("Invalid date");
    d.month = 0;
    for (int m = 0; m < 12; ++m) {
        if (text::iequals(s.substr(0, 3), kMonths[m])) d.month = m + 1;
    }
    if (d.month == 0) return Error::syntax("Invalid month in date");
    s.remove_prefix(3);
    if (!eat(s, '-') || !digits(s, 4, d.year) || d.year == 0) return Error::syntax("Invalid year in date");
    if (d.day < 1 || d.day > days_in_month(d.year, d.month)) return Error::syntax("Invalid day in date");
    return d;
}

}  // namespace

std::int64_t ImapDate::days_since_epoch() const {
    return text::days_from_civil(year, month, day);
}

std::int64_t ImapDateTime::to_unix() const {
    return date.days_since_epoch() * 86400 + hour * 3600 + minute * 60 + second -
           static_cast<std::int64_t>(zone_minutes) * 60;
}

Result<ImapDate> parse_date_text(std::string_view s) {
    int day = 0;
    std::size_t n = 0;
    while (n < s.size() && n < 3 && text::is_digit(s[n])) ++n;
    if (n == 0 || n > 2 || !digits(s, n, day)) return Error::syntax("Invalid date");
    auto d = month_year(s, day);
    if (!d) return d;
    if (!s.empty()) return Error::syntax("Invalid date");
    return d;
}

Result<ImapDateTime> parse_date_time(std::string_view s) {
    ImapDateTime t;
    int day = 0;
    // date-day-fixed = (SP DIGIT) / 2DIGIT (rfc3501.txt:4695).
    if (!s.empty() && s[0] == ' ') {
        s.remove_prefix(1);
        if (!digits(s, 1, day)) return Error::syntax("Invalid date-time");
    } else if (!digits(s, 2, day)) {
        return Error::syntax("Invalid date-time");
    }
    auto d = month_year(s, day);
    if (!d) return d.error();
    t.date = *d;
    // time = 2DIGIT ":" 2DIGIT ":" 2DIGIT (rfc3501.txt:5067).
    if (!eat(s, ' ') || !digits(s, 2, t.hour) || !eat(s, ':') || !digits(s, 2, t.minute) ||
        !eat(s, ':') || !digits(s, 2, t.second))
        return Error::syntax("Invalid time in date-time");
    if (t.hour > 23 || t.minute > 59 || t.second > 60) return Error::syntax("Invalid time in date-time");
    // zone = ("+" / "-") 4DIGIT (rfc3501.txt:5083).
    if (!eat(s, ' ') || s.empty() || (s[0] != '+' && s[0] != '-')) return Error::syntax("Invalid zone in date-time");
    const bool west = s[0] == '-';
    s.remove_prefix(1);
    int zh = 0;
    int zm = 0;
    if (!digits(s, 2, zh) || !digits(s, 2, zm) || zm > 59 || zh > 23 || !s.empty())
        return Error::syntax("Invalid zone in date-time");
    t.zone_minutes = (west ? -1 : 1) * (zh * 60 + zm);
    return t;
}

}  // namespace mr::imapd
