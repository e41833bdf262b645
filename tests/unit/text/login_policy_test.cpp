// The failed-login policy: decay, delay doubling and cap, refusal of an address only.
#include "common/text/login_policy.hpp"

#include <doctest/doctest.h>

using namespace mr::text;
using namespace std::chrono_literals;

namespace {

LoginPolicy policy() {
    LoginPolicy p;
    p.failure_delay = 100ms;
    p.max_delay_factor = 16;
    p.window = 900s;
    p.max_failures_per_address = 5;
    p.refusal_period = 300s;
    return p;
}

constexpr std::int64_t kNow = 1'700'000'000'000;

}  // namespace

TEST_CASE("failures count while they come within the window, then start over") {
    const auto p = policy();
    FailureRecord r;
    CHECK(recent_failures(p, r, kNow) == 0);
    r = add_failure(p, r, kNow);
    r = add_failure(p, r, kNow + 1000);
    CHECK(r.failures == 2);
    CHECK(r.last_ms == kNow + 1000);
    CHECK(recent_failures(p, r, kNow + 1000 + 900'000) == 2);
    CHECK(recent_failures(p, r, kNow + 1000 + 900'001) == 0);
    r = add_failure(p, r, kNow + 1000 + 900'001);
    CHECK(r.failures == 1);
}

TEST_CASE("the delay doubles per recent failure of the address, capped") {
    const auto p = policy();
    LoginHistory h;
    CHECK(failure_delay(p, h, kNow) == 100ms);  // never less than the base
    h.address = {1, kNow};
    CHECK(failure_delay(p, h, kNow) == 100ms);
    h.address = {2, kNow};
    CHECK(failure_delay(p, h, kNow) == 200ms);
    h.address = {4, kNow};
    CHECK(failure_delay(p, h, kNow) == 800ms);
    h.address = {5, kNow};
    CHECK(failure_delay(p, h, kNow) == 1600ms);
    h.address = {6, kNow};
    CHECK(failure_delay(p, h, kNow) == 1600ms);  // 16 x base
    h.address = {4'000'000'000u, kNow};
    CHECK(failure_delay(p, h, kNow) == 1600ms);
    // Old failures no longer count.
    h.address = {5, kNow - 901'000};
    CHECK(failure_delay(p, h, kNow) == 100ms);
}

TEST_CASE("failures against one account from many addresses raise its delay") {
    const auto p = policy();
    LoginHistory h;
    h.address = {1, kNow};
    h.account = {3, kNow};
    CHECK(failure_delay(p, h, kNow) == 400ms);
    h.account = {50, kNow};
    CHECK(failure_delay(p, h, kNow) == 1600ms);
}

TEST_CASE("an address is refused after max_failures_per_address, for refusal_period") {
    const auto p = policy();
    LoginHistory h;
    h.address = {4, kNow};
    CHECK_FALSE(login_refused(p, h, kNow));
    h.address = {5, kNow};
    CHECK(login_refused(p, h, kNow));
    CHECK(login_refused(p, h, kNow + 299'999));
    CHECK_FALSE(login_refused(p, h, kNow + 300'000));
}

TEST_CASE("an account is never refused, however many failures it had") {
    const auto p = policy();
    LoginHistory h;
    h.account = {1000, kNow};
    CHECK_FALSE(login_refused(p, h, kNow));
}

TEST_CASE("the refusal ends with the window when the window is the shorter") {
    auto p = policy();
    p.window = 60s;
    LoginHistory h;
    h.address = {5, kNow};
    CHECK(login_refused(p, h, kNow + 60'000));
    CHECK_FALSE(login_refused(p, h, kNow + 60'001));
}

TEST_CASE("max_failures_per_address 0 never refuses") {
    auto p = policy();
    p.max_failures_per_address = 0;
    LoginHistory h;
    h.address = {100, kNow};
    CHECK_FALSE(login_refused(p, h, kNow));
}

TEST_CASE("a failure count saturates instead of wrapping") {
    const auto p = policy();
    FailureRecord r{~0u, kNow};
    r = add_failure(p, r, kNow);
    CHECK(r.failures == ~0u);
}
