// SpoolWriter: the appends of every session's spooled message (smtpd::SpoolAppend,
// storage::QueueSpool), run off the loop through a few lanes of the libuv pool.
//
// Invariants:
// - At most kLanes appends run at once; the rest wait in arrival order. The pool also runs
//   RCPT lookups and the queue's commits (main.cpp sizes it for them): a disk busy
//   writing several GiB of incoming mail must not take every thread from them.
// - Each session has at most one append outstanding (the session waits for on_spooled), so
//   a spool is used by one thread at a time and the bytes waiting here are bounded by the
//   number of sessions times one append.
// - `done` runs on the loop thread, unless `alive` has expired (the connection is gone);
//   the job keeps its spool alive until it returns, and the last holder's release removes
//   an uncommitted file (QueueSpool's destructor).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "common/net/loop.hpp"
#include "common/util/result.hpp"
#include "storage/queue_spool.hpp"

namespace mr::smtpd::server {

class SpoolWriter : public std::enable_shared_from_this<SpoolWriter> {
public:
    static constexpr std::size_t kLanes = 2;
    using Done = std::function<void(Result<void>)>;

    explicit SpoolWriter(net::Loop& loop) : loop_(loop) {}

    void append(std::shared_ptr<storage::QueueSpool> spool, std::string bytes, std::weak_ptr<void> alive,
                Done done);

    std::size_t waiting() const { return waiting_.size(); }

private:
    struct Job {
        std::shared_ptr<storage::QueueSpool> spool;
        std::string bytes;
        std::weak_ptr<void> alive;
        Done done;
    };
    void start_jobs();

    net::Loop& loop_;
    std::deque<Job> waiting_;
    std::size_t running_ = 0;
};

}  // namespace mr::smtpd::server
