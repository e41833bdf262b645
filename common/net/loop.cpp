// Loop lifetime, cross-thread posting and signal watching; see loop.hpp for the invariants.
#include "common/net/loop.hpp"

#include <cstdlib>

#include "common/log/log.hpp"

namespace mr::net {

Loop::Loop() : read_buffer_(64 * 1024) {
    // Failing to create a loop or an async handle at start-up is not recoverable.
    if (uv_loop_init(&loop_) != 0) std::abort();
    if (uv_async_init(&loop_, &async_, &Loop::on_async) != 0) std::abort();
    async_.data = this;
    // The async handle exists for post()/stop(); it must not keep run() going by itself.
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

Loop::~Loop() {
    close_residents();
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    // Lets close callbacks and in-flight thread-pool jobs finish.
    uv_run(&loop_, UV_RUN_DEFAULT);
    // Anything still open was leaked by a wrapper that outlived its rules; close it bluntly
    // so uv_loop_close does not fail, and say so.
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
            if (!uv_is_closing(h)) {
                log::error("loop_handle_leaked", {log::Field("type", uv_handle_type_name(h->type))});
                uv_close(h, nullptr);
            }
        },
        nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop_) != 0) log::error("loop_close_busy");
}

void Loop::run() {
    // A stop() that raced ahead of run() is still pending in the async handle and makes this
    // return at once: a shutdown request is never lost.
    uv_run(&loop_, UV_RUN_DEFAULT);
}

bool Loop::run_once() { return uv_run(&loop_, UV_RUN_ONCE) != 0; }

void Loop::stop() {
    {
        std::lock_guard lock(posted_mutex_);
        stop_requested_ = true;
    }
    uv_async_send(&async_);
}

void Loop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(fn));
    }
    uv_async_send(&async_);
}

void Loop::on_async(uv_async_t* handle) {
    auto* self = static_cast<Loop*>(handle->data);
    std::vector<std::function<void()>> batch;
    bool stop = false;
    {
        std::lock_guard lock(self->posted_mutex_);
        batch.swap(self->posted_);
        stop = self->stop_requested_;
        self->stop_requested_ = false;
    }
    for (auto& fn : batch) fn();
    if (stop) uv_stop(&self->loop_);
}

void Loop::close_residents() {
    // Copy: closing may not erase synchronously today, but must be free to.
    std::vector<LoopResident*> all(residents_.begin(), residents_.end());
    for (LoopResident* r : all) r->close_for_shutdown();
}

SignalWatcher::SignalWatcher(Loop& loop, std::vector<int> signums, Callback cb)
    : cb_(std::move(cb)) {
    for (int signum : signums) {
        auto* h = new uv_signal_t{};
        uv_signal_init(loop.raw(), h);
        h->data = this;
        int rc = uv_signal_start(
            h,
            [](uv_signal_t* s, int n) {
                auto* self = static_cast<SignalWatcher*>(s->data);
                self->cb_(n);
            },
            signum);
        if (rc != 0) log::error("signal_watch_failed", {log::Field("signal", signum)});
        handles_.push_back(h);
    }
}

SignalWatcher::~SignalWatcher() {
    for (uv_signal_t* h : handles_) {
        uv_signal_stop(h);
        close_and_delete(h);
    }
}

}  // namespace mr::net
