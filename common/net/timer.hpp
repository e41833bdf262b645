// mr::net::Timer — an owner-held one-shot or repeating libuv timer.
//
// Invariants:
// - The uv_timer_t lives on the heap and is freed in its close callback, so a Timer may be
//   destroyed at any time on the loop thread, including from inside its own callback.
// - After stop() or destruction the callback never runs again.
#pragma once

#include <chrono>
#include <functional>

#include "common/net/loop.hpp"

namespace mr::net {

class Timer {
public:
    explicit Timer(Loop& loop);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // (Re)arms the timer; a pending expiry is replaced.
    void start(std::chrono::milliseconds after, std::function<void()> cb);
    void start_repeating(std::chrono::milliseconds every, std::function<void()> cb);
    void stop();
    bool active() const;

private:
    void arm(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> cb);

    uv_timer_t* handle_;
    std::function<void()> cb_;
};

}  // namespace mr::net
