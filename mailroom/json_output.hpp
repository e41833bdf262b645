// JSON for `--json` list output, rendered by toml++'s JSON formatter rather than by hand.
#pragma once

#include <iostream>

#include <toml++/toml.h>

namespace mr::cli {

inline void print_json(const toml::array& rows) {
    std::cout << toml::json_formatter{rows} << "\n";
}

}  // namespace mr::cli
