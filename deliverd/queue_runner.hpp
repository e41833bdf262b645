// QueueRunner: deliverd's scheduler on the event loop. It scans the queue (on a
// wake-up from smtpd or `mailroom queue`, and every poll_interval_s), hands local
// recipients to pool threads in per-user batches and remote ones to RemoteDelivery,
// and finishes an entry once every recipient of this run has an outcome.
//
// Invariants:
// - Everything here runs on the loop thread; storage work runs in pool jobs
//   (queue_work.hpp, local_delivery.hpp) that get their inputs by value.
// - At most one planning job at a time; a wake-up during one sets a flag and
//   triggers one more scan afterwards, so bursts of wake-ups cost one scan.
// - At most local_concurrency local batches run at once; the rest wait in order.
// - At most one batch per user runs at a time, and at most one waits: work planned
//   for a user who already has a waiting batch joins it. Under load a user's
//   messages thus pile up into one batch that shares its fsyncs and its index
//   transaction, instead of several small batches fighting for the index lock.
// - An entry is finished exactly once, after its last outstanding part (every
//   local batch and remote call it is in) has reported. One finishing job runs at
//   a time and takes every entry finished meanwhile: under load, one queue
//   transaction records hundreds of outcomes (group commit).
// - Each user's stores stay open between batches (pools_, a storage::StorePoolRegistry
//   without a time limit: at most max_open_stores() pools, the least recently used
//   closed first, on a pool thread since closing checkpoints the WAL).
// - imapd (its IDLE sessions) is woken after the mailbox commit, best
//   effort: a lost wake-up only delays their next poll.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/net/loop.hpp"
#include "common/net/timer.hpp"
#include "deliverd/local_delivery.hpp"
#include "deliverd/queue_work.hpp"
#include "common/dkim/key_directory.hpp"
#include "deliverd/remote/remote_delivery.hpp"
#include "storage/store_pool.hpp"

namespace mr::deliverd {

class QueueRunner {
public:
    QueueRunner(net::Loop& loop, const config::Config& cfg, std::shared_ptr<Stores> stores,
                RemoteDelivery* remote);
    ~QueueRunner();
    QueueRunner(const QueueRunner&) = delete;
    QueueRunner& operator=(const QueueRunner&) = delete;

    void start();
    // A hint that the queue changed (a wake-up datagram).
    void wake();
    // No new scans or dispatches; entries in flight keep their leases (they expire).
    void stop();

private:
    struct EntryRun {
        PlannedEntry planned;
        std::vector<RecipientOutcome> outcomes;
        int outstanding = 0;
    };
    struct PendingBatch {
        LocalBatch batch;
        std::vector<std::pair<std::shared_ptr<EntryRun>, std::string>> owners;  // per item
    };

    void scan();
    void on_planned(Result<std::vector<PlannedEntry>> planned, std::size_t limit);
    void dispatch(std::shared_ptr<EntryRun> run, std::map<std::string, PendingBatch>& batches);
    void start_remote(const std::shared_ptr<EntryRun>& run, const RemoteGroup& group,
                      const std::vector<std::string>& recipients);
    void pump_local();
    void part_done(const std::shared_ptr<EntryRun>& run);
    void finish(std::shared_ptr<EntryRun> run);
    void start_finishing();
    std::int64_t now() const;

    net::Loop& loop_;
    const config::Config& cfg_;
    std::shared_ptr<Stores> stores_;
    RemoteDelivery* remote_;
    // Vacation replies are signed like submitted mail ([dkim] sign), for the user's domain.
    std::shared_ptr<dkim::SignerCache> dkim_keys_;   // vacation replies: with [dkim] sign
    std::shared_ptr<const ForwardSealer> sealer_;    // with [mailauth] arc_seal
    RunSettings settings_;
    net::Timer poll_;
    net::Timer kick_;
    std::deque<std::string> local_order_;             // users with a waiting batch, oldest first
    std::map<std::string, PendingBatch> local_waiting_;  // by user
    std::set<std::string> local_busy_;                // users with a batch running
    storage::StorePoolRegistry pools_;  // by user directory
    int local_running_ = 0;
    std::size_t entries_in_flight_ = 0;
    std::vector<std::shared_ptr<EntryRun>> finish_waiting_;
    bool finishing_ = false;
    bool planning_ = false;
    bool rescan_ = false;
    bool stopped_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mr::deliverd
