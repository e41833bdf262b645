// tests/data/arc for the ARC tests: dkimpy's sealed messages and the zone of their keys.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/mailauth_fixtures.hpp"

namespace mr::test {

// zone.txt of tests/data/arc; names listed in `broken` time out.
struct ArcZone : FakeDns {
    ArcZone() {
        std::ifstream zone(std::string(MR_ARC_TEST_DATA) + "/zone.txt");
        REQUIRE(zone.good());
        for (std::string line; std::getline(zone, line);) {
            const auto tab = line.find('\t');
            if (tab != std::string::npos) txt[line.substr(0, tab)].push_back(line.substr(tab + 1));
        }
    }
};

inline std::string load_arc(const std::string& name) {
    std::ifstream in(std::string(MR_ARC_TEST_DATA) + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing " << name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace mr::test
