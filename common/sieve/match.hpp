// Comparators (RFC 4790 §9: i;octet, i;ascii-casemap, i;ascii-numeric; RFC 5051:
// i;unicode-casemap) and match types (RFC 5228 §2.7.1: :is, :contains, :matches; RFC 5231:
// :value, :count).
//
// Invariants:
//  - No regular expressions and no backtracking beyond the last '*': :matches runs in
//    O(value * key) at worst, and the caller charges that cost to the script's budget
//    (match_cost) before calling.
//  - :matches fills `captures` (RFC 5229 §3.2: ${0} the whole value, ${1}... one per
//    wildcard, each '*' as short as possible except as the pattern's end demands).
//  - i;unicode-casemap compares value and key in text::unicode_casemap's form, as i;octet.
//    Under :matches the pattern's literal parts are prepared on their own (U+FF1F
//    FULLWIDTH QUESTION MARK becomes a "?" that is no wildcard), "?" is one character of
//    the prepared value (a code point and its combining marks: RFC 5228 §2.7.1
//    (rfc5228.txt:758)), and captures are the value's text as written, cut at the code
//    points the wildcards matched.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sieve/program.hpp"

namespace mr::sieve {

bool match_value(const MatchSpec& spec, std::string_view value, std::string_view key,
                 std::vector<std::string>* captures = nullptr);

// RFC 5231 §4.2: the number of values, compared with the key under the comparator.
bool match_count(const MatchSpec& spec, std::size_t count, std::string_view key);

// The budget one match_value call is charged.
std::uint64_t match_cost(const MatchSpec& spec, std::string_view value, std::string_view key);

}  // namespace mr::sieve
