// storage/mailbox_usage.hpp: the bytes a user's mailboxes hold, read without opening the
// store; UsageReader keeps its index connections, never across a replaced index.
#include "storage/mailbox_usage.hpp"

#include <doctest/doctest.h>

#include <filesystem>

#include "storage/mailbox_store.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::storage::UsageReader;
using mr::storage::test::TempDir;

TEST_CASE("UsageReader: the store's total, one open per user, a new index read afresh") {
    TempDir dir;
    const auto user = dir / "erin";
    UsageReader reader(2);
    auto none = reader.stored_bytes(user);  // never delivered to: 0, and nothing created
    REQUIRE(none.ok());
    CHECK(*none == 0);
    CHECK_FALSE(std::filesystem::exists(user));
    CHECK(reader.opens() == 0);

    const std::string one = "Subject: one\r\n\r\nhello\r\n";
    {
        auto store = mr::storage::MailboxStore::open(user);
        REQUIRE(store.ok());
        REQUIRE(store->append("INBOX", one).ok());
    }
    auto used = reader.stored_bytes(user);
    REQUIRE(used.ok());
    CHECK(*used == static_cast<std::int64_t>(one.size()));
    CHECK(*used == *mr::storage::stored_bytes(user));
    {
        auto store = mr::storage::MailboxStore::open(user);
        REQUIRE(store.ok());
        REQUIRE(store->append("Sent", one).ok());
        CHECK(*store->total_size() == 2 * static_cast<std::int64_t>(one.size()));
    }
    used = reader.stored_bytes(user);
    REQUIRE(used.ok());
    CHECK(*used == 2 * static_cast<std::int64_t>(one.size()));  // a kept connection sees the commit
    CHECK(reader.opens() == 1);

    // The user is removed and added again: the new, empty index is read.
    std::filesystem::remove_all(user);
    REQUIRE(mr::storage::MailboxStore::open(user).ok());
    used = reader.stored_bytes(user);
    REQUIRE(used.ok());
    CHECK(*used == 0);
    CHECK(reader.opens() == 2);

    // At most max_open connections: a third user pushes the least recently used out.
    for (const char* name : {"f", "g"}) REQUIRE(mr::storage::MailboxStore::open(dir / name).ok());
    REQUIRE(reader.stored_bytes(dir / "f").ok());
    REQUIRE(reader.stored_bytes(dir / "g").ok());  // erin's connection closed
    REQUIRE(reader.stored_bytes(user).ok());
    CHECK(reader.opens() == 5);
}
