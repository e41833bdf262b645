#include "common/util/quota.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

using mr::util::exceeds_quota;
using mr::util::quota_room;

namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

struct Row {
    std::int64_t quota, used, adding;
    bool exceeds;
    const char* why;
};

}  // namespace

TEST_CASE("exceeds_quota") {
    const Row rows[] = {
        {0, 0, 1, false, "0 is unlimited"},
        {0, kMax, kMax, false, "unlimited even with absurd sizes"},
        {-5, 10, 10, false, "a negative quota (the directory refuses it) counts as none"},
        {100, 0, 100, false, "filling the quota exactly is allowed"},
        {100, 40, 60, false, "up to the byte"},
        {100, 40, 61, true, "one byte past it is refused"},
        {100, 0, 101, true, "a single message larger than the quota"},
        {100, 150, 0, false, "adding nothing (MOVE) never exceeds, even when already over"},
        {100, 150, 1, true, "already over: any addition is refused"},
        {100, 100, 1, true, "full: the next byte is refused"},
        {kMax, kMax - 1, 1, false, "no overflow at the top of the range"},
        {kMax, kMax, kMax, true, "used + adding would overflow; still refused"},
        {1, kMax, kMax, true, "huge usage and addition with a tiny quota"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.why);
        CHECK(exceeds_quota(r.quota, r.used, r.adding) == r.exceeds);
    }
    static_assert(!exceeds_quota(10, 5, 5));  // usable in constant expressions
}

TEST_CASE("quota_room: the bytes left, and the same rule as exceeds_quota") {
    CHECK_FALSE(quota_room(0, 10).has_value());   // no quota: no room to compare with
    CHECK_FALSE(quota_room(-5, 10).has_value());
    CHECK(quota_room(100, 40) == 60u);
    CHECK(quota_room(100, 100) == 0u);             // full
    CHECK(quota_room(100, 150) == 0u);             // over a lowered quota
    CHECK(quota_room(100, -3) == 100u);            // nonsense usage counts as none
    CHECK(quota_room(kMax, 0) == static_cast<std::uint64_t>(kMax));
    static_assert(quota_room(10, 4) == 6u);
    // Every row of the table above: a message of `adding` bytes is refused by smtpd's
    // "size > room" exactly when exceeds_quota refuses it in deliverd and imapd.
    const std::int64_t values[] = {-5, 0, 1, 40, 60, 61, 99, 100, 101, 150, kMax - 1, kMax};
    for (auto q : values) {
        for (auto used : values) {
            if (used < 0) continue;
            for (auto adding : values) {
                if (adding <= 0) continue;
                CAPTURE(q);
                CAPTURE(used);
                CAPTURE(adding);
                const auto room = quota_room(q, used);
                const bool refused = room && static_cast<std::uint64_t>(adding) > *room;
                CHECK(refused == exceeds_quota(q, used, adding));
            }
        }
    }
}
