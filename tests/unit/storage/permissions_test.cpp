#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "storage/permissions.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
    struct stat st{};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

void touch(const fs::path& p, mode_t mode) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    REQUIRE(fd >= 0);
    ::close(fd);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
}

Ownership me() { return {::geteuid(), ::getegid()}; }

bool mentions(const std::vector<PermissionProblem>& problems, const fs::path& p) {
    return std::any_of(problems.begin(), problems.end(), [&](const auto& x) { return x.path == p; });
}

}  // namespace

TEST_CASE("permissions: a tree of 0750 directories and 0640/0600 files has no problem") {
    TempDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 0750) == 0);
    fs::create_directory(dir / "mail");
    REQUIRE(::chmod((dir / "mail").c_str(), 0700) == 0);
    touch(dir / "mail" / "a", 0600);
    touch(dir / "b", 0640);
    fs::create_symlink("/etc/passwd", dir / "link");  // judged by owner only, never followed
    auto problems = audit_tree(dir.path(), me(), false);
    REQUIRE(problems.ok());
    CHECK(problems->empty());
}

TEST_CASE("permissions: reports each widened path once and repairs by removing bits only") {
    TempDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 0700) == 0);
    fs::create_directories(dir / "mail" / "cur");
    REQUIRE(::chmod((dir / "mail").c_str(), 0755) == 0);
    REQUIRE(::chmod((dir / "mail" / "cur").c_str(), 0770) == 0);
    touch(dir / "mail" / "cur" / "msg", 0644);
    touch(dir / "index.sqlite", 0666);
    touch(dir / "script", 0750);
    touch(dir / "fine", 0600);

    auto found = audit_tree(dir.path(), me(), false);
    REQUIRE(found.ok());
    CHECK(found->size() == 5);
    for (const auto& p : *found) CHECK_FALSE(p.repaired);
    CHECK(mentions(*found, dir / "mail"));
    CHECK(mentions(*found, dir / "index.sqlite"));
    CHECK_FALSE(mentions(*found, dir / "fine"));
    const auto db = std::find_if(found->begin(), found->end(), [&](auto& p) { return p.path == dir / "index.sqlite"; });
    CHECK(db->what == "mode 0666, want 0640");
    CHECK(mode_of(dir / "mail") == 0755);  // an audit alone changes nothing

    auto repaired = audit_tree(dir.path(), me(), true);
    REQUIRE(repaired.ok());
    CHECK(repaired->size() == 5);
    for (const auto& p : *repaired) CHECK(p.repaired);
    CHECK(mode_of(dir / "mail") == 0750);
    CHECK(mode_of(dir / "mail" / "cur") == 0750);
    CHECK(mode_of(dir / "mail" / "cur" / "msg") == 0640);
    CHECK(mode_of(dir / "index.sqlite") == 0640);
    CHECK(mode_of(dir / "script") == 0640);
    CHECK(mode_of(dir / "fine") == 0600);

    auto again = audit_tree(dir.path(), me(), false);
    REQUIRE(again.ok());
    CHECK(again->empty());
}

TEST_CASE("permissions: a wrong owner is reported and, as root, repaired") {
    if (::geteuid() != 0) return;  // chown to another account needs root
    TempDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 0750) == 0);
    touch(dir / "queue.db", 0600);
    const Ownership other{65534, 65534};  // nobody:nogroup
    auto found = audit_tree(dir.path(), other, false);
    REQUIRE(found.ok());
    CHECK(found->size() == 2);  // the root too
    CHECK(found->back().what.find("owner ") == 0);
    auto repaired = audit_tree(dir.path(), other, true);
    REQUIRE(repaired.ok());
    struct stat st{};
    REQUIRE(::stat((dir / "queue.db").c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
    CHECK(st.st_gid == 65534);
    CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("permissions: a missing root is an error") {
    TempDir dir;
    CHECK_FALSE(audit_tree(dir / "absent", me(), false).ok());
}
