// Case-insensitive matching for SEARCH (RFC 3501 §6.4.4, rfc3501.txt:2777: "The
// matching is case-insensitive") over UTF-8 text.
//
// Invariants:
//  - fold_case maps each code point to its lower-case form for the scripts mail
//    users search in most (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic) with
//    simple 1:1 mappings: the output is a valid UTF-8 string exactly when the input
//    is, and never longer than the input. Full foldings that change length ("ß" ->
//    "ss") are not done, so "ß" matches only "ß".
//  - Bytes that are not valid UTF-8 pass through unchanged, so 8-bit text in an
//    unknown charset still matches itself byte for byte.
//  - No locale, no allocation beyond the result.
#pragma once

#include <string>
#include <string_view>

namespace mr::imapd {

std::string fold_case(std::string_view utf8);

// A SEARCH string, folded once, matched against many folded haystacks.
class SearchString {
public:
    explicit SearchString(std::string_view utf8) : folded_(fold_case(utf8)) {}
    bool empty() const { return folded_.empty(); }
    const std::string& folded() const { return folded_; }
    // True when this string occurs in `folded_haystack` (already passed through fold_case).
    bool found_in(std::string_view folded_haystack) const {
        return folded_haystack.find(folded_) != std::string_view::npos;
    }

private:
    std::string folded_;
};

}  // namespace mr::imapd
