// PasswordChecker: bounds, per-client share, dropping checks of clients that have gone, and
// delivery on the loop thread. The verify function blocks on a Gate so a test decides when a
// worker is busy; every Gate is opened before the checker is stopped.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/net/password_checker.hpp"
#include "test_support.hpp"

using namespace mr;
using namespace mr::net;
using namespace mr::net::test;

namespace {

// Verify calls wait here until open(); started counts the checks that began hashing.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool is_open = false;
    std::atomic<int> started{0};

    void open() {
        {
            std::lock_guard lock(m);
            is_open = true;
        }
        cv.notify_all();
    }
    void pass() {
        ++started;
        std::unique_lock lock(m);
        cv.wait(lock, [this] { return is_open; });
    }
    // Spins the test thread until n checks have begun hashing (deadline 5 s).
    bool wait_started(int n) {
        for (int i = 0; i < 500 && started.load() < n; ++i) std::this_thread::sleep_for(10ms);
        return started.load() >= n;
    }
};

PasswordChecker::Verify gated(Gate& gate) {
    return [&gate](const std::string& user, const std::string& password) -> Result<bool> {
        gate.pass();
        return user == "alice" && password == "secret";
    };
}

}  // namespace

TEST_CASE("password checker: verdicts come back on the submitting loop's thread") {
    Loop loop;
    Gate gate;
    gate.open();
    PasswordChecker checker({.threads = 2, .max_queued = 8, .max_per_client = 2}, gated(gate));
    auto token = std::make_shared<int>(0);
    std::vector<bool> verdicts;
    std::thread::id delivered_on;
    auto done = [&](Result<bool> v) {
        verdicts.push_back(v.ok() && v.value());
        delivered_on = std::this_thread::get_id();
    };
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "secret", done));
    CHECK(run_until(loop, [&] { return verdicts.size() == 1; }));
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "wrong", done));
    CHECK(run_until(loop, [&] { return verdicts.size() == 2; }));
    CHECK(verdicts == std::vector<bool>{true, false});
    CHECK(delivered_on == std::this_thread::get_id());
    CHECK(checker.in_flight("192.0.2.1") == 0);
}

TEST_CASE("password checker: a full queue refuses at once, without hashing") {
    Loop loop;
    Gate gate;
    PasswordChecker checker({.threads = 1, .max_queued = 2, .max_per_client = 100}, gated(gate));
    auto token = std::make_shared<int>(0);
    int answered = 0;
    auto done = [&](Result<bool>) { ++answered; };
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "secret", done));
    CHECK(gate.wait_started(1));  // the only worker is busy
    CHECK(checker.submit(loop, token, "192.0.2.2", "alice", "secret", done));
    CHECK(checker.submit(loop, token, "192.0.2.3", "alice", "secret", done));
    CHECK(checker.queued() == 2);
    CHECK_FALSE(checker.submit(loop, token, "192.0.2.4", "alice", "secret", done));
    CHECK(checker.in_flight("192.0.2.4") == 0);
    gate.open();
    CHECK(run_until(loop, [&] { return answered == 3; }));
    CHECK(gate.started.load() == 3);  // the refused one never reached verify
    // Room again once the queue has drained.
    CHECK(checker.submit(loop, token, "192.0.2.4", "alice", "secret", done));
    CHECK(run_until(loop, [&] { return answered == 4; }));
}

TEST_CASE("password checker: one client address gets at most max_per_client checks") {
    Loop loop;
    Gate gate;
    PasswordChecker checker({.threads = 1, .max_queued = 64, .max_per_client = 2}, gated(gate));
    auto token = std::make_shared<int>(0);
    int answered = 0;
    auto done = [&](Result<bool>) { ++answered; };
    CHECK(checker.submit(loop, token, "198.51.100.7", "alice", "x", done));
    CHECK(gate.wait_started(1));
    CHECK(checker.submit(loop, token, "198.51.100.7", "alice", "x", done));  // waiting
    CHECK(checker.in_flight("198.51.100.7") == 2);
    CHECK_FALSE(checker.submit(loop, token, "198.51.100.7", "alice", "x", done));
    // Another address is not held back by the first one's share.
    CHECK(checker.submit(loop, token, "198.51.100.8", "alice", "secret", done));
    gate.open();
    CHECK(run_until(loop, [&] { return answered == 3; }));
    CHECK(checker.in_flight("198.51.100.7") == 0);
    CHECK(checker.in_flight("198.51.100.8") == 0);
}

