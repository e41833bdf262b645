// RFC 5229 variables: named variables, the match variables ${0}..${N} of the last
// successful :matches, expansion of "${...}" in strings and the set modifiers.
//
// Invariants:
//  - Names are case-insensitive (stored lowercased); an unset variable expands to "".
//  - A "${" that does not start a well-formed reference is kept as written, and the scan
//    goes on after the "$" ("${BAD${Company}" gives "${BADACME", RFC 5229 §3).
//  - Values are truncated at max_value_bytes and expansions at max_expansion_bytes; the
//    number of variables is bounded by max_variables (set beyond it fails).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/result.hpp"

namespace mr::sieve {

class Variables {
public:
    Variables(std::size_t max_variables, std::size_t max_value_bytes, std::size_t max_expansion_bytes)
        : max_variables_(max_variables), max_value_(max_value_bytes), max_expansion_(max_expansion_bytes) {}

    std::string expand(std::string_view s) const;
    Result<void> set(std::string_view name, std::string value);
    std::string get(std::string_view name) const;
    void set_matches(std::vector<std::string> captures) { matches_ = std::move(captures); }

    // RFC 5229 §4: the modifiers (program.hpp SetModifier bits) in precedence order.
    static std::string apply_modifiers(unsigned modifiers, std::string value);

private:
    std::size_t max_variables_;
    std::size_t max_value_;
    std::size_t max_expansion_;
    std::map<std::string, std::string, std::less<>> values_;
    std::vector<std::string> matches_;
};

}  // namespace mr::sieve
