// Selected-state commands: FETCH, STORE, EXPUNGE (and UID EXPUNGE), COPY, MOVE and their
// UID forms (RFC 3501 §6.4, rfc3501.txt:2553; UIDPLUS RFC 4315; MOVE RFC 6851).
//
// Responses are rendered inside store jobs (off the loop). FETCH's come in bounded steps
// with back-pressure (fetch_job.hpp); the others are small and sent at once.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <functional>
#include <memory>
#include <utility>

#include "common/mime/message_structure.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/body_structure.hpp"
#include "imapd/render/envelope.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/render/section.hpp"
#include "imapd/render/wire_form.hpp"
#include "imapd/session/fetch_job.hpp"
#include "imapd/session/flags.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

using storage::MailboxStore;


}  // namespace

Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> Selected::resolve(const SequenceSet& set, bool uid) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    if (set.is_saved_result()) {
        for (std::size_t i : saved_result.positions_in(uids))
            out.emplace_back(static_cast<std::uint32_t>(i + 1), uids[i]);
        return out;
    }
    if (uid) {
        const std::uint32_t largest = uids.empty() ? 0 : uids.back();
        for (std::size_t i : set.resolve(largest).positions_in(uids))
            out.emplace_back(static_cast<std::uint32_t>(i + 1), uids[i]);
        return out;
    }
    const auto count = static_cast<std::uint32_t>(uids.size());
    if (set.max_explicit() > count) return Error::syntax("Invalid message sequence number");  // rfc3501.txt:5009
    for (std::uint32_t n : set.resolve(count).clamped(count)) out.emplace_back(n, uids[n - 1]);
    return out;
}

std::string Session::enable_condstore() {
    if (condstore_) return {};
    condstore_ = true;
    const Selected* sel = selected();
    return sel ? "* OK [HIGHESTMODSEQ " + std::to_string(sel->modseq) + "] Highest\r\n" : std::string();
}

Actions Session::cmd_fetch(const std::string& tag, const FetchCmd& c, Selected& sel) {
    // rfc7162.txt:1697: VANISHED without ENABLE QRESYNC is BAD.
    if (c.vanished && !qresync_) return bad(tag, "VANISHED needs ENABLE QRESYNC");
    auto targets = sel.resolve(c.set, c.uid);
    if (!targets) return bad(tag, targets.error().message);
    std::vector<FetchItem> items = c.items;
    auto has = [&items](FetchItem::Kind k) {
        return std::any_of(items.begin(), items.end(), [k](const FetchItem& i) { return i.kind == k; });
    };
    if (c.uid && !has(FetchItem::Kind::Uid)) items.insert(items.begin(), FetchItem{FetchItem::Kind::Uid, {}});
    // Without "s" a FETCH of a body leaves \Seen alone (RFC 4314 §4).
    const bool mark_seen =
        !sel.read_only && sel.rights.has('s') && std::any_of(items.begin(), items.end(), fetch_item_sets_seen);
    // MODSEQ and CHANGEDSINCE are CONDSTORE enabling commands (rfc7162.txt:377);
    // CHANGEDSINCE implies MODSEQ (rfc7162.txt:877).
    std::string enabling;
    if (c.changed_since || has(FetchItem::Kind::ModSeq)) enabling = enable_condstore();
    if (c.changed_since && !has(FetchItem::Kind::ModSeq)) items.push_back(FetchItem{FetchItem::Kind::ModSeq, {}});
    // rfc7162.txt:1422: a FETCH that sets \Seen reports UID and MODSEQ once CONDSTORE is on.
    if (condstore_ && mark_seen) {
        if (!has(FetchItem::Kind::Uid)) items.insert(items.begin(), FetchItem{FetchItem::Kind::Uid, {}});
        if (!has(FetchItem::Kind::ModSeq)) items.push_back(FetchItem{FetchItem::Kind::ModSeq, {}});
    }
    std::vector<FetchTarget> t;
    t.reserve(targets.value().size());
    for (const auto& [seq, uid] : targets.value()) t.push_back(FetchTarget{seq, uid});
    // The responses come in bounded steps (fetch_job.hpp): each step is a store job; the
    // glue runs a store job only once the connection has drained, which bounds memory per
    // session.
    auto run = std::make_shared<FetchRun>(tag, sel.mailbox, std::move(items), std::move(t), mark_seen);
    if (c.changed_since) run->job.only_changed_since(*c.changed_since);
    if (!enabling.empty() || c.vanished) {
        std::optional<std::uint64_t> since;
        if (c.vanished) since = c.changed_since;
        // rfc7162.txt:1710: the UIDs of the set expunged since CHANGEDSINCE. One still in
        // the view is left to the next update (VANISHED with renumbering).
        run->preamble = [enabling, since, box = sel.mailbox, set = c.set.resolve(sel.uids.empty() ? 0 : sel.uids.back()),
                         view = since ? sel.uids : std::vector<std::uint32_t>{}](
                            MailboxStore& store) -> Result<std::string> {
            std::string out = enabling;
            if (!since) return out;
            auto ch = store.changes_since(box, *since);
            if (!ch) return ch.error();
            std::vector<std::uint32_t> gone;
            for (std::uint32_t uid : ch.value().expunged) {
                if (set.contains(uid) && !std::binary_search(view.begin(), view.end(), uid)) gone.push_back(uid);
            }
            if (!gone.empty()) out += "* VANISHED (EARLIER) " + NumberSet::from_numbers(gone).to_string() + "\r\n";
            return out;
        };
    }
    run->job.set_session_flags(sel.recent, sel.keywords, sel.read_only);
    run->job.set_quoted_text(mode_.quoted());
    return async(fetch_step(std::move(run)));
}

