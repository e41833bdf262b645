// See timer.hpp.
#include "common/net/timer.hpp"

namespace mr::net {

Timer::Timer(Loop& loop) : handle_(new uv_timer_t{}) {
    uv_timer_init(loop.raw(), handle_);
    handle_->data = this;
}

Timer::~Timer() {
    uv_timer_stop(handle_);
    handle_->data = nullptr;
    close_and_delete(handle_);
}

void Timer::start(std::chrono::milliseconds after, std::function<void()> cb) {
    arm(static_cast<std::uint64_t>(after.count()), 0, std::move(cb));
}

void Timer::start_repeating(std::chrono::milliseconds every, std::function<void()> cb) {
    auto ms = static_cast<std::uint64_t>(every.count());
    arm(ms, ms == 0 ? 1 : ms, std::move(cb));
}

void Timer::arm(std::uint64_t timeout_ms, std::uint64_t repeat_ms, std::function<void()> cb) {
    cb_ = std::move(cb);
    uv_timer_start(
        handle_,
        [](uv_timer_t* h) {
            auto* self = static_cast<Timer*>(h->data);
            if (self == nullptr) return;
            // A copy: the callback may destroy or re-arm this Timer while it runs.
            auto copy = self->cb_;
            copy();
        },
        timeout_ms, repeat_ms);
}

void Timer::stop() { uv_timer_stop(handle_); }

bool Timer::active() const {
    return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)) != 0;
}

}  // namespace mr::net
