// See sent_date.hpp for the accepted forms; the parser is common/text/mail_date's.
#include "imapd/render/sent_date.hpp"

#include "common/text/mail_date.hpp"

namespace mr::imapd {

namespace {

// A Date: value as parse_mail_date reads it, or, when its zone or time does not parse, the
// part before them: "date time" (the zone then unknown: UTC for RFC 5256 §2.2,
// rfc5256.txt:146), else the date alone (midnight).
std::optional<text::MailDate> lenient_date(std::string_view value) {
    if (auto d = text::parse_mail_date(value)) return d;
    const auto colon = value.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    if (const auto after_time = value.find(' ', colon); after_time != std::string_view::npos) {
        if (auto d = text::parse_mail_date(value.substr(0, after_time))) return d;
    }
    const auto before_time = value.rfind(' ', colon);
    if (before_time == std::string_view::npos) return std::nullopt;
    auto d = text::parse_mail_date(value.substr(0, before_time));
    if (d) d->has_time = false;
    return d;
}

}  // namespace

std::optional<CivilDate> parse_header_date(std::string_view value) {
    // The time and zone, when present and valid or not, play no part: read only the date.
    const auto d = lenient_date(value);
    if (!d) return std::nullopt;
    return CivilDate{d->year, d->month, d->day};
}

std::optional<std::int64_t> parse_header_date_time(std::string_view value) {
    const auto d = lenient_date(value);
    if (!d) return std::nullopt;
    const std::int64_t midnight = text::days_from_civil(d->year, d->month, d->day) * 86400;
    if (!d->has_time) return midnight;
    const int zone = d->zone_known ? d->zone_minutes : 0;
    return midnight + d->hour * 3600 + d->minute * 60 + d->second - zone * 60;
}

std::optional<CivilDate> sent_date(const mime::MessageStructure& structure) {
    if (!structure.envelope.date) return std::nullopt;
    return parse_header_date(*structure.envelope.date);
}

}  // namespace mr::imapd
