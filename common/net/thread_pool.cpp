// See thread_pool.hpp.
#include "common/net/thread_pool.hpp"

#include <cstdlib>
#include <string>

namespace mr::net {
namespace {

// Owns itself from queue_work until the after-callback, like a libuv handle.
struct Job {
    uv_work_t req{};
    std::function<void()> work;
    std::function<void(bool)> after;
};

}  // namespace

void detail::queue_work(Loop& loop, std::function<void()> work, std::function<void(bool)> after) {
    auto* job = new Job{};
    job->work = std::move(work);
    job->after = std::move(after);
    job->req.data = job;
    int rc = uv_queue_work(
        loop.raw(), &job->req, [](uv_work_t* r) { static_cast<Job*>(r->data)->work(); },
        [](uv_work_t* r, int status) {
            std::unique_ptr<Job> owned(static_cast<Job*>(r->data));
            owned->after(status == UV_ECANCELED);
        });
    if (rc != 0) {
        // Only fails for a null callback; report as cancelled rather than lose the job.
        std::unique_ptr<Job> owned(job);
        owned->after(true);
    }
}

void set_thread_pool_size(unsigned threads) {
    if (threads == 0) threads = 1;
    setenv("UV_THREADPOOL_SIZE", std::to_string(threads).c_str(), 1);
}

}  // namespace mr::net
