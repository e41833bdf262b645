#include <doctest/doctest.h>

#include <sys/stat.h>

#include <array>

#include "storage/atomic_file.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

TEST_CASE("atomic_file: writes the bytes under the final name, leaves no temporary") {
    TempDir dir;
    const std::string bytes("line\r\n\0binary", 13);
    REQUIRE(write_file_atomically(dir.path(), "msg", bytes).ok());
    auto back = read_file(dir / "msg");
    REQUIRE(back.ok());
    CHECK(*back == bytes);
    CHECK(entries(dir.path()) == 1);
}

TEST_CASE("atomic_file: never replaces an existing file") {
    TempDir dir;
    REQUIRE(write_file_atomically(dir.path(), "msg", "first").ok());
    CHECK_FALSE(write_file_atomically(dir.path(), "msg", "second").ok());
    CHECK(*read_file(dir / "msg") == "first");
    CHECK(entries(dir.path()) == 1);  // the failed attempt's temporary is gone
}

TEST_CASE("atomic_file: tmp_dir and mtime options") {
    TempDir dir;
    fs::create_directories(dir / "tmp");
    fs::create_directories(dir / "new");
    AtomicWriteOptions options;
    options.tmp_dir = dir / "tmp";
    options.mtime = 1000000000;
    REQUIRE(write_file_atomically(dir / "new", "m1", "hello", options).ok());
    CHECK(entries(dir / "tmp") == 0);
    struct stat st {};
    REQUIRE(::stat((dir / "new" / "m1").c_str(), &st) == 0);
    CHECK(st.st_mtime == 1000000000);
}

TEST_CASE("atomic_file: batch writes every file and rejects bad names") {
    TempDir dir;
    const std::array<PendingFile, 3> files = {PendingFile{"a", "1", std::nullopt},
                                              PendingFile{"b", "22", std::nullopt},
                                              PendingFile{"c", "", std::nullopt}};
    REQUIRE(write_files_atomically(dir.path(), files).ok());
    CHECK(*read_file(dir / "b") == "22");
    CHECK(*read_file(dir / "c") == "");
    CHECK(entries(dir.path()) == 3);
    CHECK_FALSE(write_file_atomically(dir.path(), "../escape", "x").ok());
    CHECK_FALSE(write_file_atomically(dir.path(), "", "x").ok());
    auto missing = read_file(dir / "nope");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == mr::ErrorKind::Refused);
}
