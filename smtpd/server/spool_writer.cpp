#include "smtpd/server/spool_writer.hpp"

#include "common/net/thread_pool.hpp"

namespace mr::smtpd::server {

void SpoolWriter::append(std::shared_ptr<storage::QueueSpool> spool, std::string bytes, std::weak_ptr<void> alive,
                         Done done) {
    waiting_.push_back(Job{std::move(spool), std::move(bytes), std::move(alive), std::move(done)});
    start_jobs();
}

void SpoolWriter::start_jobs() {
    while (running_ < kLanes && !waiting_.empty()) {
        auto job = std::make_shared<Job>(std::move(waiting_.front()));
        waiting_.pop_front();
        if (job->alive.expired()) continue;  // hung up while waiting: nothing to write for
        ++running_;
        net::run_off_loop(
            loop_, [job]() -> Result<void> { return job->spool->append(job->bytes); },
            [self = shared_from_this(), job](Result<void> written) {
                --self->running_;
                // The bytes are written: free them before the session reads more.
                job->bytes = std::string();
                if (!job->alive.expired()) job->done(std::move(written));
                self->start_jobs();
            });
    }
}

}  // namespace mr::smtpd::server
