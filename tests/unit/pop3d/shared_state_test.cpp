// SharedState is used by the sessions of every pop3d event loop at once: the maildrop lock
// must have exactly one winner when threads race for it.
#include "pop3d/server/shared_state.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "pop3d/server/event_loops.hpp"

using mr::pop3d::server::SharedState;

TEST_CASE("maildrop lock: one holder per user, released by unlock") {
    SharedState s;
    CHECK(s.lock("alice@example.test"));
    CHECK_FALSE(s.lock("alice@example.test"));  // [IN-USE]
    CHECK(s.lock("bob@example.test"));           // another maildrop is independent
    s.unlock("alice@example.test");
    CHECK_FALSE(s.is_locked("alice@example.test"));
    CHECK(s.lock("alice@example.test"));
}

TEST_CASE("maildrop lock: threads racing for one user, exactly one wins each round") {
    SharedState s;
    constexpr int kThreads = 8;
    constexpr int kRounds = 200;
    for (int round = 0; round < kRounds; ++round) {
        const std::string user = "user" + std::to_string(round) + "@example.test";
        std::atomic<int> winners{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                while (!go.load()) std::this_thread::yield();
                if (s.lock(user)) winners.fetch_add(1);
            });
        }
        go = true;
        for (auto& t : threads) t.join();
        REQUIRE(winners.load() == 1);
        CHECK(s.is_locked(user));
    }
}

TEST_CASE("maildrop lock: lock/unlock from many threads leaves nothing held") {
    SharedState s;
    std::vector<std::thread> threads;
    std::atomic<int> held{0};
    std::atomic<int> overlap{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5000; ++i) {
                if (!s.lock("shared@example.test")) continue;
                if (held.fetch_add(1) != 0) overlap.fetch_add(1);  // two holders at once
                held.fetch_sub(1);
                s.unlock("shared@example.test");
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(overlap.load() == 0);
    CHECK_FALSE(s.is_locked("shared@example.test"));
}

TEST_CASE("loop count: configured, or one per CPU up to the cap") {
    using mr::pop3d::server::kMaxDefaultLoops;
    using mr::pop3d::server::loop_count;
    CHECK(loop_count(3) == 3);
    CHECK(loop_count(1) == 1);
    const unsigned automatic = loop_count(0);
    CHECK(automatic >= 1);
    CHECK(automatic <= kMaxDefaultLoops);
    const unsigned cpus = std::thread::hardware_concurrency();
    if (cpus >= 1 && cpus <= kMaxDefaultLoops) CHECK(automatic == cpus);
}
