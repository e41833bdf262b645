// QuotaReader (imapd/server/quota_reader.hpp): a quota changed in directory.db by another
// connection (the CLI) is seen by the next lookup on the reader's kept connection.
#include <doctest/doctest.h>

#include "imapd/server/quota_reader.hpp"
#include "storage/directory.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::imapd::server::QuotaReader;
using mr::storage::test::TempDir;

TEST_CASE("QuotaReader reads the quota as the directory holds it at each lookup") {
    TempDir dir;
    const auto db = dir / "directory.db";
    auto admin = mr::storage::Directory::open(db);
    REQUIRE(admin.ok());
    REQUIRE(admin->add_domain("example.test").ok());
    REQUIRE(admin->add_user("alice@example.test", "pw", 1024).ok());

    QuotaReader reader(db);
    CHECK(reader.quota_bytes("alice@example.test").value() == 1024);
    CHECK(reader.quota_bytes("Alice@Example.TEST").value() == 1024);  // same user
    REQUIRE(admin->set_quota("alice@example.test", 0).ok());
    CHECK(reader.quota_bytes("alice@example.test").value() == 0);
    REQUIRE(admin->set_quota("alice@example.test", 5 * 1024 * 1024).ok());
    CHECK(reader.quota_bytes("alice@example.test").value() == 5 * 1024 * 1024);
    // Removed from the directory: no quota, not an error.
    REQUIRE(admin->remove_user("alice@example.test").ok());
    CHECK(reader.quota_bytes("alice@example.test").value() == 0);
}
