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

#include "imapd/session/session.hpp"
#include "imapd/session/flags.hpp"
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
    if (!done.updates || !in<Selected>()) return acts;
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
        for (auto& a : poll_updates([held = std::move(held)] { return held; }, done.allow_expunge))
            acts.push_back(std::move(a));
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
// \Recent claim on new mail, when there is some (changes that end above `last_uid`).
std::optional<storage::RecentClaim> claim_new(storage::MailboxStore& store, const std::string& box,
                                              const Result<storage::Changes>& changes, std::uint32_t last_uid,
                                              bool claim) {
    if (!changes) return std::nullopt;
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
                    claim = !view->read_only](storage::MailboxStore& store) {
            StoreResume next = inner(store);
            if (!next) return next;
            auto pre = std::make_shared<PrefetchedUpdates>(PrefetchedUpdates{key, store.changes_since(key.box, key.since), std::nullopt});
            pre->claimed = claim_new(store, key.box, pre->changes, key.last_uid, claim);
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
    if (prefetched && prefetched->key == updates_key(*view) && prefetched->changes)
        return report_updates(prefetched->changes, prefetched->claimed, allow_expunge, finish);
    // The command changed the view after all: asked again below; what the prefetch
    // claimed is this session's whatever the store says now.
    if (prefetched && prefetched->claimed) add_recent(*selected(), *prefetched->claimed);
    return async({StoreJob{[this, box = view->mailbox, since = view->modseq, last_uid, claim = !view->read_only,
                            allow_expunge, finish = std::move(finish)](storage::MailboxStore& store) {
        auto changes = store.changes_since(box, since);
        std::optional<storage::RecentClaim> claimed = claim_new(store, box, changes, last_uid, claim);
        return StoreResume([this, changes = std::move(changes), claimed, allow_expunge, finish]() {
            return report_updates(changes, claimed, allow_expunge, finish);
        });
    }, view->owner}});
}

// The untagged responses for `changes` (and the session's view brought up to date), then
// `finish`'s actions.
Actions Session::report_updates(const Result<storage::Changes>& changes, std::optional<storage::RecentClaim> claimed,
                                bool allow_expunge, const std::function<Actions()>& finish) {
    Actions acts;
    Selected* sel = selected();
    if (changes && sel) {
        const auto& ch = changes.value();
        auto& uids = sel->uids;
        auto& withheld = sel->withheld_expunges;
        auto& own = sel->own_modseqs;
        std::string out;
        withheld.insert(withheld.end(), ch.expunged.begin(), ch.expunged.end());
        if (allow_expunge && !withheld.empty()) {
            std::sort(withheld.begin(), withheld.end());
            out += sel->report_expunged(withheld);
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
                if (condstore_) out += "UID " + std::to_string(m.uid) + " ";  // rfc7162.txt:1422
                out += "FLAGS ";
                append_flag_list(out, m.flags, m.keywords, sel->recent.contains(m.uid));
                if (condstore_) out += " MODSEQ (" + std::to_string(m.modseq) + ")";
                out += ")\r\n";
            }
        }
        if (added) {
            out += "* " + std::to_string(uids.size()) + " EXISTS\r\n";
            out += sel->recent_response();
        }
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
    if (idle_tag_.empty() || busy_ || !in<Selected>()) return {};
    return poll_updates([] { return Actions{}; }, true);
}

}  // namespace mr::imapd::session