Action Session::fetch_step(std::shared_ptr<FetchRun> run) {
    return {StoreJob{[this, run](MailboxStore& store) {
        run->run_step(store);
        return StoreResume([this, run] { return fetch_step_done(run); });
    }, selected_owner()}};
}

Actions Session::fetch_step_done(const std::shared_ptr<FetchRun>& run) {
    for (std::uint64_t m : run->own_modseqs) note_own_change(m);
    if (Selected* sel = selected()) sel->keywords = run->job.keywords();
    Actions acts;
    if (!run->out.empty()) acts.push_back({Send{std::exchange(run->out, {})}});
    if (!run->result) {
        if (run->job.unknown_cte()) {
            for (auto& a : tagged(run->tag, "NO", "[UNKNOWN-CTE] Cannot decode the part's Content-Transfer-Encoding"))
                acts.push_back(std::move(a));
            return acts;
        }
        if (run->job.in_literal()) {
            // A literal was promised and cannot be finished: no way to resynchronise the
            // client but hanging up.
            state_ = Logout{};
            acts.push_back({Close{}});
            return acts;
        }
        for (auto& a : store_error(run->tag, run->result.error())) acts.push_back(std::move(a));
        return acts;
    }
    if (!run->result.value()) {
        busy_ = true;  // still this command's: input waits
        acts.push_back(fetch_step(run));
        return acts;
    }
    for (auto& a : tagged(run->tag, "OK", "FETCH completed")) acts.push_back(std::move(a));
    return acts;
}

