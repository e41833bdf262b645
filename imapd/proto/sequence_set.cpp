#include "imapd/proto/sequence_set.hpp"

#include <algorithm>

#include "common/text/ascii.hpp"

namespace mr::imapd {

NumberSet::NumberSet(std::vector<NumberRange> ranges) {
    std::sort(ranges.begin(), ranges.end(),
              [](const NumberRange& a, const NumberRange& b) { return a.first < b.first; });
    for (const auto& r : ranges) {
        // Adjacent ranges merge too (last + 1 == first); 64-bit so UINT32_MAX cannot wrap.
        if (!ranges_.empty() &&
            static_cast<std::uint64_t>(r.first) <= static_cast<std::uint64_t>(ranges_.back().last) + 1) {
            ranges_.back().last = std::max(ranges_.back().last, r.last);
        } else {
            ranges_.push_back(r);
        }
    }
}

NumberSet NumberSet::from_numbers(std::span<const std::uint32_t> numbers) {
    std::vector<NumberRange> ranges;
    ranges.reserve(numbers.size());
    for (auto n : numbers) ranges.push_back({n, n});
    return NumberSet(std::move(ranges));
}

bool NumberSet::contains(std::uint32_t n) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), n,
                               [](std::uint32_t v, const NumberRange& r) { return v < r.first; });
    if (it == ranges_.begin()) return false;
    --it;
    return n <= it->last;
}

std::uint64_t NumberSet::count() const {
    std::uint64_t total = 0;
    for (const auto& r : ranges_) total += static_cast<std::uint64_t>(r.last) - r.first + 1;
    return total;
}

NumberSet NumberSet::clamped(std::uint32_t limit) const {
    NumberSet out;
    for (const auto& r : ranges_) {
        if (r.first > limit) break;
        out.ranges_.push_back({r.first, std::min(r.last, limit)});
    }
    return out;
}

std::vector<std::size_t> NumberSet::positions_in(std::span<const std::uint32_t> sorted_values) const {
    std::vector<std::size_t> out;
    auto from = sorted_values.begin();
    for (const auto& r : ranges_) {
        from = std::lower_bound(from, sorted_values.end(), r.first);
        for (; from != sorted_values.end() && *from <= r.last; ++from)
            out.push_back(static_cast<std::size_t>(from - sorted_values.begin()));
        if (from == sorted_values.end()) break;
    }
    return out;
}

std::string NumberSet::to_string() const {
    std::string out;
    for (const auto& r : ranges_) {
        if (!out.empty()) out += ',';
        out += std::to_string(r.first);
        if (r.last != r.first) {
            out += ':';
            out += std::to_string(r.last);
        }
    }
    return out;
}

NumberSet::Iterator& NumberSet::Iterator::operator++() {
    const NumberRange& r = (*ranges_)[index_];
    if (value_ < r.last) {
        ++value_;
    } else {
        ++index_;
        value_ = index_ < ranges_->size() ? (*ranges_)[index_].first : 0;
    }
    return *this;
}

NumberSet::Iterator NumberSet::begin() const {
    if (ranges_.empty()) return end();
    return Iterator(&ranges_, 0, ranges_.front().first);
}

namespace {

// seq-number = nz-number / "*" (rfc3501.txt:4998); nz-number is 32-bit (rfc3501.txt:4895).
Result<std::uint32_t> seq_number(std::string_view s) {
    if (s == "*") return SequenceSet::kStar;
    if (s.empty() || s.size() > 10 || s[0] == '0') return Error::syntax("Invalid sequence set");
    std::uint64_t v = 0;
    for (char c : s) {
        if (!text::is_digit(c)) return Error::syntax("Invalid sequence set");
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return Error::syntax("Invalid sequence set: number too large");
    return static_cast<std::uint32_t>(v);
}

}  // namespace

Result<SequenceSet> SequenceSet::parse(std::string_view text) {
    SequenceSet set;
    if (text.empty()) return Error::syntax("Invalid sequence set");
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view member = text.substr(start, comma - start);
        const std::size_t colon = member.find(':');
        Item item;
        auto from = seq_number(member.substr(0, colon));
        if (!from) return from.error();
        item.from = item.to = *from;
        if (colon != std::string_view::npos) {
            auto to = seq_number(member.substr(colon + 1));
            if (!to) return to.error();
            item.to = *to;
        }
        set.items_.push_back(item);
        if (comma == text.size()) break;
        start = comma + 1;
    }
    return set;
}

bool SequenceSet::uses_star() const {
    return std::any_of(items_.begin(), items_.end(),
                       [](const Item& i) { return i.from == kStar || i.to == kStar; });
}

std::uint32_t SequenceSet::max_explicit() const {
    std::uint32_t m = 0;
    for (const auto& i : items_) m = std::max({m, i.from, i.to});
    return m;
}

NumberSet SequenceSet::resolve(std::uint32_t largest) const {
    std::vector<NumberRange> ranges;
    ranges.reserve(items_.size());
    for (const auto& i : items_) {
        const std::uint32_t a = i.from == kStar ? largest : i.from;
        const std::uint32_t b = i.to == kStar ? largest : i.to;
        NumberRange r{std::min(a, b), std::max(a, b)};
        if (r.last == 0) continue;
        if (r.first == 0) r.first = 1;
        ranges.push_back(r);
    }
    return NumberSet(std::move(ranges));
}

}  // namespace mr::imapd
