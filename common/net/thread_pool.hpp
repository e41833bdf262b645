// Running blocking work (argon2 password checks, fsync batches, big file reads) on the libuv
// thread pool and getting the result back on the loop thread.
//
// Invariants:
// - `work` runs on a pool thread and must not touch the loop, a Connection or anything else
//   owned by the loop thread; it gets its inputs by value and returns its output by value.
// - `done` runs on the loop thread, exactly once, unless the job was cancelled at loop
//   shutdown or the alive token given has expired (the connection that asked has gone).
// - The Loop's destructor waits for queued jobs, so no job outlives the loop.
// - The pool size is libuv's (UV_THREADPOOL_SIZE, default 4), fixed at first use; set it
//   with set_thread_pool_size() before the first job if a daemon needs more.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "common/net/loop.hpp"

namespace mr::net {

namespace detail {
// after(cancelled) always runs on the loop thread.
void queue_work(Loop& loop, std::function<void()> work, std::function<void(bool cancelled)> after);
}  // namespace detail

// Must run before the first job of the process (libuv reads the size once).
void set_thread_pool_size(unsigned threads);

// done(T) — or done() when work returns void — runs on the loop thread.
template <class Work, class Done>
void run_off_loop(Loop& loop, Work work, Done done) {
    using T = std::invoke_result_t<Work&>;
    if constexpr (std::is_void_v<T>) {
        detail::queue_work(loop, std::move(work), [d = std::move(done)](bool cancelled) mutable {
            if (!cancelled) d();
        });
    } else {
        auto result = std::make_shared<std::optional<T>>();
        detail::queue_work(
            loop, [result, w = std::move(work)]() mutable { result->emplace(w()); },
            [result, d = std::move(done)](bool cancelled) mutable {
                if (!cancelled) d(std::move(**result));
            });
    }
}

// As above, but done is skipped when `alive` has expired by the time the work finishes
// (e.g. Connection::alive(): the client hung up during the password check).
template <class Work, class Done>
void run_off_loop(Loop& loop, std::weak_ptr<void> alive, Work work, Done done) {
    using T = std::invoke_result_t<Work&>;
    if constexpr (std::is_void_v<T>) {
        run_off_loop(loop, std::move(work), [alive, d = std::move(done)]() mutable {
            if (!alive.expired()) d();
        });
    } else {
        run_off_loop(loop, std::move(work), [alive, d = std::move(done)](T value) mutable {
            if (!alive.expired()) d(std::move(value));
        });
    }
}

}  // namespace mr::net
