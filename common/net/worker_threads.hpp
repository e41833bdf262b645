// WorkerThreads: a few threads of a daemon's own for blocking work that may wait long
// (DNS answers for SPF, DKIM and DMARC), so that it never holds the libuv pool that RCPT
// lookups and queue commits need (thread_pool.hpp).
//
// Invariants:
// - A fixed number of threads and a bounded queue: submit() refuses at once when the queue
//   is full or the workers are stopped; the caller decides what that means (a 451).
// - `done` runs on the loop given to submit(), through Loop::post, at most once, and never
//   after `alive` has expired. It is never called from inside submit().
// - stop() (also run by the destructor) refuses new work, drops queued work and waits for
//   running work: call it before the loops that work posts to are destroyed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/net/loop.hpp"

namespace mr::net {

class WorkerThreads {
public:
    WorkerThreads(unsigned threads, std::size_t max_queued);
    ~WorkerThreads();
    WorkerThreads(const WorkerThreads&) = delete;
    WorkerThreads& operator=(const WorkerThreads&) = delete;

    template <class Work, class Done>
    bool submit(Loop& loop, std::weak_ptr<void> alive, Work work, Done done) {
        using T = std::invoke_result_t<Work&>;
        return push([&loop, alive = std::move(alive), w = std::move(work), d = std::move(done)]() mutable {
            if (alive.expired()) return;  // the client left while the work waited
            auto result = std::make_shared<std::optional<T>>(w());
            loop.post([alive, result, d = std::move(d)]() mutable {
                if (!alive.expired()) d(std::move(**result));
            });
        });
    }

    void stop();
    std::size_t queued() const;

private:
    bool push(std::function<void()> job);
    void run();

    std::size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace mr::net
