// UserStores and UserStoresRegistry (imapd/server/user_stores.hpp): stores are reused,
// never across a recreated index, and a user's pool outlives its last session by kLinger.
#include <doctest/doctest.h>

#include <filesystem>

#include "imapd/server/user_stores.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::imapd::server::UserStores;
using mr::imapd::server::UserStoresRegistry;
using mr::storage::test::TempDir;

TEST_CASE("UserStores lends an idle store again, but not one of an index that was replaced") {
    TempDir dir;
    const auto user = dir / "alice";
    UserStores pool(user);
    mr::storage::MailboxStore* first = nullptr;
    {
        auto loan = pool.borrow();
        REQUIRE(loan.ok());
        first = &***loan;
        REQUIRE((***loan).append("INBOX", "Subject: old\r\n\r\nx\r\n").ok());
    }
    {
        auto loan = pool.borrow();
        REQUIRE(loan.ok());
        CHECK(&***loan == first);  // the same connection, not a new one
    }
    // The user is removed and added again: a new index at the same path.
    std::filesystem::remove_all(user);
    {
        auto fresh = mr::storage::MailboxStore::open(user);
        REQUIRE(fresh.ok());
    }
    auto loan = pool.borrow();
    REQUIRE(loan.ok());
    auto status = (***loan).status("INBOX");
    REQUIRE(status.ok());
    CHECK(status->messages == 0);  // the new index, not the old connection's
}

TEST_CASE("UserStoresRegistry: one pool per user, kept for kLinger after the last session") {
    TempDir dir;
    UserStoresRegistry registry;
    const auto t0 = UserStoresRegistry::Clock::time_point{} + std::chrono::hours(1);
    auto a = registry.get(dir / "a", t0);
    CHECK(registry.get(dir / "a", t0) == a);
    UserStores* kept = a.get();
    registry.keep(std::move(a), t0);  // a's last session ended
    CHECK(registry.lingering() == 1);
    CHECK(registry.get(dir / "a", t0 + UserStoresRegistry::kLinger / 2).get() == kept);
    registry.keep(registry.get(dir / "a", t0), t0);  // kept again: one entry per pool
    CHECK(registry.lingering() == 1);
    // Past kLinger the pool is let go; the next session gets a new one.
    auto later = registry.get(dir / "b", t0 + UserStoresRegistry::kLinger + std::chrono::seconds(1));
    CHECK(registry.lingering() == 0);
    // At most kLingering pools are kept, the oldest go first.
    for (std::size_t i = 0; i < UserStoresRegistry::kLingering + 3; ++i)
        registry.keep(registry.get(dir / ("u" + std::to_string(i)), t0), t0);
    CHECK(registry.lingering() == UserStoresRegistry::kLingering);
}
