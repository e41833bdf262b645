// The blocking halves of a queue run, executed on pool threads: planning (lease due
// entries, expand aliases, decide local/remote/failed per recipient) and finishing
// (record outcomes, schedule retries, queue notifications, drop finished entries).
//
// Invariants:
// - Queue and Directory handles are shared by every pool job through Stores; its
//   mutex is held for each queue/directory call sequence and never while a
//   mailbox is written (local delivery runs unlocked, in parallel per user).
// - An entry is owned by this process from plan (lease) to finish (release or
//   removal); a crash in between lets the lease expire and the entry is retried,
//   which the mailbox delivery keys make harmless.
// - A recipient's queue state changes only after its outcome is known: delivered
//   after the mailbox commit or the remote 250, deferred with the next attempt from
//   the retry schedule, failed on a permanent error or at expiry.
// - Notices go through the queue itself with the null sender, so they are delivered
//   (and retried) like any message and can never cause another notice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/util/result.hpp"
#include "deliverd/forward_sealing.hpp"
#include "deliverd/retry_policy.hpp"
#include "storage/directory.hpp"
#include "storage/queue.hpp"

namespace mr::deliverd {

struct Stores {
    Stores(storage::Queue q, storage::Directory d, std::filesystem::path dir)
        : queue(std::move(q)), directory(std::move(d)), data_dir(std::move(dir)) {}
    std::mutex mutex;  // guards queue, directory and srs_key
    storage::Queue queue;
    storage::Directory directory;
    std::filesystem::path data_dir;
    std::optional<std::string> srs_key;  // data_dir/srs.key, read (or created) when first needed
};

enum class OutcomeKind { Delivered, TempFail, PermFail };

// What happened to one queue recipient in this run.
struct RecipientOutcome {
    std::string address;
    OutcomeKind kind = OutcomeKind::TempFail;
    std::string reply;
    std::string remote_host;
    bool remote = false;      // handed to another server
    bool remote_dsn = false;  // that server took over success notices
};

struct LocalTarget {
    std::string address;  // queue recipient = final address
    std::string user;
    std::filesystem::path user_dir;
    std::int64_t quota_bytes = 0;
};

// Remote recipients that go out in one transaction: same domain, same envelope sender
// (the entry's, or its SRS form for recipients an alias of ours forwarded).
struct RemoteGroup {
    std::string domain;
    std::string sender;
    auto operator<=>(const RemoteGroup&) const = default;
};

struct PlannedEntry {
    storage::QueueEntry entry;  // as leased, recipients after alias expansion
    std::shared_ptr<const std::string> message;
    std::vector<LocalTarget> local;
    std::map<RemoteGroup, std::vector<std::string>> remote;  // -> recipients
    std::vector<RecipientOutcome> immediate;                  // decided while planning
    bool has_8bit = false;
    bool queued_copy = false;  // a sealed copy went into the queue as an entry of its own
};

struct RunSettings {
    std::string hostname;  // Reporting-MTA
    RetrySchedule schedule;
};

// Leases up to `limit` due entries and routes their due recipients. A remote recipient
// forwarded by an alias of ours gets the SRS form of the sender for the alias's domain
// (common/mailauth/srs.hpp), unless the sender is null or of one of our domains; one
// whose sender has no SRS form fails permanently, saying why, rather than going out
// with a sender that fails SPF. An SRS address of ours is routed to what it stands for.
// With a `sealer`, the targets an alias forwards off-site get a copy of the message with
// our ARC set on top, queued as an entry of their own before the expansion is recorded
// (forward_sealing.hpp); the copy is removed again when the expansion cannot be recorded,
// and a crash between the two commits forwards it twice, never loses it. A message that is
// not sealed stays in the entry, as without a sealer.
Result<std::vector<PlannedEntry>> plan_batch(Stores& stores, std::int64_t now, std::int64_t lease_s,
                                             std::size_t limit, const ForwardSealer* sealer = nullptr);

struct FinishSummary {
    bool notice_queued = false;
    bool removed = false;
    std::size_t delivered = 0, deferred = 0, failed = 0;
};

struct FinishJob {
    const PlannedEntry* planned;
    const std::vector<RecipientOutcome>* outcomes;
};

// Records outcomes, queues the notices they call for, removes or releases the
// entries: one notice group commit and one queue transaction for all of them.
std::vector<FinishSummary> finish_entries(Stores& stores, const RunSettings& settings,
                                          std::span<const FinishJob> jobs, std::int64_t now);

// The same for one entry.
FinishSummary finish_entry(Stores& stores, const RunSettings& settings, const PlannedEntry& planned,
                           const std::vector<RecipientOutcome>& outcomes, std::int64_t now);

}  // namespace mr::deliverd
