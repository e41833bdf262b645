#include <doctest/doctest.h>

#include <sys/stat.h>

#include "storage/atomic_file.hpp"
#include "storage/permissions.hpp"
#include "storage/srs_key.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;

TEST_CASE("srs.key: created once, 0600, 32 bytes, then read back unchanged") {
    TempDir dir;
    auto first = load_or_create_srs_key(dir.path());
    REQUIRE(first);
    CHECK(first->size() == 32);
    struct stat st {};
    REQUIRE(::stat((dir.path() / "srs.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    auto again = load_or_create_srs_key(dir.path());
    REQUIRE(again);
    CHECK(*again == *first);
    // The data dir audit is content with it (owner: whoever ran the test).
    auto problems = audit_tree(dir.path() / "srs.key", {::getuid(), ::getgid()}, false);
    REQUIRE(problems);
    CHECK(problems->empty());
}

TEST_CASE("srs.key of the wrong size is an error and is left alone") {
    TempDir dir;
    REQUIRE(write_file_atomically(dir.path(), "srs.key", "short"));
    auto key = load_or_create_srs_key(dir.path());
    REQUIRE_FALSE(key);
    CHECK(key.error().kind == mr::ErrorKind::Internal);
    auto still = read_file(dir.path() / "srs.key");
    REQUIRE(still);
    CHECK(*still == "short");
}
