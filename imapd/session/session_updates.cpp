// Updates from other sessions, POP3 and deliveries (RFC 3501 §5.2, rfc3501.txt:1138;
// §7.4.1, rfc3501.txt:4053; IDLE RFC 2177): the store's changes since the last MODSEQ
// this session reported become untagged EXPUNGE / FETCH FLAGS / EXISTS / RECENT, sent
// before the tagged reply of every command in the selected state (complete()) and during
// IDLE (on_idle_tick(), called by the glue on a wake-up and on a slow timer).
//
// Invariants (with session.hpp's):
// - Message numbers stay consistent: an EXPUNGE is only sent where allowed, and a
//   withheld one keeps its message in Selected::uids (so EXISTS counts stay right) until the
//   next command that may send it; it is then sent in UID order with renumbering.
// - New messages (UIDs above the view's last) are appended to the view in UID order and
//   announced with one EXISTS and one RECENT; known ones whose MODSEQ is not one of this
//   session's own changes get FETCH (FLAGS ...). Keywords the session has not announced
//   yet get a FLAGS response first (flags.hpp, announce_keywords).
// - The tagged reply of a command is always the last line this session sends for it.
#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "imapd/session/context_updates.hpp"
#include "imapd/session/flags.hpp"
#include "imapd/session/notify_watch.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

bool fetch_sets_seen(const FetchCmd& c) {
    return std::any_of(c.items.begin(), c.items.end(), fetch_item_sets_seen);
}

// What poll_updates' store job reads depends on these alone.
struct UpdatesKey {
    std::string box;
    std::uint64_t since = 0;
    std::uint32_t last_uid = 0;
    bool operator==(const UpdatesKey&) const = default;
};

UpdatesKey updates_key(const Selected& view) {
    return {view.mailbox, view.modseq, view.uids.empty() ? 0 : view.uids.back()};
}

}  // namespace

std::string Selected::recent_response() const {
    return "* " + std::to_string(recent.empty() ? 0 : recent.positions_in(uids).size()) + " RECENT\r\n";
}

void Session::begin_command(const Command& cmd) {
    in_progress_ = {};
    prefetched_.reset();
    in_progress_.active = true;
    in_progress_.tag = cmd.tag;
    const Selected* view = selected();
    const bool selected = view != nullptr;
    const bool read_only = view && view->read_only;
    // Which commands report updates and which hold EXPUNGE back (rfc3501.txt:4053): the
    // command table's rule (command_table.hpp).
    in_progress_.updates = selected && !cmd.spec->skips_updates;
    in_progress_.allow_expunge = cmd.spec->allows_expunge();
    if (view) in_progress_.changed_owner = view->owner;
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, FetchCmd>) {
                in_progress_.changes_store = selected && !read_only && fetch_sets_seen(c);
            } else if constexpr (std::is_same_v<T, CloseCmd>) {
                in_progress_.changes_store = selected && !read_only;
            } else if constexpr (std::is_same_v<T, CreateCmd> || std::is_same_v<T, DeleteCmd> ||
                                 std::is_same_v<T, RenameCmd> || std::is_same_v<T, SubscribeCmd>) {
                in_progress_.names_change = true;
            } else {
                in_progress_.changes_store = std::is_same_v<T, StoreCmd> || std::is_same_v<T, ExpungeCmd> ||
                                             std::is_same_v<T, CopyCmd> || std::is_same_v<T, AppendCmd>;
            }
        },
        cmd.args);
}

