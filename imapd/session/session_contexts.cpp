// CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): RETURN (UPDATE) contexts, CANCELUPDATE,
// and what a poll reads for them (context_updates.hpp).
//
// Invariants (with search_context.hpp's):
// - A context lives in the Selected view: closing or changing the view ends it (rfc5267:
//   "Updates will cease when the mailbox is no longer selected").
// - A tag names one context; UPDATE under a tag in use is BAD (RFC 5267 §4.3: "SHALL result in
//   the server rejecting the searching command with a BAD response").
// - At most kMaxContexts per view; beyond, the search is answered and its UPDATE refused
//   with "* NO [NOUPDATE "tag"]" (RFC 5267 §4.3.1), its other return options honoured.
// - A message's membership is decided by the context's search key over the message as the
//   store has it when the poll runs; a message that changed is decided again, one that did
//   not keeps its place. The messages' sort keys never change (they come from the message
//   bytes and its arrival), so a SORT member never moves.
#include <algorithm>
#include <utility>

#include "imapd/session/context_updates.hpp"
#include "imapd/session/fetch_job.hpp"
#include "imapd/session/notify_watch.hpp"
#include "imapd/session/search_run.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

// Contexts per view: each costs a search per change of the mailbox.
constexpr std::size_t kMaxContexts = 8;

// `a` with the items of `b` it lacks (one FETCH response for both, RFC 5465 §5.2).
void add_items(std::vector<FetchItem>& a, const std::vector<FetchItem>& b) {
    for (const auto& i : b) {
        const bool has = std::any_of(a.begin(), a.end(), [&](const FetchItem& x) {
            return x.kind == i.kind && x.kind != FetchItem::Kind::BodySection;
        });
        if (!has) a.push_back(i);
    }
}

// FETCH responses for the new messages `recs` with `items`, numbered in `final_view`.
std::string fetch_new(storage::MailboxStore& store, const std::string& box, const storage::MessageRecord& rec,
                      std::vector<FetchItem> items, const std::vector<std::uint32_t>& final_view, const UpdateInputs& in) {
    auto it = std::lower_bound(final_view.begin(), final_view.end(), rec.uid);
    if (it == final_view.end() || *it != rec.uid) return {};
    FetchJob job(box, std::move(items), {{static_cast<std::uint32_t>(it - final_view.begin() + 1), rec.uid}}, false);
    // The report announces the new messages' keywords before their EXISTS.
    std::vector<std::string> keywords = in.keywords;
    for (const auto& k : rec.keywords) {
        auto at = std::lower_bound(keywords.begin(), keywords.end(), k);
        if (at == keywords.end() || *at != k) keywords.insert(at, k);
    }
    job.set_session_flags(in.recent, std::move(keywords), in.read_only);
    std::string out;
    while (true) {
        auto done = job.step(store, out);
        if (!done) return {};  // gone meanwhile, or unreadable: the client can FETCH it
        if (done.value()) return out;
    }
}

}  // namespace

UpdateInputs update_inputs(const Selected& view, const NotifyWatch* notify, bool allow_expunge) {
    UpdateInputs in;
    for (const auto& c : view.contexts) in.contexts.push_back({c.tag, c.key, c.criteria, c.sorted, c.fetch});
    if (notify && notify->selected && notify->selected_events.message_new) in.notify_fetch = notify->selected_events.fetch;
    if (!in.wanted()) return in;
    in.view = view.uids;
    in.withheld = view.withheld_expunges;
    in.allow_expunge = allow_expunge;
    in.recent = view.recent;
    in.saved = view.saved_result;
    in.keywords = view.keywords;
    in.read_only = view.read_only;
    return in;
}

UpdateExtras read_update_extras(storage::MailboxStore& store, const std::string& box, const storage::Changes& changes,
                                const UpdateInputs& in) {
    UpdateExtras x;
    if (!in.wanted() || changes.changed.empty()) return x;
    const auto& changed = changes.changed;
    mime::MessageStructure scratch;
    for (const auto& c : in.contexts) {
        ContextVerdicts v{c.tag, {}, {}};
        const std::vector<bool> match = match_records(store, box, c.key, changed, in.view, in.recent, in.saved);
        for (std::size_t i = 0; i < changed.size(); ++i) {
            if (!match[i]) {
                v.failing.push_back(changed[i].uid);
                continue;
            }
            SortEntry e;
            if (c.sorted) e = sort_entry(changed[i].uid, changed[i], c.criteria, scratch);
            e.position = changed[i].uid;
            v.matching.push_back(std::move(e));
        }
        x.verdicts.push_back(std::move(v));
    }
    // The new messages' numbers once the report is out: the expunges it may send first,
    // then the new messages after the view.
    const std::uint32_t last = in.view.empty() ? 0 : in.view.back();
    auto first_new = std::find_if(changed.begin(), changed.end(), [last](const auto& m) { return m.uid > last; });
    if (first_new == changed.end()) return x;
    if (!in.notify_fetch.empty() && static_cast<std::size_t>(changed.end() - first_new) > kMaxNotifyFetch) {
        x.overflow = true;
        return x;
    }
    std::vector<std::uint32_t> final_view = in.view;
    if (in.allow_expunge) {
        std::erase_if(final_view, [&](std::uint32_t uid) {
            return std::find(in.withheld.begin(), in.withheld.end(), uid) != in.withheld.end() ||
                   std::binary_search(changes.expunged.begin(), changes.expunged.end(), uid);
        });
    }
    for (auto m = first_new; m != changed.end(); ++m) final_view.push_back(m->uid);
    for (auto m = first_new; m != changed.end(); ++m) {
        std::vector<FetchItem> items = in.notify_fetch;
        for (std::size_t c = 0; c < in.contexts.size(); ++c) {
            if (in.contexts[c].fetch.empty()) continue;
            const auto& matching = x.verdicts[c].matching;
            if (std::any_of(matching.begin(), matching.end(), [&](const SortEntry& e) { return e.position == m->uid; }))
                add_items(items, in.contexts[c].fetch);
        }
        if (!items.empty()) x.new_fetch += fetch_new(store, box, *m, std::move(items), final_view, in);
    }
    return x;
}

std::string Session::open_context(UpdateContext context) {
    Selected* sel = selected();
    if (!sel) return {};
    if (sel->contexts.size() >= kMaxContexts)
        return "* NO [NOUPDATE \"" + context.tag + "\"] Too many update contexts; this one is not kept\r\n";
    sel->contexts.push_back(std::move(context));
    return {};
}

Actions Session::cmd_cancelupdate(const std::string& tag, const CancelUpdateCmd& c, Selected& sel) {
    bool unknown = false;
    for (const auto& t : c.tags) {
        const auto n = std::erase_if(sel.contexts, [&](const UpdateContext& ctx) { return ctx.tag == t; });
        unknown = unknown || n == 0;
    }
    if (unknown) return tagged(tag, "NO", "No update context has that tag");
    return tagged(tag, "OK", "CANCELUPDATE completed");
}

}  // namespace mr::imapd::session
