#include "smtpd/server/queue_writer.hpp"

#include <algorithm>

#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/wakeup.hpp"

namespace mr::smtpd::server {

namespace {

std::vector<std::unique_ptr<storage::Queue>> just(std::unique_ptr<storage::Queue> queue) {
    std::vector<std::unique_ptr<storage::Queue>> v;
    v.push_back(std::move(queue));
    return v;
}

}  // namespace

QueueWriter::QueueWriter(net::Loop& loop, std::unique_ptr<storage::Queue> queue, std::filesystem::path wakeup_socket)
    : QueueWriter(loop, just(std::move(queue)), std::move(wakeup_socket)) {}

QueueWriter::QueueWriter(net::Loop& loop, std::vector<std::unique_ptr<storage::Queue>> queues,
                         std::filesystem::path wakeup_socket)
    : loop_(loop), wakeup_socket_(std::move(wakeup_socket)) {
    for (auto& q : queues) idle_queues_.push_back(std::move(q));
}

void QueueWriter::submit(QueuedMessage message, std::weak_ptr<void> alive, Done done) {
    waiting_.push_back(Pending{std::move(message), std::move(alive), std::move(done)});
    start_batches();
}

void QueueWriter::start_batches() {
    while (!waiting_.empty() && !idle_queues_.empty() &&
           (in_flight_ == 0 || waiting_.size() >= kMinExtraBatch)) {
        auto queue = std::move(idle_queues_.back());
        idle_queues_.pop_back();
        start_batch(std::move(queue));
    }
}

void QueueWriter::start_batch(std::shared_ptr<storage::Queue> queue) {
    ++in_flight_;
    ++batches_;
    auto batch = std::make_shared<std::vector<Pending>>();
    const std::size_t n = std::min(waiting_.size(), kMaxBatch);
    batch->reserve(n);
    std::move(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(*batch));
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
    // The job reads the pending messages but never touches their callbacks or alive tokens
    // (those belong to the loop thread).
    net::run_off_loop(
        loop_,
        [queue, batch, socket = wakeup_socket_]() -> Result<std::vector<std::string>> {
            for (auto& p : *batch) {
                if (p.message.before_commit) p.message.before_commit(p.message);
            }
            std::vector<storage::EnqueueRequest> requests;
            requests.reserve(batch->size());
            for (const auto& p : *batch) {
                const auto& m = p.message;
                requests.push_back(
                    storage::EnqueueRequest{m.sender, m.recipients, m.bytes, m.params, m.id, m.spool.get()});
            }
            auto ids = queue->enqueue_batch(requests);
            if (ids) (void)net::send_wakeup(socket, "queue");
            return ids;
        },
        [self = shared_from_this(), queue, batch](Result<std::vector<std::string>> ids) {
            if (!ids) {
                log::error("enqueue_failed", {{"messages", batch->size()}, {"error", ids.error().message}});
            } else {
                log::debug("enqueue_batch", {{"messages", batch->size()}});
            }
            for (std::size_t i = 0; i < batch->size(); ++i) {
                auto& p = (*batch)[i];
                if (p.alive.expired()) continue;
                if (ids) {
                    p.done((*ids)[i]);
                } else {
                    p.done(ids.error());
                }
            }
            --self->in_flight_;
            self->idle_queues_.push_back(queue);
            self->start_batches();
        });
}

}  // namespace mr::smtpd::server
