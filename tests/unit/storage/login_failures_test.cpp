// LoginFailures: counting per address and per account, decay, bounded size keeping the
// newest, sharing between two handles (two daemons), IPv6 /64 keys.
#include "storage/login_failures.hpp"

#include <doctest/doctest.h>

#include <string>

#include "common/net/connection_limits.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using mr::storage::LoginFailures;
using mr::storage::test::TempDir;
using mr::text::LoginPolicy;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

LoginPolicy policy() {
    LoginPolicy p;
    p.window = 900s;
    return p;
}

}  // namespace

TEST_CASE("failures count per address and per account") {
    TempDir dir;
    auto t = LoginFailures::open(dir.path());
    REQUIRE(t);
    auto h = t->lookup("192.0.2.1", "bob@example.org");
    REQUIRE(h);
    CHECK(h->address.failures == 0);
    CHECK(h->account.failures == 0);

    REQUIRE(t->record("192.0.2.1", "bob@example.org", policy(), kNow));
    REQUIRE(t->record("192.0.2.1", "alice@example.org", policy(), kNow + 1));
    auto r = t->record("192.0.2.2", "BOB@Example.org", policy(), kNow + 2);  // account is lower-cased
    REQUIRE(r);
    CHECK(r->address.failures == 1);
    CHECK(r->account.failures == 2);
    CHECK(r->account.last_ms == kNow + 2);

    h = t->lookup("192.0.2.1", "Bob@example.org");
    REQUIRE(h);
    CHECK(h->address.failures == 2);
    CHECK(h->account.failures == 2);
    CHECK(h->address.last_ms == kNow + 1);
}

TEST_CASE("two handles on one file see each other's failures (two daemons)") {
    TempDir dir;
    auto a = LoginFailures::open(dir.path());
    auto b = LoginFailures::open(dir.path());
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->record("192.0.2.1", "bob@example.org", policy(), kNow));
    REQUIRE(b->record("192.0.2.1", "bob@example.org", policy(), kNow + 1));
    auto h = a->lookup("192.0.2.1", "bob@example.org");
    REQUIRE(h);
    CHECK(h->address.failures == 2);
    CHECK(h->account.failures == 2);
}

TEST_CASE("a failure after a quiet window starts the count over") {
    TempDir dir;
    auto t = LoginFailures::open(dir.path());
    REQUIRE(t);
    for (int i = 0; i < 3; ++i) REQUIRE(t->record("192.0.2.1", "bob", policy(), kNow + i));
    auto r = t->record("192.0.2.1", "bob", policy(), kNow + 2 + 900'001);
    REQUIRE(r);
    CHECK(r->address.failures == 1);
    CHECK(r->account.failures == 1);
}

TEST_CASE("the table is bounded and keeps the newest entries") {
    TempDir dir;
    auto t = LoginFailures::open(dir.path(), 10);
    REQUIRE(t);
    // Each failure writes two rows (address, account): 20 failures, 40 distinct keys.
    for (int i = 0; i < 20; ++i) {
        REQUIRE(t->record("10.0.0." + std::to_string(i), "user" + std::to_string(i), policy(), kNow + i));
        CHECK(t->size() <= 10);
    }
    CHECK(t->size() == 10);
    for (int i = 0; i < 15; ++i) {
        auto h = t->lookup("10.0.0." + std::to_string(i), "user" + std::to_string(i));
        REQUIRE(h);
        CHECK(h->address.failures == 0);
    }
    for (int i = 15; i < 20; ++i) {
        auto h = t->lookup("10.0.0." + std::to_string(i), "user" + std::to_string(i));
        REQUIRE(h);
        CHECK(h->address.failures == 1);
        CHECK(h->account.failures == 1);
    }
}

TEST_CASE("an attacker flooding new keys evicts stale entries, not a recent one") {
    TempDir dir;
    auto t = LoginFailures::open(dir.path(), 10);
    REQUIRE(t);
    for (int i = 0; i < 4; ++i) REQUIRE(t->record("192.0.2.66", "victim", policy(), kNow + i));
    for (int i = 0; i < 3; ++i) {
        REQUIRE(t->record("10.0.0." + std::to_string(i), "x" + std::to_string(i), policy(), kNow + 10 + i));
    }
    REQUIRE(t->record("192.0.2.66", "victim", policy(), kNow + 20));  // the newest again
    for (int i = 3; i < 7; ++i) {
        REQUIRE(t->record("10.0.0." + std::to_string(i), "x" + std::to_string(i), policy(), kNow + 30 + i));
    }
    auto h = t->lookup("192.0.2.66", "victim");
    REQUIRE(h);
    CHECK(h->address.failures == 5);
    CHECK(h->account.failures == 5);
    CHECK(t->size() == 10);
}

TEST_CASE("IPv6 addresses of one /64 share a key; IPv4 addresses do not") {
    using mr::net::ConnectionLimits;
    TempDir dir;
    auto t = LoginFailures::open(dir.path());
    REQUIRE(t);
    REQUIRE(t->record(ConnectionLimits::key_for("2001:db8:1:2::1"), "bob", policy(), kNow));
    REQUIRE(t->record(ConnectionLimits::key_for("2001:db8:1:2:ffff::9"), "bob", policy(), kNow + 1));
    REQUIRE(t->record(ConnectionLimits::key_for("2001:db8:1:3::1"), "bob", policy(), kNow + 2));
    REQUIRE(t->record(ConnectionLimits::key_for("192.0.2.1"), "bob", policy(), kNow + 3));
    auto h = t->lookup(ConnectionLimits::key_for("2001:db8:1:2:abcd::1"), "bob");
    REQUIRE(h);
    CHECK(h->address.failures == 2);
    CHECK(h->account.failures == 4);
    h = t->lookup(ConnectionLimits::key_for("2001:db8:1:3::77"), "bob");
    REQUIRE(h);
    CHECK(h->address.failures == 1);
    h = t->lookup(ConnectionLimits::key_for("192.0.2.2"), "bob");
    REQUIRE(h);
    CHECK(h->address.failures == 0);
}