TEST_CASE("password checker: a check whose client has gone is dropped before hashing") {
    Loop loop;
    Gate gate;
    PasswordChecker checker({.threads = 1, .max_queued = 8, .max_per_client = 4}, gated(gate));
    auto busy_token = std::make_shared<int>(0);
    auto gone_token = std::make_shared<int>(0);
    int answered = 0, gone_answered = 0;
    CHECK(checker.submit(loop, busy_token, "192.0.2.1", "alice", "secret", [&](Result<bool>) { ++answered; }));
    CHECK(gate.wait_started(1));
    CHECK(checker.submit(loop, gone_token, "192.0.2.9", "alice", "secret", [&](Result<bool>) { ++gone_answered; }));
    gone_token.reset();  // the client hung up while its check waited
    gate.open();
    CHECK(run_until(loop, [&] { return answered == 1 && checker.dropped() == 1; }));
    run_until(loop, [] { return false; }, 50ms);
    CHECK(gone_answered == 0);
    CHECK(gate.started.load() == 1);  // only the first check was hashed
    CHECK(checker.in_flight("192.0.2.9") == 0);
}

TEST_CASE("password checker: an answer for a client that left while hashing is not delivered") {
    Loop loop;
    Gate gate;
    PasswordChecker checker({.threads = 1, .max_queued = 8, .max_per_client = 4}, gated(gate));
    auto token = std::make_shared<int>(0);
    bool answered = false;
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "secret", [&](Result<bool>) { answered = true; }));
    CHECK(gate.wait_started(1));
    token.reset();
    gate.open();
    CHECK(run_until(loop, [&] { return checker.in_flight("192.0.2.1") == 0; }));
    run_until(loop, [] { return false; }, 50ms);
    CHECK_FALSE(answered);
}

TEST_CASE("password checker: stop discards waiting checks and refuses new ones") {
    Loop loop;
    Gate gate;
    PasswordChecker checker({.threads = 1, .max_queued = 8, .max_per_client = 4}, gated(gate));
    auto token = std::make_shared<int>(0);
    int answered = 0;
    auto done = [&](Result<bool>) { ++answered; };
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "secret", done));
    CHECK(gate.wait_started(1));
    CHECK(checker.submit(loop, token, "192.0.2.1", "alice", "secret", done));
    std::thread opener([&] {
        std::this_thread::sleep_for(20ms);
        gate.open();
    });
    checker.stop();  // waits for the running check, discards the waiting one
    opener.join();
    CHECK(gate.started.load() == 1);
    CHECK_FALSE(checker.submit(loop, token, "192.0.2.2", "alice", "secret", done));
    CHECK(run_until(loop, [&] { return answered == 1; }));  // the one that ran still answers
    CHECK(checker.in_flight("192.0.2.1") == 0);
}

TEST_CASE("password checker: workers serve client addresses in turn, not in arrival order") {
    Loop loop;
    Gate gate;
    std::mutex order_mutex;
    std::vector<std::string> order;
    PasswordChecker checker({.threads = 1, .max_queued = 64, .max_per_client = 64},
                            [&](const std::string& user, const std::string&) -> Result<bool> {
                                gate.pass();
                                std::lock_guard lock(order_mutex);
                                order.push_back(user);
                                return false;
                            });
    auto token = std::make_shared<int>(0);
    int answered = 0;
    auto done = [&](Result<bool>) { ++answered; };
    // A flood from one address is queued first, then one login from another address.
    CHECK(checker.submit(loop, token, "203.0.113.9", "flood0", "x", done));
    CHECK(gate.wait_started(1));
    for (int i = 1; i <= 5; ++i) CHECK(checker.submit(loop, token, "203.0.113.9", "flood" + std::to_string(i), "x", done));
    CHECK(checker.submit(loop, token, "192.0.2.50", "real", "x", done));
    gate.open();
    CHECK(run_until(loop, [&] { return answered == 7; }));
    std::lock_guard lock(order_mutex);
    REQUIRE(order.size() == 7);
    // The running check and at most one more of the flood before it.
    const auto real = std::find(order.begin(), order.end(), "real") - order.begin();
    CHECK(real <= 2);
    // The flood's own checks keep their order.
    std::vector<std::string> flood;
    for (const auto& u : order) {
        if (u != "real") flood.push_back(u);
    }
    CHECK(flood == std::vector<std::string>{"flood0", "flood1", "flood2", "flood3", "flood4", "flood5"});
}
