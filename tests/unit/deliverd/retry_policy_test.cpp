#include <doctest/doctest.h>

#include "deliverd/retry_policy.hpp"

using namespace mr::deliverd;

TEST_CASE("retry: back-off doubles from initial up to max") {
    RetrySchedule s{300, 3600, 5 * 86400, 4 * 3600};
    CHECK(retry_delay(s, 0) == 300);
    CHECK(retry_delay(s, 1) == 600);
    CHECK(retry_delay(s, 2) == 1200);
    CHECK(retry_delay(s, 3) == 2400);
    CHECK(retry_delay(s, 4) == 3600);  // capped
    CHECK(retry_delay(s, 1000000) == 3600);  // no overflow however many attempts
}

TEST_CASE("retry: expiry and the next attempt never past it") {
    RetrySchedule s{300, 3600, 1000, 500};
    CHECK_FALSE(expired(s, 100, 1099));
    CHECK(expired(s, 100, 1100));
    CHECK(next_attempt(s, 0, 10, 0) == 310);
    CHECK(next_attempt(s, 0, 900, 5) == 1000);  // clipped to the expiry moment
}

TEST_CASE("retry: delay warning only between delay_warning_s and expiry") {
    RetrySchedule s{300, 3600, 1000, 500};
    CHECK_FALSE(delay_warning_due(s, 0, 499));
    CHECK(delay_warning_due(s, 0, 500));
    CHECK_FALSE(delay_warning_due(s, 0, 1000));
}
