#include "deliverd/queue_work.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

#include "common/log/log.hpp"
#include "common/metrics/counters.hpp"
#include "common/mailauth/srs.hpp"
#include "common/text/ascii.hpp"
#include "deliverd/dsn.hpp"
#include "deliverd/router.hpp"
#include "storage/srs_key.hpp"

namespace mr::deliverd {

namespace {

Lookup to_lookup(storage::Resolution r) {
    switch (r.kind) {
        case storage::Resolution::LocalUser: return {Lookup::User, std::move(r.user_address), {}};
        case storage::Resolution::Alias: return {Lookup::Alias, {}, std::move(r.targets)};
        case storage::Resolution::NotLocal: return {Lookup::NotLocal, {}, {}};
        case storage::Resolution::NotFound: break;
    }
    return {Lookup::NotFound, {}, {}};
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    return text::to_lower(at == std::string_view::npos ? std::string_view{} : address.substr(at + 1));
}

bool has_8bit(std::string_view bytes) {
    return std::any_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

const storage::QueueRecipient* find_recipient(const storage::QueueEntry& e, std::string_view address) {
    for (const auto& r : e.recipients) {
        if (r.address == address) return &r;
    }
    return nullptr;
}

class Planner {
public:
    Planner(Stores& s, PlannedEntry& p, std::int64_t now, const ForwardSealer* sealer)
        : stores_(s), p_(p), now_(now), sealer_(sealer) {}

    void route_recipient(const storage::QueueRecipient& rcpt) {
        const LookupFn lookup = [this](std::string_view a) { return resolve(a); };
        auto rt = route(rcpt.address, lookup);
        if (!rt) {
            temp_fail(rcpt.address, "451 4.3.0 directory lookup failed: " + rt.error().message);
            return;
        }
        const bool self_loop = rt->targets.size() == 1 && text::iequals(rt->targets[0].address, rcpt.address);
        if (!rt->expanded || self_loop) {
            dispatch(rcpt.address, rt->targets.front(), rcpt.forwarded_by);
            return;
        }
        // The alias becomes final and its targets become recipients of their own, so
        // each target is retried, bounced and reported on separately from now on.
        std::vector<storage::QueueRecipient> added;
        std::vector<const RouteTarget*> routes;   // added[i]'s
        std::vector<storage::QueueRecipient> off_site;  // forwarded: a sealed copy's, if it can be
        std::vector<const RouteTarget*> off_site_routes;  // off_site[i]'s
        std::string note = "alias expanded to";
        for (const auto& t : rt->targets) {
            storage::QueueRecipient q;
            q.address = t.address;
            q.dsn_notify = rcpt.dsn_notify;
            q.orcpt = rcpt.orcpt.empty() ? "rfc822;" + rcpt.address : rcpt.orcpt;
            if (t.forwarded) q.forwarded_by = rcpt.address;
            note += " " + t.address;
            const bool sealable = sealer_ != nullptr && t.kind == RouteTarget::Remote && t.forwarded &&
                                  find_recipient(p_.entry, t.address) == nullptr;
            if (sealable) {
                off_site.push_back(std::move(q));
                off_site_routes.push_back(&t);
                continue;
            }
            added.push_back(std::move(q));
            routes.push_back(&t);
        }
        std::string copy_id;
        if (!off_site.empty()) {
            auto copy = queue_sealed_copy(rcpt.address, off_site);
            if (!copy) {
                temp_fail(rcpt.address, "451 4.3.0 cannot queue the forwarded copy: " + copy.error().message);
                return;
            }
            if (copy->empty()) {  // not sealed: forwarded from this entry like any target
                std::move(off_site.begin(), off_site.end(), std::back_inserter(added));
                routes.insert(routes.end(), off_site_routes.begin(), off_site_routes.end());
            } else {
                copy_id = std::move(*copy);
                note += " (sealed copy " + copy_id + ")";
            }
        }
        if (auto ex = stores_.queue.expand_recipient(p_.entry.id, rcpt.address, added, note); !ex) {
            // The alias is expanded again next time, with a copy of its own then.
            if (!copy_id.empty() && stores_.queue.remove(copy_id)) p_.queued_copy = false;
            temp_fail(rcpt.address, "451 4.3.0 cannot record alias expansion: " + ex.error().message);
            return;
        }
        log::info("expanded", {log::qid(p_.entry.id), {"from", rcpt.address}, {"targets", note.substr(18)}});
        for (auto& r : p_.entry.recipients) {
            if (r.address == rcpt.address) r.state = storage::RecipientState::Delivered;
        }
        for (std::size_t i = 0; i < added.size(); ++i) {
            // An address the entry already had is handled (or was) on its own.
            if (find_recipient(p_.entry, added[i].address) != nullptr) continue;
            p_.entry.recipients.push_back(added[i]);
            dispatch(added[i].address, *routes[i], added[i].forwarded_by);
        }
    }

    void temp_fail(const std::string& address, std::string reply) {
        p_.immediate.push_back({address, OutcomeKind::TempFail, std::move(reply), {}, false, false});
    }

private:
    // The message with our ARC set, queued for `recipients` (forwarded off-site by `alias`)
    // as an entry of its own; its id, or "" when the message is not sealed.
    Result<std::string> queue_sealed_copy(const std::string& alias, std::span<const storage::QueueRecipient> recipients) {
        auto sealed = sealer_->seal(*p_.message, alias, p_.entry.id, now_);
        if (!sealed) return std::string();
        storage::EnqueueParams params;
        params.dsn_ret = p_.entry.dsn_ret;
        params.dsn_envid = p_.entry.dsn_envid;
        auto id = stores_.queue.enqueue(p_.entry.sender, recipients, *sealed, params);
        if (!id) return id.error();
        log::info("forward_queued", {log::qid(p_.entry.id), {"copy", *id}, {"by", alias}});
        p_.queued_copy = true;
        return id;
    }

    // The directory, and SRS addresses of ours: a valid one stands for the address it
    // encodes (ahead of any catch-all, which would swallow bounces), an invalid one is
    // nobody. An exact user keeps its mail whatever its name looks like.
    Result<Lookup> resolve(std::string_view address) {
        auto r = stores_.directory.resolve(address);
        const auto at = address.rfind('@');
        const bool srs = at != std::string_view::npos && mailauth::is_srs_local_part(address.substr(0, at));
        if (!r) {
            // An SRS hash is base64 and may hold '/', which the directory refuses in any
            // stored address: such an address of a domain of ours is still ours to reverse.
            if (!srs || r.error().kind == ErrorKind::Internal) return r.error();
            auto hosted = stores_.directory.has_domain(address.substr(at + 1));
            if (!hosted) return hosted.error();
            if (!*hosted) return Lookup{Lookup::NotLocal, {}, {}};
        } else if (!srs || r->kind == storage::Resolution::LocalUser || r->kind == storage::Resolution::NotLocal) {
            return to_lookup(std::move(*r));
        }
        auto key = srs_key();
        if (!key) return key.error();
        auto original = mailauth::srs_reverse(address, *key, now_);
        if (!original) {
            log::info("srs_refused", {log::qid(p_.entry.id), {"to", address}, {"error", original.error().message}});
            return Lookup{Lookup::NotFound, {}, {}};
        }
        return Lookup{Lookup::Reversed, {}, {std::move(*original)}};
    }

    Result<std::string> srs_key() {
        if (!stores_.srs_key) {
            auto k = storage::load_or_create_srs_key(stores_.data_dir);
            if (!k) return Error::internal("SRS key: " + k.error().message);
            stores_.srs_key = std::move(*k);
        }
        return *stores_.srs_key;
    }

    // The envelope sender for a remote recipient. Forwarded by an alias of ours: the SRS
    // form for the alias's domain, so SPF passes at the destination. Not rewritten: the
    // null sender (a bounce stays a bounce) and senders of our own domains (SPF already
    // passes for them, and an SRS address of ours is already in the scheme's form).
    void dispatch_remote(const std::string& address, const std::string& forwarded_by) {
        const std::string& sender = p_.entry.sender;
        if (forwarded_by.empty() || sender.empty()) {
            p_.remote[{domain_of(address), sender}].push_back(address);
            return;
        }
        const std::string forward_domain = domain_of(forwarded_by);
        const std::string sender_domain = domain_of(sender);
        auto ours = stores_.directory.has_domain(sender_domain);
        if (!ours) {
            temp_fail(address, "451 4.3.0 directory lookup failed: " + ours.error().message);
            return;
        }
        if (*ours || sender_domain == forward_domain) {
            p_.remote[{domain_of(address), sender}].push_back(address);
            return;
        }
        auto key = srs_key();
        if (!key) {
            temp_fail(address, "451 4.3.0 " + key.error().message);
            return;
        }
        auto srs = mailauth::srs_forward(sender, forward_domain, *key, now_);
        if (!srs) {
            p_.immediate.push_back({address, OutcomeKind::PermFail,
                                    "550 5.7.0 not forwarded: <" + forwarded_by + "> would send this on to <" + address +
                                        ">, but the sender <" + sender + "> has no SRS form (" + srs.error().message +
                                        "), and without it the mail would fail SPF there",
                                    {}, false, false});
            return;
        }
        p_.remote[{domain_of(address), std::move(*srs)}].push_back(address);
    }

    void dispatch(const std::string& address, const RouteTarget& t, const std::string& forwarded_by) {
        switch (t.kind) {
            case RouteTarget::Failed:
                p_.immediate.push_back({address, OutcomeKind::PermFail, t.reply, {}, false, false});
                return;
            case RouteTarget::Remote:
                dispatch_remote(address, forwarded_by);
                return;
            case RouteTarget::Local: break;
        }
        auto user = stores_.directory.find_user(t.user);
        if (!user) {
            temp_fail(address, "451 4.3.0 directory lookup failed: " + user.error().message);
            return;
        }
        if (!*user) {  // removed between resolve and here
            p_.immediate.push_back({address, OutcomeKind::PermFail, "550 5.1.1 <" + address + ">: no such user here",
                                    {}, false, false});
            return;
        }
        p_.local.push_back({address, t.user, storage::user_mail_dir(stores_.data_dir, t.user), (*user)->quota_bytes});
    }

    Stores& stores_;
    PlannedEntry& p_;
    std::int64_t now_;
    const ForwardSealer* sealer_;
};

}  // namespace

Result<std::vector<PlannedEntry>> plan_batch(Stores& stores, std::int64_t now, std::int64_t lease_s,
                                             std::size_t limit, const ForwardSealer* sealer) {
    std::lock_guard lock(stores.mutex);
    auto leased = stores.queue.lease_due(now, lease_s, limit);
    if (!leased) return leased.error();
    std::vector<PlannedEntry> out;
    out.reserve(leased->size());
    for (auto& e : *leased) {
        PlannedEntry p;
        p.entry = std::move(e);
        std::vector<storage::QueueRecipient> due;
        for (const auto& r : p.entry.recipients) {
            const bool open = r.state == storage::RecipientState::Pending || r.state == storage::RecipientState::Deferred;
            if (open && r.next_attempt <= now) due.push_back(r);
        }
        Planner planner(stores, p, now, sealer);
        auto bytes = stores.queue.read_message(p.entry.id);
        if (!bytes) {
            log::error("queue_read_failed", {log::qid(p.entry.id), {"error", bytes.error().message}});
            p.message = std::make_shared<const std::string>();
            for (const auto& r : due) planner.temp_fail(r.address, "451 4.3.0 cannot read queued message");
            out.push_back(std::move(p));
            continue;
        }
        p.has_8bit = has_8bit(*bytes);
        p.message = std::make_shared<const std::string>(std::move(*bytes));
        for (const auto& r : due) {
            if (r.bounce_requested) {
                p.immediate.push_back({r.address, OutcomeKind::PermFail,
                                       "550 5.0.0 message deleted from the queue by the postmaster", {}, false, false});
            } else {
                planner.route_recipient(r);
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

namespace {

struct Decision {
    const RecipientOutcome* outcome;
    storage::RecipientUpdate update;
};

// What one finished entry changes: recipient updates, and a notice if one is due.
struct EntryFinish {
    std::vector<Decision> decisions;
    std::optional<std::string> notice;
    FinishSummary summary;
};

EntryFinish decide(const RunSettings& settings, const PlannedEntry& planned,
                   const std::vector<RecipientOutcome>& outcomes, std::int64_t now) {
    const auto& entry = planned.entry;
    const auto& sched = settings.schedule;
    EntryFinish f;
    std::vector<DsnRecipient> reports;
    for (const auto& o : outcomes) {
        const auto* qr = find_recipient(entry, o.address);
        const std::string notify = qr ? qr->dsn_notify : "";
        const std::string orcpt = qr ? qr->orcpt : "";
        storage::RecipientUpdate u{entry.id, o.address, storage::RecipientState::Failed, 0, o.reply, false};
        if (o.kind == OutcomeKind::Delivered) {
            u.state = storage::RecipientState::Delivered;
            u.error.clear();
            const DsnAction action = o.remote ? DsnAction::Relayed : DsnAction::Delivered;
            if (!o.remote_dsn && should_notify(entry.sender, notify, action)) {
                reports.push_back({o.address, orcpt, action, o.reply, o.remote_host, 0});
            }
            ++f.summary.delivered;
        } else if (o.kind == OutcomeKind::TempFail && !expired(sched, entry.received, now)) {
            u.state = storage::RecipientState::Deferred;
            u.next_attempt = next_attempt(sched, entry.received, now, qr ? qr->attempts : 0);
            if (delay_warning_due(sched, entry.received, now) && !(qr && qr->delay_warned) &&
                should_notify(entry.sender, notify, DsnAction::Delayed)) {
                u.warned = true;
                reports.push_back({o.address, orcpt, DsnAction::Delayed, o.reply, o.remote_host,
                                   entry.received + sched.lifetime_s});
            }
            ++f.summary.deferred;
        } else {
            if (o.kind == OutcomeKind::TempFail) {
                u.error = o.reply + " (gave up: message was queued for " + std::to_string(now - entry.received) + " s)";
            }
            if (should_notify(entry.sender, notify, DsnAction::Failed)) {
                reports.push_back({o.address, orcpt, DsnAction::Failed, u.error, o.remote_host, 0});
            }
            ++f.summary.failed;
        }
        f.decisions.push_back({&o, std::move(u)});
    }
    if (!reports.empty()) {
        DsnInput in;
        in.reporting_mta = settings.hostname;
        in.original_sender = entry.sender;
        in.queue_id = entry.id;
        in.envid = entry.dsn_envid;
        in.ret = entry.dsn_ret;
        in.arrival = entry.received;
        in.now = now;
        in.boundary = "=_mailroom_" + entry.id + "_" + std::to_string(now);
        in.recipients = std::move(reports);
        in.original = *planned.message;
        f.notice = compose_dsn(in);
    }
    return f;
}

void log_decision(const storage::QueueEntry& entry, const Decision& d, std::int64_t now) {
    const auto& o = *d.outcome;
    switch (d.update.state) {
        case storage::RecipientState::Delivered:
            metrics::add(metrics::Slot::Delivered);
            metrics::observe_latency(static_cast<double>(now - entry.received));
            log::info("delivered", {log::qid(entry.id), {"to", o.address}, {"relay", o.remote ? o.remote_host : "local"},
                                    {"reply", o.reply}});
            break;
        case storage::RecipientState::Deferred:
            metrics::add(metrics::Slot::Deferred);
            log::info("deferred", {log::qid(entry.id), {"to", o.address}, {"reply", o.reply},
                                   {"retry_in", d.update.next_attempt - now}});
            break;
        default:
            metrics::add(metrics::Slot::Bounced);
            log::info("failed", {log::qid(entry.id), {"to", o.address}, {"reply", d.update.error}});
            break;
    }
}

}  // namespace

std::vector<FinishSummary> finish_entries(Stores& stores, const RunSettings& settings,
                                          std::span<const FinishJob> jobs, std::int64_t now) {
    std::vector<EntryFinish> finishes;
    finishes.reserve(jobs.size());
    for (const auto& j : jobs) finishes.push_back(decide(settings, *j.planned, *j.outcomes, now));

    std::vector<storage::EnqueueRequest> notices;
    std::vector<std::size_t> notice_owner;
    std::vector<storage::QueueRecipient> notice_to(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (!finishes[i].notice) continue;
        notice_to[i].address = jobs[i].planned->entry.sender;
        notices.push_back({"", {notice_to[i]}, *finishes[i].notice, {}});
        notice_owner.push_back(i);
    }

    std::lock_guard lock(stores.mutex);
    // Notices are queued before the states change: a crash in between repeats a
    // notice, it never loses one. If they cannot be queued, those entries keep their
    // state and are simply run again later.
    std::vector<bool> skip(jobs.size(), false);
    if (!notices.empty()) {
        auto ids = stores.queue.enqueue_batch(notices);
        for (std::size_t k = 0; k < notice_owner.size(); ++k) {
            const auto& entry = jobs[notice_owner[k]].planned->entry;
            if (ids) {
                finishes[notice_owner[k]].summary.notice_queued = true;
                log::info("notice_queued", {log::qid(entry.id), {"notice", (*ids)[k]}, {"to", entry.sender}});
            } else {
                skip[notice_owner[k]] = true;
                log::error("notice_failed", {log::qid(entry.id), {"error", ids.error().message}});
            }
        }
    }
    std::vector<storage::RecipientUpdate> updates;
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        ids.push_back(jobs[i].planned->entry.id);
        if (skip[i]) continue;
        for (const auto& d : finishes[i].decisions) updates.push_back(d.update);
    }
    auto removed = stores.queue.apply_updates(updates, ids);
    if (!removed) {
        log::error("queue_update_failed", {{"entries", jobs.size()}, {"error", removed.error().message}});
    }
    std::vector<FinishSummary> out;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& entry = jobs[i].planned->entry;
        if (removed && !skip[i]) {
            for (const auto& d : finishes[i].decisions) log_decision(entry, d, now);
            for (const auto& r : *removed) finishes[i].summary.removed = finishes[i].summary.removed || r == entry.id;
        }
        out.push_back(finishes[i].summary);
    }
    return out;
}

FinishSummary finish_entry(Stores& stores, const RunSettings& settings, const PlannedEntry& planned,
                           const std::vector<RecipientOutcome>& outcomes, std::int64_t now) {
    const FinishJob job{&planned, &outcomes};
    return finish_entries(stores, settings, std::span<const FinishJob>(&job, 1), now).front();
}

}  // namespace mr::deliverd