// STORE, and with CONDSTORE (RFC 7162 §3.1.3, rfc7162.txt:536): UNCHANGEDSINCE leaves
// messages changed since alone and names them in [MODIFIED set] (UIDs for UID STORE,
// numbers for STORE); once CONDSTORE is on, every FETCH response carries UID and MODSEQ,
// and the messages that passed an UNCHANGEDSINCE test get one even with .SILENT
// (rfc7162.txt:549), also those the STORE did not change (their MODSEQ stays).
Actions Session::cmd_store(const std::string& tag, const StoreCmd& c, Selected& sel) {
    auto targets = sel.resolve(c.set, c.uid);
    if (!targets) return bad(tag, targets.error().message);
    if (sel.read_only) return tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
    auto flags = split_flags(c.flags);
    if (!flags) return bad(tag, flags.error().message);
    // RFC 4314 §4: \Seen needs "s", \Deleted "t", other flags and keywords "w". Flags the
    // user may not change are left out silently, so that a STORE with one allowed flag
    // still works; one with none, or a replacement of the whole set, is refused.
    const text::AclRights& may = sel.rights;
    if (!(may.has('s') && may.has('t') && may.has('w'))) {
        auto& [bits, keywords] = flags.value();
        if (c.mode == StoreCmd::Mode::Replace) return tagged(tag, "NO", "[NOPERM] Not allowed to replace the flags");
        const bool asked = bits != 0 || !keywords.empty();
        if (!may.has('s')) bits &= ~storage::kSeen;
        if (!may.has('t')) bits &= ~storage::kDeleted;
        if (!may.has('w')) {
            bits &= storage::kSeen | storage::kDeleted;
            keywords.clear();
        }
        if (asked && bits == 0 && keywords.empty()) return tagged(tag, "NO", "[NOPERM] Not allowed to change these flags");
    }
    const storage::FlagOp op = c.mode == StoreCmd::Mode::Add      ? storage::FlagOp::Add
                               : c.mode == StoreCmd::Mode::Remove ? storage::FlagOp::Remove
                                                                  : storage::FlagOp::Replace;
    std::string enabling = c.unchanged_since ? enable_condstore() : std::string();
    return async({StoreJob{[this, tag, box = sel.mailbox, op, f = std::move(flags.value()), silent = c.silent,
                            uid_form = c.uid, t = std::move(targets.value()), unchanged_since = c.unchanged_since,
                            condstore = condstore_, enabling = std::move(enabling),
                            recent = sel.recent](MailboxStore& store) {
        std::vector<std::uint32_t> uids;
        for (const auto& [seq, uid] : t) uids.push_back(uid);
        std::string out = enabling;
        std::vector<std::uint32_t> modified;  // numbers or UIDs, as the command named them
        std::vector<std::string> shown;       // keywords in `out`, announced before it
        std::uint64_t own_modseq = 0;  // not reported back as another session's change
        auto run = [&]() -> Result<void> {
            if (uids.empty()) return {};
            auto set = store.set_flags(box, uids, op, f.first, f.second, unchanged_since);
            if (!set) return set.error();
            const auto& updated = set.value().updated;
            if (!updated.empty()) own_modseq = updated.front().modseq;
            const std::set<std::uint32_t> failed(set.value().modified.begin(), set.value().modified.end());
            for (const auto& [seq, uid] : t) {
                if (failed.contains(uid)) modified.push_back(uid_form ? uid : seq);
            }
            if (silent && !unchanged_since) return {};
            auto recs = store.messages(box, uids);
            if (!recs) return recs.error();
            std::map<std::uint32_t, const storage::MessageRecord*> by_uid;
            for (const auto& r : recs.value()) by_uid[r.uid] = &r;
            for (const auto& [seq, uid] : t) {
                auto it = by_uid.find(uid);
                if (it == by_uid.end() || failed.contains(uid)) continue;
                out += "* " + std::to_string(seq) + " FETCH (";
                if (uid_form || condstore) out += "UID " + std::to_string(uid) + " ";
                if (!silent) {
                    out += "FLAGS ";
                    append_flag_list(out, it->second->flags, it->second->keywords, recent.contains(uid));
                    if (condstore) out += ' ';
                }
                if (condstore) out += "MODSEQ (" + std::to_string(it->second->modseq) + ")";
                out += ")\r\n";
                for (const auto& k : it->second->keywords)
                    if (std::find(shown.begin(), shown.end(), k) == shown.end()) shown.push_back(k);
            }
            return {};
        };
        auto r = run();
        return StoreResume([this, tag, r = std::move(r), out = std::move(out), shown = std::move(shown), own_modseq,
                            modified = std::move(modified)]() -> Actions {
            if (own_modseq) note_own_change(own_modseq);
            if (!r) return store_error(tag, r.error());
            Selected* view = selected();  // still selected: nothing ran in between
            Actions acts{{Send{view ? announce_keywords(view->keywords, shown, view->read_only) + out : out}}};
            const std::string text = modified.empty()
                                         ? std::string("STORE completed")
                                         : "[MODIFIED " + NumberSet::from_numbers(modified).to_string() +
                                               "] Conditional STORE failed";
            for (auto& a : tagged(tag, "OK", text)) acts.push_back(std::move(a));
            return acts;
        });
    }, sel.owner}});
}

