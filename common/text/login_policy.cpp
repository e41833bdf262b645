// The failed-login policy; see login_policy.hpp for the rules.
#include "common/text/login_policy.hpp"

#include <algorithm>

namespace mr::text {

namespace {

std::int64_t ms(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

unsigned recent_failures(const LoginPolicy& policy, const FailureRecord& r, std::int64_t now_ms) {
    if (r.failures == 0) return 0;
    if (now_ms - r.last_ms > ms(policy.window)) return 0;
    return r.failures;
}

FailureRecord add_failure(const LoginPolicy& policy, const FailureRecord& r, std::int64_t now_ms) {
    const unsigned before = recent_failures(policy, r, now_ms);
    // Saturates instead of wrapping: a counter that wrapped to 0 would lift a refusal.
    const unsigned after = before == ~0u ? before : before + 1;
    return FailureRecord{after, std::max(now_ms, r.last_ms)};
}

bool login_refused(const LoginPolicy& policy, const LoginHistory& h, std::int64_t now_ms) {
    if (policy.max_failures_per_address == 0) return false;
    if (recent_failures(policy, h.address, now_ms) < policy.max_failures_per_address) return false;
    return now_ms - h.address.last_ms < ms(policy.refusal_period);
}

std::chrono::milliseconds failure_delay(const LoginPolicy& policy, const LoginHistory& h, std::int64_t now_ms) {
    const unsigned n = std::max({1u, recent_failures(policy, h.address, now_ms), recent_failures(policy, h.account, now_ms)});
    const auto cap = policy.failure_delay * std::max(1u, policy.max_delay_factor);
    auto delay = policy.failure_delay;
    for (unsigned i = 1; i < n && delay < cap; ++i) delay *= 2;
    return std::min(delay, cap);
}

}  // namespace mr::text