Actions Session::complete(Actions acts) {
    if (busy_ && in_progress_.active && in_progress_.updates) prefetch_updates(acts);
    if (busy_ || !in_progress_.active) return acts;
    const InProgress done = std::exchange(in_progress_, {});
    if (done.changes_store) {
        // Built anew rather than insert()ed at the front: GCC 12 -O3 sees a null
        // dereference in the variant's move there that cannot happen.
        Actions first;
        first.reserve(acts.size() + 1);
        first.push_back(Action{Changed{done.changed_owner}});
        std::move(acts.begin(), acts.end(), std::back_inserter(first));
        acts = std::move(first);
    }
    // NOTIFY: what this session changed itself is not told back (RFC 5465 §5, rfc5465.txt:428).
    const bool resync = notify_ && notify_->watches_mailboxes() && (done.changes_store || done.names_change);
    const bool poll_selected = done.updates && in<Selected>();
    if (!poll_selected && !resync) return acts;
    // Split off the tagged reply (and whatever follows it): the updates go before it. It is
    // the last line of the last Send that has one starting with the tag (a Close may follow).
    const std::string prefix = done.tag + " ";
    for (std::size_t i = acts.size(); i-- > 0;) {
        auto* send = std::get_if<Send>(&acts[i].v);
        if (!send || send->bytes.size() < 2) continue;
        const std::size_t prev = send->bytes.rfind("\r\n", send->bytes.size() - 3);
        const std::size_t start = prev == std::string::npos ? 0 : prev + 2;
        if (send->bytes.compare(start, prefix.size(), prefix) != 0) continue;
        Actions held;
        held.push_back({Send{send->bytes.substr(start)}});
        for (std::size_t j = i + 1; j < acts.size(); ++j) held.push_back(std::move(acts[j]));
        send->bytes.resize(start);
        if (send->bytes.empty()) acts.resize(i);
        else acts.resize(i + 1);
        std::function<Actions()> finish = [held = std::move(held)] { return held; };
        if (resync) finish = [this, finish] { return poll_mailboxes(finish, false); };
        for (auto& a : poll_selected ? poll_updates(finish, done.allow_expunge) : finish()) acts.push_back(std::move(a));
        return acts;
    }
    return acts;
}

struct Session::PrefetchedUpdates {
    UpdatesKey key;
    Result<storage::Changes> changes;
    // New mail was there: claimed for this session (peeked at by an EXAMINE one) in the
    // same job, which spares the poll a second store job (issue 18's stress load).
    std::optional<storage::RecentClaim> claimed;
};

namespace {

// What poll_updates' job and the prefetch ask of the store besides the changes: the
// \Recent claim on new mail, when there is some (changes that end above `last_uid`) and
// the session reports \Recent at all (`recent`: not in IMAP4rev2).
std::optional<storage::RecentClaim> claim_new(storage::MailboxStore& store, const std::string& box,
                                              const Result<storage::Changes>& changes, std::uint32_t last_uid,
                                              bool claim, bool recent) {
    if (!recent || !changes) return std::nullopt;
    const auto& changed = changes.value().changed;
    if (changed.empty() || changed.back().uid <= last_uid) return std::nullopt;
    // New mail: this session is the first to be told of whatever nobody claimed (an
    // EXAMINEd one sees it as \Recent without claiming it).
    auto c = claim ? store.claim_recent(box) : store.peek_recent(box);
    if (!c) return std::nullopt;
    return c.value();
}

void add_recent(Selected& sel, const storage::RecentClaim& claimed) {
    if (claimed.first >= claimed.end) return;
    std::vector<NumberRange> ranges = sel.recent.ranges();
    ranges.push_back({claimed.first, claimed.end - 1});
    sel.recent = NumberSet(std::move(ranges));
}

}  // namespace

void Session::prefetch_updates(Actions& acts) {
    const Selected* view = selected();
    if (!view) return;
    for (auto& a : acts) {
        auto* job = std::get_if<StoreJob>(&a.v);
        if (!job) continue;
        job->job = [this, inner = std::move(job->job), key = updates_key(*view),
                    claim = !view->read_only, recent = mode_.reports_recent()](storage::MailboxStore& store) {
            StoreResume next = inner(store);
            if (!next) return next;
            auto pre = std::make_shared<PrefetchedUpdates>(PrefetchedUpdates{key, store.changes_since(key.box, key.since), std::nullopt});
            pre->claimed = claim_new(store, key.box, pre->changes, key.last_uid, claim, recent);
            return StoreResume([this, next = std::move(next), pre = std::move(pre)] {
                prefetched_ = pre;
                return next();
            });
        };
    }
}