// rfc3501.txt:3085: each response shifts the numbers of the messages after it.
// With QRESYNC one "* VANISHED uids" instead (RFC 7162 §3.2.10, rfc7162.txt:1992).
std::string Selected::report_expunged(const std::vector<std::uint32_t>& removed) {
    std::string out;
    // RFC 5267 §4.3.4: an update context's REMOVEFROM goes before the expunge, while the
    // message numbers it names still hold.
    if (!contexts.empty()) {
        std::vector<std::uint32_t> leaving = removed;
        std::sort(leaving.begin(), leaving.end());
        const NumberOf seq = [this](std::uint32_t uid) {
            return static_cast<std::uint32_t>(std::lower_bound(uids.begin(), uids.end(), uid) - uids.begin() + 1);
        };
        const NumberOf uid_itself = [](std::uint32_t uid) { return uid; };
        for (auto& c : contexts) out += remove_members(c, leaving, c.uid ? uid_itself : seq);
    }
    std::vector<std::uint32_t> gone;
    for (std::uint32_t uid : removed) {
        auto it = std::lower_bound(uids.begin(), uids.end(), uid);
        if (it == uids.end() || *it != uid) continue;
        if (vanished) gone.push_back(uid);
        else out += "* " + std::to_string(it - uids.begin() + 1) + " EXPUNGE\r\n";
        uids.erase(it);
    }
    if (!gone.empty()) out += "* VANISHED " + NumberSet::from_numbers(gone).to_string() + "\r\n";
    return out;
}

Actions Session::cmd_expunge(const std::string& tag, const ExpungeCmd& c, Selected& sel) {
    if (sel.read_only) return tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
    if (!sel.rights.has('e')) return tagged(tag, "NO", "[NOPERM] Not allowed to expunge this mailbox");
    std::optional<std::vector<std::uint32_t>> only;
    if (c.uids) {
        auto t = sel.resolve(*c.uids, true);
        if (!t) return bad(tag, t.error().message);
        only.emplace();
        for (const auto& [seq, uid] : t.value()) only->push_back(uid);
    }
    return async({StoreJob{[this, tag, box = sel.mailbox, only, qresync = sel.vanished](MailboxStore& store) {
        auto r = only ? store.expunge(box, std::span<const std::uint32_t>(*only)) : store.expunge(box);
        // RFC 7162 §3.2.7, §3.2.9 (rfc7162.txt:1801, rfc7162.txt:1916): with QRESYNC, the
        // tagged OK of an expunge that removed something carries the new HIGHESTMODSEQ.
        // Read after the expunge: every change up to it is in the updates sent before
        // the tagged OK (complete() polls later still).
        std::uint64_t highest = 0;
        if (r && qresync && !r.value().empty()) {
            if (auto st = store.status(box)) highest = st.value().highestmodseq;
        }
        return StoreResume([this, tag, r = std::move(r), highest]() -> Actions {
            if (!r) return store_error(tag, r.error());
            Selected* view = selected();  // still selected: nothing ran in between
            Actions acts{{Send{view ? view->report_expunged(r.value()) : std::string()}}};
            const std::string code = highest ? "[HIGHESTMODSEQ " + std::to_string(highest) + "] " : "";
            for (auto& a : tagged(tag, "OK", code + "EXPUNGE completed")) acts.push_back(std::move(a));
            return acts;
        });
    }, sel.owner}});
}

