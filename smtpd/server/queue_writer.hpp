// QueueWriter: group commit of finished messages from every session of the process.
//
// Invariants:
// - Each batch is one storage::Queue::enqueue_batch on the thread pool: one FULL transaction
//   for all its messages (those up to Queue::kInlineLimit go into it as blobs), preceded, only
//   when the batch holds larger messages, by their files and one flush. So the messages of a
//   batch share fsyncs, and none is skipped. A message's callback runs on the loop thread after
//   its batch committed (with its queue id) or failed (with the error): the session answers
//   250 only from there.
// - Up to one batch per Queue object is in flight, and each Queue (its own SQLite connection)
//   is used by one batch at a time, so by one thread at a time. A second and further batch
//   start only when at least kMinExtraBatch messages wait: under light load every message
//   waits for the one batch in flight and they share its successor (as with a single Queue);
//   under heavy load extra batches overlap what happens outside SQLite's write lock (staging
//   the files of large messages, preparing the next transaction), while the commits
//   themselves take turns. With inline bodies (issue 3, smtp-source, 4 KiB) 8 accepted as fast
//   as 2 at 10 and 50 sessions, while 2 cost ~15 % more smtpd CPU per message at 10 sessions
//   (more, smaller batches waiting for the write lock); one batch at a time was ~15 % slower
//   at 50 sessions.
// - Each batch takes every waiting message, up to kMaxBatch.
// - A message's before_commit runs on the batch's pool thread, before the transaction; the
//   loop thread does not touch the batch's messages until the batch is done.
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
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

struct QueuedMessage {
    std::string id;  // Queue::new_id(), already named in the Received: field
    std::string sender;
    std::vector<storage::QueueRecipient> recipients;
    std::string bytes;  // unused when `spool` holds the message
    storage::EnqueueParams params;
    std::shared_ptr<storage::QueueSpool> spool;  // a spooled message; its id is `id`
    // Work that must be done off the loop before the message is written (DKIM signing,
    // dkim_signing.hpp): run on its batch's pool thread just before the commit, so that it
    // costs no thread hand-off of its own.
    std::function<void(QueuedMessage&)> before_commit;
};

class QueueWriter : public std::enable_shared_from_this<QueueWriter> {
public:
    static constexpr std::size_t kMaxBatch = 512;
    static constexpr std::size_t kMinExtraBatch = 8;
    using Done = std::function<void(Result<std::string>)>;

    // One Queue: at most one batch in flight.
    QueueWriter(net::Loop& loop, std::unique_ptr<storage::Queue> queue, std::filesystem::path wakeup_socket);
    // Several Queues on the same spool: up to queues.size() batches in flight.
    QueueWriter(net::Loop& loop, std::vector<std::unique_ptr<storage::Queue>> queues,
                std::filesystem::path wakeup_socket);

    // `done` runs on the loop thread, unless `alive` has expired by then.
    void submit(QueuedMessage message, std::weak_ptr<void> alive, Done done);

    std::size_t waiting() const { return waiting_.size(); }
    std::size_t batches() const { return batches_; }
    std::size_t in_flight() const { return in_flight_; }

private:
    struct Pending {
        QueuedMessage message;
        std::weak_ptr<void> alive;
        Done done;
    };
    void start_batches();
    void start_batch(std::shared_ptr<storage::Queue> queue);

    net::Loop& loop_;
    std::vector<std::shared_ptr<storage::Queue>> idle_queues_;  // not used by a batch right now
    std::filesystem::path wakeup_socket_;
    std::vector<Pending> waiting_;
    std::size_t in_flight_ = 0;
    std::size_t batches_ = 0;
};

}  // namespace mr::smtpd::server
