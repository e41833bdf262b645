// QueueWriter: group commit of finished messages from every session of the process.
//
// Invariants:
// - Messages wait on the loop thread until the batch in flight (at most one) has committed;
//   the next batch then takes all of them, up to kMaxBatch. One batch = one
//   storage::Queue::enqueue_batch on the thread pool: every file fsync'd, one directory
//   fsync, one FULL transaction. So concurrent sessions share fsyncs, and none is skipped.
// - A message's callback runs on the loop thread after its batch committed (with its queue
//   id) or failed (with the error): the session answers 250 only from there.
// - The Queue object is used by one batch at a time, so by one thread at a time.
// - After a commit deliverd is woken (best effort, net::send_wakeup): a lost wake-up costs
//   one poll interval, never mail.
// - A message whose session has gone by the time its batch runs is still committed (the
//   client may retry: a duplicate, never a loss); its callback is simply not run.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/net/loop.hpp"
#include "common/util/result.hpp"
#include "storage/queue.hpp"

namespace mr::smtpd::server {

struct QueuedMessage {
    std::string id;  // Queue::new_id(), already named in the Received: field
    std::string sender;
    std::vector<storage::QueueRecipient> recipients;
    std::string bytes;
    storage::EnqueueParams params;
};

class QueueWriter : public std::enable_shared_from_this<QueueWriter> {
public:
    static constexpr std::size_t kMaxBatch = 512;
    using Done = std::function<void(Result<std::string>)>;

    QueueWriter(net::Loop& loop, std::unique_ptr<storage::Queue> queue, std::filesystem::path wakeup_socket);

    // `done` runs on the loop thread, unless `alive` has expired by then.
    void submit(QueuedMessage message, std::weak_ptr<void> alive, Done done);

    std::size_t waiting() const { return waiting_.size(); }
    std::size_t batches() const { return batches_; }

private:
    struct Pending {
        QueuedMessage message;
        std::weak_ptr<void> alive;
        Done done;
    };
    void start_batch();

    net::Loop& loop_;
    std::shared_ptr<storage::Queue> queue_;
    std::filesystem::path wakeup_socket_;
    std::vector<Pending> waiting_;
    bool in_flight_ = false;
    std::size_t batches_ = 0;
};

}  // namespace mr::smtpd::server