Actions Session::cmd_copy(const std::string& tag, const CopyCmd& c, Selected& sel) {
    auto targets = sel.resolve(c.set, c.uid);
    if (!targets) return bad(tag, targets.error().message);
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return bad_name(tag, ref.error());
    if (c.move && sel.read_only) return tagged(tag, "NO", "[READ-ONLY] Mailbox is read-only");
    // RFC 4314 §4: MOVE takes the messages out of the source ("t" and "e"); the target
    // needs "i" (checked in the job).
    if (c.move && !(sel.rights.has('t') && sel.rights.has('e')))
        return tagged(tag, "NO", "[NOPERM] Not allowed to remove messages from this mailbox");
    if (ref->owner != sel.owner) return copy_across(tag, c, sel, ref.value());
    auto dest = Result<std::string>(ref->name);
    std::vector<std::uint32_t> uids;
    for (const auto& [seq, uid] : targets.value()) uids.push_back(uid);
    const char* verb = c.move ? "MOVE" : "COPY";
    // `quota_bytes` is null for MOVE: its quota check is skipped on purpose.
    auto run = [this, tag, box = sel.mailbox, to = dest.value(), uids, move = c.move, verb, qresync = sel.vanished](
                   MailboxStore& store, const Result<std::int64_t>* quota_bytes) {
        auto exists = store.mailbox(to);
        const bool missing = !exists && exists.error().code == ErrorCode::NoSuchMailbox;
        // RFC 9208 §4.3.1 (rfc9208.txt:472): refused before anything is copied.
        Result<bool> over = false;
        if (exists && quota_bytes && !uids.empty()) {
            over = over_quota(store, *quota_bytes, [&] { return store.size_of(box, uids); });
        }
        const bool full = over && over.value();
        Result<storage::UidMap> map = Error::internal("");
        if (!exists) {
            map = exists.error();
        } else if (!over) {
            map = over.error();
        } else if (full) {
            // answered below
        } else if (uids.empty()) {
            map = storage::UidMap{exists.value().uidvalidity, {}};
        } else {
            map = move ? store.move(box, uids, to) : store.copy(box, uids, to);
        }
        // RFC 6851 §4.4 (rfc6851.txt:273): a MOVE that moved something tells a QRESYNC
        // client the source's new HIGHESTMODSEQ (read after it, as EXPUNGE does).
        std::uint64_t highest = 0;
        if (move && qresync && map && !map.value().uids.empty()) {
            if (auto st = store.status(box)) highest = st.value().highestmodseq;
        }
        return StoreResume([this, tag, map = std::move(map), missing, full, move, verb, highest]() -> Actions {
            if (missing) return tagged(tag, "NO", "[TRYCREATE] Mailbox does not exist");  // rfc3501.txt:2992
            if (full) return over_quota_reply(tag, verb);
            if (!map) return store_error(tag, map.error());
            std::string code;
            if (!map.value().uids.empty()) {
                std::string from, to_list;
                for (const auto& [a, b] : map.value().uids) {
                    from += (from.empty() ? "" : ",") + std::to_string(a);
                    to_list += (to_list.empty() ? "" : ",") + std::to_string(b);
                }
                // RFC 4315 §3 (rfc4315.txt): COPYUID uidvalidity source-set dest-set, in order.
                code = "[COPYUID " + std::to_string(map.value().uidvalidity) + " " + from + " " + to_list + "] ";
            }
            Actions acts;
            if (move) {
                // RFC 6851 §4.3: COPYUID in an untagged OK before the EXPUNGEs.
                std::vector<std::uint32_t> removed;
                for (const auto& [a, b] : map.value().uids) removed.push_back(a);
                std::sort(removed.begin(), removed.end());
                std::string out;
                if (!code.empty()) out += "* OK " + code + "Moved\r\n";
                if (Selected* view = selected()) out += view->report_expunged(removed);
                acts.push_back({Send{out}});
                const std::string hms = highest ? "[HIGHESTMODSEQ " + std::to_string(highest) + "] " : "";
                for (auto& a : tagged(tag, "OK", hms + verb + " completed")) acts.push_back(std::move(a));
                return acts;
            }
            return tagged(tag, "OK", code + verb + " completed");
        });
    };
    if (!sel.owner.empty()) {
        // Within another account's store: "i" on the target, that account's quota.
        return async({AccountsJob{[this, tag, dest = ref.value(), run, move = c.move](Accounts& a) -> StoreResume {
                                      text::AclRights rights;
                                      if (auto no = refuse_without(tag, a, dest, "i", rights)) return *no;
                                      auto store = a.store(dest.owner);
                                      if (!store) return fail_later(tag, store.error());
                                      if (move) return run(*store.value(), nullptr);
                                      const auto quota = quota_of(a, dest.owner);
                                      return run(*store.value(), &quota);
                                  },
                                  sel.owner}});
    }
    if (c.move) {
        // MOVE (and UID MOVE) never fails for quota: the messages leave the source in the
        // same transaction that adds them to the destination, and both mailboxes are in
        // one account's store (copy_across handles two), so that account's usage
        // (total_size()) is the same afterwards. Refusing it would also keep a user over a
        // lowered quota from moving mail to Trash to clean up. Dovecot's quota plugin skips
        // the check for a move within one quota root as well (quota_move_requires_check).
        return async({StoreJob{[run](MailboxStore& store) { return run(store, nullptr); }}});
    }
    // COPY adds the messages' bytes to the usage again (the copy is its own message; that
    // its file is a hard link on disk does not change what total_size() counts).
    return async({QuotaStoreJob{[run](MailboxStore& store, const Result<std::int64_t>& quota_bytes) {
        return run(store, &quota_bytes);
    }}});
}

}  // namespace mr::imapd::session
