#include <doctest/doctest.h>

#include <optional>

#include "storage/instance_lock.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

TEST_CASE("instance lock: one holder at a time, free again once the holder is gone") {
    TempDir dir;
    std::optional<InstanceLock> first;
    {
        auto got = InstanceLock::acquire(dir.path(), "deliverd");
        REQUIRE(got.ok());
        first.emplace(std::move(*got));
    }
    CHECK(std::filesystem::exists(dir.path() / "run" / "deliverd.lock"));
    auto second = InstanceLock::acquire(dir.path(), "deliverd");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == mr::ErrorKind::Refused);
    CHECK(InstanceLock::acquire(dir.path(), "smtpd").ok());  // another daemon's lock

    first.reset();  // what the kernel does when the holder dies
    CHECK(InstanceLock::acquire(dir.path(), "deliverd").ok());
}
