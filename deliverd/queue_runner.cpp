#include "deliverd/queue_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <ctime>

#include "common/dkim/sign_message.hpp"
#include "common/log/log.hpp"
#include "common/net/thread_pool.hpp"
#include "common/net/wakeup.hpp"
#include "common/text/ascii.hpp"
#include "deliverd/tls_report/report_mail.hpp"

namespace mr::deliverd {

namespace {

// Long enough for any one run of an entry; a crashed deliverd's leases are
// dropped at start (Queue::release_all_leases), so this only guards against a
// second, concurrent runner.
constexpr std::int64_t kLeaseSeconds = 600;

// Open user stores kept by deliverd: four descriptors each (index, WAL, shared memory,
// the identity handle of StorePool). At most 256, and at most a quarter of what the
// descriptor limit leaves after 256 for connections and everything else. Opening a
// store costs about 0.6 M instructions and a WAL checkpoint when it is closed, so the
// users receiving mail should all fit: a cycle over more users than this misses always.
std::size_t max_open_stores() {
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 256;
    if (rl.rlim_cur <= 256 + 4) return 1;
    return std::min<std::size_t>(256, static_cast<std::size_t>((rl.rlim_cur - 256) / 4));
}

OutcomeKind to_outcome(RemoteOutcome o) {
    switch (o) {
        case RemoteOutcome::Delivered: return OutcomeKind::Delivered;
        case RemoteOutcome::PermFail: return OutcomeKind::PermFail;
        case RemoteOutcome::TempFail: break;
    }
    return OutcomeKind::TempFail;
}

OutcomeKind to_outcome(LocalOutcome o) {
    switch (o) {
        case LocalOutcome::Delivered: return OutcomeKind::Delivered;
        case LocalOutcome::PermFail: return OutcomeKind::PermFail;
        case LocalOutcome::TempFail: break;
    }
    return OutcomeKind::TempFail;
}

// A vacation reply with the DKIM-Signature fields of the user's domain on top, as smtpd
// signs what the user submits; unsigned (and logged) when signing fails, never lost.
std::string dkim_signed(dkim::SignerCache& keys, const std::string& user, const std::string& message) {
    const std::string domain = text::to_lower(std::string_view(user).substr(user.rfind('@') + 1));
    auto fields = dkim::sign_message(keys, domain, message, static_cast<std::int64_t>(std::time(nullptr)));
    if (!fields) {
        log::warn("vacation_unsigned", {{"user", user}, {"error", fields.error().message}});
        return {};
    }
    if (fields->empty()) return {};
    return *fields + message;
}

}  // namespace

QueueRunner::QueueRunner(net::Loop& loop, const config::Config& cfg, std::shared_ptr<Stores> stores,
                         RemoteDelivery* remote)
    : loop_(loop), cfg_(cfg), stores_(std::move(stores)), remote_(remote), poll_(loop), kick_(loop),
      pools_({storage::StorePoolRegistry::Clock::duration::max(), max_open_stores(), 1,
              [&loop](std::shared_ptr<storage::StorePool> pool) {
                  // Closing checkpoints the WAL (disk writes): on a pool thread, not the loop.
                  net::run_off_loop(loop, [p = std::move(pool)]() mutable { p.reset(); }, [] {});
              }}) {
    auto keys = std::make_shared<dkim::SignerCache>(cfg.dkim.key_dir);
    if (cfg.dkim.sign) dkim_keys_ = keys;
    if (cfg.mailauth.arc_seal) sealer_ = std::make_shared<const ForwardSealer>(keys, cfg.server.hostname);
    settings_.hostname = cfg.server.hostname;
    settings_.schedule = RetrySchedule{cfg.queue.retry_initial_s, cfg.queue.retry_max_s, cfg.queue.lifetime_s,
                                       cfg.queue.delay_warning_s};
}

QueueRunner::~QueueRunner() { *alive_ = false; }

std::int64_t QueueRunner::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

void QueueRunner::start() {
    poll_.start_repeating(std::chrono::seconds(cfg_.queue.poll_interval_s), [this] { scan(); });
    scan();
}

void QueueRunner::wake() {
    if (stopped_) return;
    // Coalesce a burst of wake-ups into one scan at the next loop iteration.
    if (!kick_.active()) kick_.start(std::chrono::milliseconds(0), [this] { scan(); });
}

void QueueRunner::stop() {
    stopped_ = true;
    poll_.stop();
    kick_.stop();
    local_waiting_.clear();
    local_order_.clear();
}

void QueueRunner::scan() {
    if (stopped_) return;
    const auto limit = static_cast<std::size_t>(cfg_.queue.batch_size);
    if (planning_ || entries_in_flight_ >= 2 * limit) {
        rescan_ = true;
        return;
    }
    planning_ = true;
    rescan_ = false;
    auto stores = stores_;
    const std::int64_t t = now();
    net::run_off_loop(
        loop_, std::weak_ptr<void>(alive_),
        [stores, t, limit, sealer = sealer_] { return plan_batch(*stores, t, kLeaseSeconds, limit, sealer.get()); },
        [this, limit](Result<std::vector<PlannedEntry>> planned) { on_planned(std::move(planned), limit); });
}

void QueueRunner::on_planned(Result<std::vector<PlannedEntry>> planned, std::size_t limit) {
    planning_ = false;
    if (!planned) {
        log::error("queue_scan_failed", {{"error", planned.error().message}});
        return;  // the next poll tries again
    }
    if (stopped_) return;  // leases are dropped at the next start
    const bool full = planned->size() >= limit;
    bool copies = false;  // sealed forwarded copies were queued: run them now
    std::map<std::string, PendingBatch> batches;
    for (auto& p : *planned) {
        copies = copies || p.queued_copy;
        auto run = std::make_shared<EntryRun>();
        run->planned = std::move(p);
        ++entries_in_flight_;
        dispatch(std::move(run), batches);
    }
    for (auto& [user, b] : batches) {
        auto [it, fresh] = local_waiting_.try_emplace(user);
        if (fresh) {
            it->second = std::move(b);
            local_order_.push_back(user);
            continue;
        }
        auto& waiting = it->second;  // join the batch already waiting for this user
        for (auto& item : b.batch.items) waiting.batch.items.push_back(std::move(item));
        for (auto& owner : b.owners) waiting.owners.push_back(std::move(owner));
    }
    pump_local();
    if (full || rescan_ || copies) wake();
}

void QueueRunner::dispatch(std::shared_ptr<EntryRun> run, std::map<std::string, PendingBatch>& batches) {
    auto& p = run->planned;
    run->outcomes = p.immediate;
    run->outstanding = 1;  // held until every part is handed out
    for (const auto& t : p.local) {
        auto& b = batches[t.user];
        if (b.batch.user.empty()) {
            b.batch.user = t.user;
            b.batch.user_dir = t.user_dir;
            b.batch.quota_bytes = t.quota_bytes;
            b.batch.data_dir = stores_->data_dir;
        }
        b.batch.items.push_back({p.entry.id, t.address, p.entry.sender, p.message, p.entry.folder});
        b.owners.emplace_back(run, t.address);
        ++run->outstanding;
    }
    for (const auto& [group, recipients] : p.remote) start_remote(run, group, recipients);
    part_done(run);
}

void QueueRunner::start_remote(const std::shared_ptr<EntryRun>& run, const RemoteGroup& group,
                               const std::vector<std::string>& recipients) {
    const auto& p = run->planned;
    if (remote_ == nullptr) {
        for (const auto& r : recipients) {
            run->outcomes.push_back({r, OutcomeKind::TempFail, "451 4.4.0 remote delivery unavailable", {}, true, false});
        }
        return;
    }
    RemoteMessage m;
    m.queue_id = p.entry.id;
    m.sender = group.sender;
    m.domain = group.domain;
    m.bytes = p.message;  // read once by the planner; every domain's connection streams this copy
    m.size = static_cast<std::int64_t>(p.message->size());
    m.has_8bit = p.has_8bit;
    m.needs_smtputf8 = text::has_non_ascii(group.sender);
    m.dsn_ret = p.entry.dsn_ret;
    m.dsn_envid = p.entry.dsn_envid;
    m.tls_report = tls_report::is_report_message(p.entry.sender, *p.message);
    for (const auto& address : recipients) {
        RemoteRecipient rr;
        rr.address = address;
        for (const auto& q : p.entry.recipients) {
            if (q.address == address) {
                rr.dsn_notify = q.dsn_notify;
                rr.orcpt = q.orcpt;
            }
        }
        m.needs_smtputf8 = m.needs_smtputf8 || text::has_non_ascii(address);
        m.recipients.push_back(std::move(rr));
    }
    ++run->outstanding;
    std::weak_ptr<bool> alive = alive_;
    remote_->deliver(std::move(m), [this, alive, run](std::vector<RecipientResult> results) {
        if (alive.expired()) return;
        for (auto& r : results) {
            run->outcomes.push_back({r.address, to_outcome(r.outcome), std::move(r.reply), std::move(r.remote_host),
                                     true, r.remote_dsn});
        }
        part_done(run);
    });
}

void QueueRunner::pump_local() {
    for (auto user = local_order_.begin();
         !stopped_ && local_running_ < cfg_.queue.local_concurrency && user != local_order_.end();) {
        if (local_busy_.count(*user)) {  // its running batch first; this one keeps growing
            ++user;
            continue;
        }
        auto waiting = local_waiting_.find(*user);
        auto pending = std::make_shared<PendingBatch>(std::move(waiting->second));
        local_waiting_.erase(waiting);
        user = local_order_.erase(user);
        local_busy_.insert(pending->batch.user);
        ++local_running_;
        LocalBatch batch = pending->batch;  // the pool thread gets its own copy
        // What a user's script sends is queued from the pool thread like any message of ours:
        // vacation replies from <>, so they can never bounce back (RFC 3834 §3.3); redirects
        // from the original sender, forwarded by the user (SRS and routing: queue_work).
        batch.send_mail = [stores = stores_, keys = dkim_keys_, sealer = sealer_,
                           user = batch.user](const OutgoingMail& mail) {
            std::string signed_message;
            if (keys && mail.kind == "vacation") signed_message = dkim_signed(*keys, user, mail.message);
            if (sealer && mail.kind == "redirect") {
                const auto now = static_cast<std::int64_t>(std::time(nullptr));
                if (auto sealed = sealer->seal(mail.message, mail.forwarded_by, mail.queue_id, now)) signed_message = std::move(*sealed);
            }
            const std::string& message = signed_message.empty() ? mail.message : signed_message;
            std::vector<storage::QueueRecipient> rcpt(1);
            rcpt[0].address = mail.recipient;
            rcpt[0].forwarded_by = mail.forwarded_by;
            Result<std::string> id = Error::internal("not queued");
            {
                std::lock_guard guard(stores->mutex);
                id = stores->queue.enqueue(mail.sender, rcpt, message);
            }
            if (!id) {
                log::warn(std::string(mail.kind) + "_failed",
                          {{"user", user}, {"to", mail.recipient}, {"error", id.error().message}});
                return;
            }
            log::info(std::string(mail.kind) + "_sent", {log::qid(*id), {"user", user}, {"to", mail.recipient}});
            (void)net::send_wakeup(net::wakeup_endpoint(stores->data_dir, net::WakeupListener::Deliverd), *id);
        };
        auto pool = pools_.get(pending->batch.user_dir);
        net::run_off_loop(
            loop_, std::weak_ptr<void>(alive_),
            [batch = std::move(batch), pool] { return deliver_local(batch, *pool); },
            [this, pending, pool](std::vector<LocalResult> results) mutable {
                --local_running_;
                pools_.keep(std::move(pool));
                local_busy_.erase(pending->batch.user);
                bool stored = false;
                for (std::size_t i = 0; i < pending->owners.size() && i < results.size(); ++i) {
                    auto& [run, address] = pending->owners[i];
                    auto& r = results[i];
                    stored = stored || (r.outcome == LocalOutcome::Delivered && !r.duplicate);
                    if (r.duplicate) log::info("duplicate_skipped", {log::qid(run->planned.entry.id), {"to", address}});
                    run->outcomes.push_back({address, to_outcome(r.outcome), std::move(r.reply), {}, false, false});
                    part_done(run);
                }
                if (stored) {
                    (void)net::send_wakeup(net::wakeup_endpoint(stores_->data_dir, net::WakeupListener::Imapd),
                                           pending->batch.user);
                }
                pump_local();
            });
    }
}

void QueueRunner::part_done(const std::shared_ptr<EntryRun>& run) {
    if (--run->outstanding == 0) finish(run);
}

void QueueRunner::finish(std::shared_ptr<EntryRun> run) {
    if (stopped_) return;
    finish_waiting_.push_back(std::move(run));
    if (!finishing_) start_finishing();
}

void QueueRunner::start_finishing() {
    if (stopped_ || finish_waiting_.empty()) return;
    finishing_ = true;
    auto runs = std::make_shared<std::vector<std::shared_ptr<EntryRun>>>(std::move(finish_waiting_));
    finish_waiting_.clear();
    auto stores = stores_;
    const RunSettings settings = settings_;
    const std::int64_t t = now();
    net::run_off_loop(
        loop_, std::weak_ptr<void>(alive_),
        [stores, settings, runs, t] {
            std::vector<FinishJob> jobs;
            jobs.reserve(runs->size());
            for (const auto& r : *runs) jobs.push_back({&r->planned, &r->outcomes});
            return finish_entries(*stores, settings, jobs, t);
        },
        [this, runs](std::vector<FinishSummary> summaries) {
            finishing_ = false;
            entries_in_flight_ -= runs->size();
            bool notices = false;
            for (const auto& s : summaries) notices = notices || s.notice_queued;
            if (notices || rescan_) wake();
            start_finishing();
        });
}

}  // namespace mr::deliverd
