// Sieve scripts to syntax trees (RFC 5228 §8.2, rfc5228.txt:1980), with hard limits so
// that no upload can make the parser, or anything walking its tree, run out of stack,
// memory or time.
//
// Invariants:
//  - Recursive descent whose depth is bounded by max_depth (blocks and nested tests
//    together): 10,000 nested "anyof(" are refused at depth max_depth + 1, not by a crash.
//  - Every error message starts "line L, column C: ", the place of the offending token.
//  - Nothing here knows what a command means; "if" and "fileinto" are names like any other.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/sieve/ast.hpp"
#include "common/util/result.hpp"

namespace mr::sieve {

struct ParseLimits {
    std::size_t max_script_bytes = 1 << 20;
    int max_depth = 32;                        // nested blocks and tests
    std::size_t max_string_bytes = 64 * 1024;  // one string literal
    std::size_t max_nodes = 10000;             // commands, tests and arguments in all
    std::size_t max_list_items = 1024;         // strings in one string list
};

Result<ast::Script> parse(std::string_view script, const ParseLimits& limits = {});

}  // namespace mr::sieve
