// A real queue and directory in a temp dir for the planner's tests: the domains given,
// the user bob@example.test and the given aliases (source, target).
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>

#include "deliverd/queue_work.hpp"
#include "tests/unit/storage/temp_dir.hpp"

namespace mr::deliverd::test {

inline std::shared_ptr<Stores> make_stores(const storage::test::TempDir& dir,
                                           std::initializer_list<std::string_view> domains,
                                           std::initializer_list<std::pair<std::string_view, std::string_view>> aliases) {
    auto q = storage::Queue::open(dir.path());
    auto d = storage::Directory::open(dir / "directory.db");
    REQUIRE(q.ok());
    REQUIRE(d.ok());
    for (auto domain : domains) REQUIRE(d->add_domain(domain).ok());
    REQUIRE(d->add_user("bob@example.test", "pw-bob-123456", 0).ok());
    for (const auto& [source, target] : aliases) REQUIRE(d->add_alias(source, target).ok());
    return std::make_shared<Stores>(std::move(*q), std::move(*d), dir.path());
}

}  // namespace mr::deliverd::test
