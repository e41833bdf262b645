// RFC 6609 include at upload: the :personal scripts a program includes, so a store can
// refuse a script that would close an include loop before any message meets it (the
// interpreter also ends loops at run time: interpreter.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/sieve/program.hpp"
#include "common/util/result.hpp"

namespace mr::sieve {

inline constexpr std::size_t kMaxIncludeDepth = 8;  // nested includes, at upload and at run time

// The names of every `include :personal` in the program, in order, each once.
std::vector<std::string> personal_includes(const Program& program);

// Follows the personal includes of `program`, stored under `name`, through `load` (the
// stored script of a name, nullopt when there is none: an include a later upload may
// satisfy). A Refused error names the loop ("a -> b -> a") or a chain deeper than
// `max_depth`.
Result<void> check_include_graph(const std::string& name, const Program& program,
                                 const std::function<std::optional<Program>(const std::string&)>& load,
                                 std::size_t max_depth);

}  // namespace mr::sieve
