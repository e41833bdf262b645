// StorePool and StorePoolRegistry (storage/store_pool.hpp): stores are reused, never
// across a recreated index, dropped after an error, and a pool outlives its last user by
// `linger`.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "storage/store_pool.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::storage::StorePool;
using mr::storage::StorePoolRegistry;
using mr::storage::test::TempDir;

TEST_CASE("StorePool lends an idle store again, but not one of an index that was replaced") {
    TempDir dir;
    const auto user = dir / "alice";
    StorePool pool(user);
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
    CHECK(pool.opens() == 1);
    // The user is removed and added again: a new index at the same path.
    std::filesystem::remove_all(user);
    {
        auto fresh = mr::storage::MailboxStore::open(user);
        REQUIRE(fresh.ok());
    }
    auto loan = pool.borrow();
    REQUIRE(loan.ok());
    CHECK(pool.opens() == 2);
    auto status = (***loan).status("INBOX");
    REQUIRE(status.ok());
    CHECK(status->messages == 0);  // the new index, not the old connection's
}

TEST_CASE("StorePool: a discarded store is closed, and at most max_idle are kept") {
    TempDir dir;
    StorePool pool(dir / "bob", 1);
    {
        auto loan = pool.borrow();
        REQUIRE(loan.ok());
        (**loan).discard();  // after an error: do not lend this connection again
    }
    {
        auto loan = pool.borrow();
        REQUIRE(loan.ok());
    }
    CHECK(pool.opens() == 2);
    {
        auto a = pool.borrow();
        auto b = pool.borrow();  // a is busy: a second store
        REQUIRE(a.ok());
        REQUIRE(b.ok());
    }
    CHECK(pool.opens() == 3);
    auto again = pool.borrow();  // one of the two was kept
    REQUIRE(again.ok());
    CHECK(pool.opens() == 3);
}

TEST_CASE("StorePoolRegistry: one pool per user, kept for linger after the last user") {
    TempDir dir;
    std::vector<std::shared_ptr<StorePool>> released;
    StorePoolRegistry::Settings settings;
    settings.release = [&](std::shared_ptr<StorePool> p) { released.push_back(std::move(p)); };
    StorePoolRegistry registry(settings);
    const auto linger = registry.settings().linger;
    const auto t0 = StorePoolRegistry::Clock::time_point{} + std::chrono::hours(1);
    auto a = registry.get(dir / "a", t0);
    CHECK(registry.get(dir / "a", t0) == a);
    StorePool* kept = a.get();
    registry.keep(std::move(a), t0);  // a's last session ended
    CHECK(registry.lingering() == 1);
    CHECK(registry.get(dir / "a", t0 + linger / 2).get() == kept);
    registry.keep(registry.get(dir / "a", t0), t0);  // kept again: one entry per pool
    CHECK(registry.lingering() == 1);
    // Past linger the pool is let go, through release; the next user gets a new one.
    auto later = registry.get(dir / "b", t0 + linger + std::chrono::seconds(1));
    CHECK(registry.lingering() == 0);
    REQUIRE(released.size() == 1);
    CHECK(released[0].get() == kept);
    // At most max_lingering pools are kept, the least recently kept go first.
    const auto max = registry.settings().max_lingering;
    for (std::size_t i = 0; i < max + 3; ++i) registry.keep(registry.get(dir / ("u" + std::to_string(i)), t0), t0);
    CHECK(registry.lingering() == max);
    CHECK(released.size() == 4);
    CHECK(released.back()->dir() == dir / "u2");
}

TEST_CASE("StorePoolRegistry without a time limit keeps pools until the count bound") {
    TempDir dir;
    StorePoolRegistry registry({StorePoolRegistry::Clock::duration::max(), 2, 1, {}});
    const auto t0 = StorePoolRegistry::Clock::now();
    auto first = registry.get(dir / "a", t0);
    std::weak_ptr<StorePool> a = first;
    registry.keep(std::move(first), t0);
    auto second = registry.get(dir / "b", t0);
    std::weak_ptr<StorePool> b = second;
    registry.keep(std::move(second), t0 + std::chrono::hours(24 * 365));
    CHECK(registry.lingering() == 2);
    CHECK_FALSE(a.expired());  // a year later, still kept
    registry.keep(registry.get(dir / "a", t0), t0);  // used again: now the most recent
    registry.keep(registry.get(dir / "c", t0), t0);
    CHECK(registry.lingering() == 2);
    CHECK(b.expired());  // the least recently kept went first
    CHECK_FALSE(a.expired());
}