// A store job that reports what changed, then `finish` (the tagged reply, or nothing
// during IDLE).
Actions Session::poll_updates(std::function<Actions()> finish, bool allow_expunge) {
    const Selected* view = selected();
    const auto prefetched = std::exchange(prefetched_, nullptr);
    if (!view) return finish();
    const std::uint32_t last_uid = view->uids.empty() ? 0 : view->uids.back();
    UpdateInputs inputs = update_inputs(*view, notify_.get(), allow_expunge);
    // Contexts and NOTIFY's fetches need the store again, so the prefetch serves only
    // without them.
    if (!inputs.wanted() && prefetched && prefetched->key == updates_key(*view) && prefetched->changes)
        return report_updates(prefetched->changes, prefetched->claimed, allow_expunge, finish);
    // Not used (the command changed the view after all, or the store is asked again for
    // the extras): what the prefetch claimed is this session's whatever the store says now.
    if (prefetched && prefetched->claimed) add_recent(*selected(), *prefetched->claimed);
    return async({StoreJob{[this, box = view->mailbox, since = view->modseq, last_uid, claim = !view->read_only,
                            recent = mode_.reports_recent(), allow_expunge, finish = std::move(finish),
                            inputs = std::move(inputs)](storage::MailboxStore& store) {
        auto changes = store.changes_since(box, since);
        auto extras = std::make_shared<UpdateExtras>();
        if (changes) *extras = read_update_extras(store, box, changes.value(), inputs);
        std::optional<storage::RecentClaim> claimed = claim_new(store, box, changes, last_uid, claim, recent);
        return StoreResume([this, changes = std::move(changes), claimed, allow_expunge, finish, extras]() {
            return report_updates(changes, claimed, allow_expunge, finish, extras.get());
        });
    }, view->owner}});
}

// The untagged responses for `changes` (and the session's view brought up to date), then
// `finish`'s actions.
Actions Session::report_updates(const Result<storage::Changes>& changes, std::optional<storage::RecentClaim> claimed,
                                bool allow_expunge, const std::function<Actions()>& finish,
                                const UpdateExtras* extras) {
    Actions acts;
    Selected* sel = selected();
    if (changes && sel) {
        const auto& ch = changes.value();
        auto& uids = sel->uids;
        auto& withheld = sel->withheld_expunges;
        auto& own = sel->own_modseqs;
        std::string out;
        // Message numbers as the client knows them at this point of the report.
        const NumberOf seq_now = [sel](std::uint32_t uid) {
            return static_cast<std::uint32_t>(std::lower_bound(sel->uids.begin(), sel->uids.end(), uid) -
                                              sel->uids.begin() + 1);
        };
        const NumberOf uid_itself = [](std::uint32_t uid) { return uid; };
        auto number_for = [&](const UpdateContext& c) -> const NumberOf& { return c.uid ? uid_itself : seq_now; };
        const ContextVerdicts* no_verdicts = nullptr;
        auto verdicts_of = [&](const UpdateContext& c) {
            if (!extras) return no_verdicts;
            for (const auto& v : extras->verdicts)
                if (v.tag == c.tag) return &v;
            return no_verdicts;
        };
        withheld.insert(withheld.end(), ch.expunged.begin(), ch.expunged.end());
        if (allow_expunge && !withheld.empty()) {
            std::sort(withheld.begin(), withheld.end());
            out += sel->report_expunged(withheld);  // with the contexts' REMOVEFROM first
            withheld.clear();
        }
        if (claimed) add_recent(*sel, *claimed);
        std::size_t added = 0;
        for (const auto& m : ch.changed) {
            if (uids.empty() || m.uid > uids.back()) {
                // New messages' keywords too: the client may FETCH their FLAGS next.
                out += announce_keywords(sel->keywords, m.keywords, sel->read_only);
                uids.push_back(m.uid);
                ++added;
                continue;
            }
            if (std::find(own.begin(), own.end(), m.modseq) != own.end()) continue;
            auto it = std::lower_bound(uids.begin(), uids.end(), m.uid);
            if (it != uids.end() && *it == m.uid) {
                out += announce_keywords(sel->keywords, m.keywords, sel->read_only);
                out += "* " + std::to_string(it - uids.begin() + 1) + " FETCH (";
                // rfc7162.txt:1422; NOTIFY's FlagChange: "MUST include UID" (RFC 5465 §5.1);
                // IMAP4rev2: every unsolicited FETCH has UID (RFC 9051 Appendix E item 21,
                // rfc9051.txt:8082).
                if (condstore_ || notify_ || mode_.rev2) out += "UID " + std::to_string(m.uid) + " ";
                out += "FLAGS ";
                append_flag_list(out, m.flags, m.keywords, sel->recent.contains(m.uid));
                if (condstore_) out += " MODSEQ (" + std::to_string(m.modseq) + ")";
                out += ")\r\n";
            }
        }
        // Known messages that changed join or leave the contexts (after their FETCH, RFC
        // 5465 §5.1); new ones join after the EXISTS that numbers them (RFC 5267 §4.3.3).
        const std::uint32_t known_last = uids.size() > added ? uids[uids.size() - added - 1] : 0;
        for (auto& c : sel->contexts) {
            const ContextVerdicts* v = verdicts_of(c);
            if (!v) continue;
            std::vector<std::uint32_t> leaving;
            for (std::uint32_t uid : v->failing)
                if (uid <= known_last && is_member(c, uid)) leaving.push_back(uid);
            out += remove_members(c, leaving, number_for(c));
            std::vector<SortEntry> joining;
            for (const auto& e : v->matching)
                if (e.position <= known_last && std::binary_search(uids.begin(), uids.end(), e.position) &&
                    !is_member(c, e.position))
                    joining.push_back(e);
            out += add_members(c, std::move(joining), number_for(c));
        }
        if (added) {
            out += "* " + std::to_string(uids.size()) + " EXISTS\r\n";
            if (mode_.reports_recent()) out += sel->recent_response();
            if (extras) out += extras->new_fetch;  // RFC 5465 §7: EXISTS, FETCH, then ESEARCH
            for (auto& c : sel->contexts) {
                const ContextVerdicts* v = verdicts_of(c);
                if (!v) continue;
                std::vector<SortEntry> joining;
                for (const auto& e : v->matching)
                    if (e.position > known_last && !is_member(c, e.position)) joining.push_back(e);
                out += add_members(c, std::move(joining), number_for(c));
            }
        }
        if (extras && extras->overflow && notify_) out += notify_overflow();
        sel->modseq = std::max(sel->modseq, ch.highestmodseq);
        std::erase_if(own, [sel](std::uint64_t m) { return m <= sel->modseq; });
        if (!out.empty()) acts.push_back({Send{std::move(out)}});
    }
    for (auto& a : finish()) acts.push_back(std::move(a));
    return acts;
}

