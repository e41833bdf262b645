// SORT keys and their order (sort_entry.hpp).
#include "imapd/session/sort_entry.hpp"

#include <algorithm>

namespace mr::imapd::session {

using Key = SortCriterion::Key;

bool needs_envelope(const std::vector<SortCriterion>& criteria) {
    return std::any_of(criteria.begin(), criteria.end(),
                       [](const SortCriterion& c) { return c.key != Key::Arrival && c.key != Key::Size; });
}

SortFields sort_fields(const storage::MessageRecord& rec, bool envelope, mime::MessageStructure& scratch) {
    SortFields f;
    f.arrival = rec.internal_date;
    f.size = rec.rfc822_size >= 0 ? rec.rfc822_size : rec.size;
    f.keys.sent = rec.internal_date;
    if (envelope && mime::deserialize_into(rec.structure, scratch))
        f.keys = message_sort_keys(scratch.envelope, rec.internal_date);
    return f;
}

SortEntry sort_entry(std::uint32_t position, const storage::MessageRecord& rec,
                     const std::vector<SortCriterion>& criteria, mime::MessageStructure& scratch) {
    SortEntry e;
    static_cast<SortFields&>(e) = sort_fields(rec, needs_envelope(criteria), scratch);
    e.position = position;
    return e;
}

int compare_by(const SortFields& a, const SortFields& b, Key key) {
    auto three_way = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
    switch (key) {
        case Key::Arrival: return three_way(a.arrival, b.arrival);
        case Key::Date: return three_way(a.keys.sent, b.keys.sent);
        case Key::Size: return three_way(a.size, b.size);
        case Key::Subject: return a.keys.subject.compare(b.keys.subject);
        case Key::From: return a.keys.from.compare(b.keys.from);
        case Key::To: return a.keys.to.compare(b.keys.to);
        case Key::Cc: return a.keys.cc.compare(b.keys.cc);
        case Key::DisplayFrom: return a.keys.display_from.compare(b.keys.display_from);
        case Key::DisplayTo: return a.keys.display_to.compare(b.keys.display_to);
    }
    return 0;
}

bool sorts_before(const SortEntry& a, const SortEntry& b, const std::vector<SortCriterion>& criteria) {
    for (const auto& c : criteria) {
        const int r = compare_by(a, b, c.key);
        if (r != 0) return c.reverse ? r > 0 : r < 0;
    }
    return a.position < b.position;
}

}  // namespace mr::imapd::session
