// Sequence sets: "2,4:7,9,12:*" of message sequence numbers or UIDs (RFC 3501 §9
// sequence-set, rfc3501.txt:5024; uid-set of RFC 4315 §4, rfc4315.txt:300).
//
// Invariants:
//  - A SequenceSet is kept as parsed, with "*" unresolved: what "*" means depends on the
//    mailbox at the moment the command runs (the number of messages, or the highest UID,
//    rfc3501.txt:5002).
//  - Ranges hold in either order: 5:2 is 2:5 (rfc3501.txt:5017).
//  - resolve() gives a NumberSet: sorted, disjoint, non-adjacent closed ranges. Nothing
//    ever expands a range into its members, so 1:4294967295 costs two integers;
//    membership is a binary search and iteration walks the ranges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::imapd {

// A closed range [first, last] with first <= last.
struct NumberRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    bool operator==(const NumberRange&) const = default;
};

// A resolved set of numbers (sequence numbers or UIDs).
class NumberSet {
public:
    NumberSet() = default;
    // Normalises: sorts, merges overlapping and adjacent ranges.
    explicit NumberSet(std::vector<NumberRange> ranges);
    // From a list of numbers in any order, duplicates allowed.
    static NumberSet from_numbers(std::span<const std::uint32_t> numbers);

    bool empty() const { return ranges_.empty(); }
    bool contains(std::uint32_t n) const;
    std::uint64_t count() const;
    std::uint32_t min() const { return ranges_.empty() ? 0 : ranges_.front().first; }
    std::uint32_t max() const { return ranges_.empty() ? 0 : ranges_.back().last; }
    const std::vector<NumberRange>& ranges() const { return ranges_; }

    // The members no greater than `limit` (e.g. drop UIDs past the last message).
    NumberSet clamped(std::uint32_t limit) const;

    // The positions i, ascending, of the members among `sorted_values` (strictly
    // ascending, like a mailbox's UIDs): how UID FETCH/STORE/... find their messages.
    // O(ranges · log n + matches), never O(size of a range).
    std::vector<std::size_t> positions_in(std::span<const std::uint32_t> sorted_values) const;

    // Compact wire form "1:3,5,7:9"; "" when empty. Used for uid-set in COPYUID.
    std::string to_string() const;

    // Iterates the members in ascending order without expanding the ranges.
    class Iterator {
    public:
        using value_type = std::uint32_t;
        using difference_type = std::ptrdiff_t;
        Iterator() = default;
        Iterator(const std::vector<NumberRange>* r, std::size_t i, std::uint32_t v)
            : ranges_(r), index_(i), value_(v) {}
        std::uint32_t operator*() const { return value_; }
        Iterator& operator++();
        Iterator operator++(int) {
            Iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const Iterator& o) const { return index_ == o.index_ && value_ == o.value_; }

    private:
        const std::vector<NumberRange>* ranges_ = nullptr;
        std::size_t index_ = 0;
        std::uint32_t value_ = 0;
    };
    Iterator begin() const;
    Iterator end() const { return Iterator(&ranges_, ranges_.size(), 0); }

    bool operator==(const NumberSet&) const = default;

private:
    std::vector<NumberRange> ranges_;
};

class SequenceSet {
public:
    // seq-number = nz-number / "*"; kStar stands for "*" (0 is never a valid member).
    static constexpr std::uint32_t kStar = 0;
    struct Item {
        std::uint32_t from = 0;  // kStar for "*"
        std::uint32_t to = 0;    // == from for a single number
        bool operator==(const Item&) const = default;
    };

    // sequence-set: no spaces, no empty members, no zero, 32-bit values.
    static Result<SequenceSet> parse(std::string_view text);
    // "$", SEARCHRES's seq-last-command (RFC 5182 §2.1): the search result the session
    // saved, which only the session can resolve (Selected::resolve); resolve() gives
    // nothing for it.
    static SequenceSet saved_result() {
        SequenceSet s;
        s.saved_ = true;
        return s;
    }
    bool is_saved_result() const { return saved_; }

    const std::vector<Item>& items() const { return items_; }
    bool uses_star() const;
    // The largest explicit number (to answer BAD for sequence numbers past the end,
    // rfc3501.txt:5009); 0 if the set is only "*".
    std::uint32_t max_explicit() const;

    // "*" becomes `largest`: for sequence numbers the message count, for UIDs the
    // highest UID in use. With largest == 0 (empty mailbox) a lone "*" resolves to
    // nothing and "n:*" to 1:n, since 0 is never a member.
    NumberSet resolve(std::uint32_t largest) const;

    bool operator==(const SequenceSet&) const = default;

private:
    std::vector<Item> items_;
    bool saved_ = false;
};

}  // namespace mr::imapd