Actions Session::on_idle_keepalive() {
    if (idle_tag_.empty() || busy_) return {};
    return {{Send{line("* OK Still here")}}};
}

Actions Session::on_idle_tick() {
    if (idle_tag_.empty() || busy_) return {};
    if (!in<Selected>()) return notify_ ? push_updates([] { return Actions{}; }, true) : Actions{};
    return notify_ ? push_updates([] { return Actions{}; }, true) : poll_updates([] { return Actions{}; }, true);
}

Actions Session::on_wake() {
    if (busy_ || in_progress_.active) return {};
    if (!idle_tag_.empty()) return on_idle_tick();
    // Between commands: NOTIFY SELECTED sends expunges at once, SELECTED-DELAYED and the
    // contexts alone wait for a command that may (RFC 5465 §6.1.2; RFC 3501 §7.4.1).
    const bool expunge_now = notify_ && notify_->selected && !notify_->selected_delayed &&
                             notify_->selected_events.message_expunge;
    return push_updates([] { return Actions{}; }, expunge_now);
}

Actions Session::push_updates(std::function<Actions()> finish, bool allow_expunge) {
    const Selected* sel = selected();
    const bool idle = !idle_tag_.empty();
    const bool selected_events = sel && (idle || !sel->contexts.empty() ||
                                         (notify_ && notify_->selected && notify_->selected_events.any()));
    if (notify_ && notify_->watches_mailboxes()) {
        finish = [this, finish = std::move(finish)] { return poll_mailboxes(finish, true); };
    }
    if (selected_events) return poll_updates(std::move(finish), allow_expunge);
    return finish();
}

}  // namespace mr::imapd::session
