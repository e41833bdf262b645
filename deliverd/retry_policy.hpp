// Retry policy of the queue runner: when to try a temporarily failed recipient again,
// when to give up, and when the sender hears about a delay.
//
// Invariants:
// - Pure arithmetic on seconds; the caller supplies `now` (no clock here), so tests
//   step through a five-day schedule instantly.
// - The back-off doubles from `initial` and never exceeds `max`; it never overflows
//   however many attempts were made.
// - A recipient expires at received + lifetime: the attempt that finds it expired
//   turns a temporary failure into a permanent one (RFC 5321 §4.5.4.1,
//   rfc5321.txt:3710: "give-up time ... at least 4-5 days").
#pragma once

#include <cstdint>

namespace mr::deliverd {

struct RetrySchedule {
    std::int64_t initial_s = 300;
    std::int64_t max_s = 3600;
    std::int64_t lifetime_s = 5 * 24 * 3600;
    std::int64_t delay_warning_s = 4 * 3600;
};

// Seconds to wait after the failure of attempt number `attempts_before + 1`
// (attempts_before = attempts already recorded in the queue before this one).
std::int64_t retry_delay(const RetrySchedule& s, std::int64_t attempts_before);

// True once the message (received at `received`) has been queued for its lifetime.
bool expired(const RetrySchedule& s, std::int64_t received, std::int64_t now);

// The next attempt for a deferred recipient: now + delay, but never later than the
// expiry moment (so the bounce is not itself delayed by a long back-off).
std::int64_t next_attempt(const RetrySchedule& s, std::int64_t received, std::int64_t now,
                          std::int64_t attempts_before);

// True when a delay notice is due: queued at least delay_warning_s, not expired.
bool delay_warning_due(const RetrySchedule& s, std::int64_t received, std::int64_t now);

}  // namespace mr::deliverd
