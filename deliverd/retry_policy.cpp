#include "deliverd/retry_policy.hpp"

#include <algorithm>

namespace mr::deliverd {

std::int64_t retry_delay(const RetrySchedule& s, std::int64_t attempts_before) {
    std::int64_t delay = std::max<std::int64_t>(s.initial_s, 1);
    for (std::int64_t i = 0; i < attempts_before && delay < s.max_s; ++i) delay *= 2;
    return std::min(delay, std::max<std::int64_t>(s.max_s, 1));
}

bool expired(const RetrySchedule& s, std::int64_t received, std::int64_t now) {
    return now >= received + s.lifetime_s;
}

std::int64_t next_attempt(const RetrySchedule& s, std::int64_t received, std::int64_t now,
                          std::int64_t attempts_before) {
    const std::int64_t at = now + retry_delay(s, attempts_before);
    return std::min(at, std::max(received + s.lifetime_s, now + 1));
}

bool delay_warning_due(const RetrySchedule& s, std::int64_t received, std::int64_t now) {
    return now - received >= s.delay_warning_s && !expired(s, received, now);
}

}  // namespace mr::deliverd
