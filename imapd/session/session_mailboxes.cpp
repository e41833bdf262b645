// Authenticated-state commands: NAMESPACE, LIST/LSUB, CREATE, DELETE, RENAME,
// SUBSCRIBE/UNSUBSCRIBE, STATUS, SELECT/EXAMINE, APPEND, and CLOSE/UNSELECT
// (RFC 3501 §6.3, rfc3501.txt:1719; RFC 6154 special-use; RFC 4315 APPENDUID).
// Every mailbox argument goes through decode_mailbox_name() before a store job sees it;
// names sent back are modified UTF-7 again (mutf7_encode).
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <set>
#include <utility>

#include "imapd/proto/mailbox_name.hpp"
#include "imapd/proto/mutf7.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/session/flags.hpp"
#include "imapd/session/list_reply.hpp"
#include "imapd/session/status_reply.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/maildir.hpp"

namespace mr::imapd::session {

namespace {

using storage::MailboxStore;

// RFC 7162 §3.2.5 (rfc7162.txt:1509): after SELECT's usual responses, VANISHED (EARLIER)
// for the known UIDs expunged since the client's MODSEQ, then FETCH (UID FLAGS MODSEQ)
// for the known messages changed since. Without known UIDs the client knows
// 1:<UIDNEXT - 1> (rfc7162.txt:1526). A UID still in `uids` (expunged after the view was
// read) is left to the next update, which reports it as VANISHED with renumbering.
std::string qresync_responses(const QresyncParams& q, const storage::MailboxRecord& box,
                              const std::vector<std::uint32_t>& uids, const storage::Changes& ch) {
    NumberSet known;
    if (q.known_uids) known = q.known_uids->resolve(0);  // no "*" (parse_select)
    else if (box.uidnext > 1) known = NumberSet({{1, box.uidnext - 1}});
    std::vector<std::uint32_t> gone;
    for (std::uint32_t uid : ch.expunged) {
        if (known.contains(uid) && !std::binary_search(uids.begin(), uids.end(), uid)) gone.push_back(uid);
    }
    std::string out;
    if (!gone.empty()) out += "* VANISHED (EARLIER) " + NumberSet::from_numbers(gone).to_string() + "\r\n";
    for (const auto& m : ch.changed) {
        if (!known.contains(m.uid)) continue;
        const auto it = std::lower_bound(uids.begin(), uids.end(), m.uid);
        if (it == uids.end() || *it != m.uid) continue;
        out += "* " + std::to_string(it - uids.begin() + 1) + " FETCH (UID " + std::to_string(m.uid) + " FLAGS ";
        append_flag_list(out, m.flags, m.keywords);
        out += " MODSEQ (" + std::to_string(m.modseq) + "))\r\n";
    }
    return out;
}

}  // namespace

// The store's Refused messages name mailboxes in UTF-8; replies use fixed texts with
// the RFC 5530 codes instead, so no client-chosen octets are echoed.
Actions Session::simple_job(const std::string& tag, std::string ok_text,
                            std::function<Result<void>(MailboxStore&)> work) {
    return async({StoreJob{[this, tag, ok_text = std::move(ok_text), work = std::move(work)](MailboxStore& store) {
        auto r = work(store);
        return StoreResume([this, tag, ok_text, r = std::move(r)]() -> Actions {
            if (!r) return store_error(tag, r.error());
            return tagged(tag, "OK", ok_text);
        });
    }}});
}

Actions Session::cmd_namespace(const std::string& tag) {
    // RFC 2342 §5: one personal namespace, no prefix, "/" delimiter; no others.
    Actions out{{Send{line("* NAMESPACE ((\"\" \"/\")) NIL NIL")}}};
    for (auto& a : tagged(tag, "OK", "NAMESPACE completed")) out.push_back(std::move(a));
    return out;
}

Actions Session::cmd_list(const std::string& tag, const ListCmd& c) {
    // An empty pattern asks for the delimiter and root (rfc3501.txt:2273).
    if (!c.lsub && c.patterns.size() == 1 && c.patterns[0].empty()) {
        Actions out{{Send{line("* LIST (\\Noselect) \"/\" \"\"")}}};
        for (auto& a : tagged(tag, "OK", "LIST completed")) out.push_back(std::move(a));
        return out;
    }
    std::vector<std::string> patterns;
    for (const auto& p : c.patterns) patterns.push_back(list_pattern(c.reference, p));
    // RETURN (STATUS (HIGHESTMODSEQ)) enables CONDSTORE as STATUS does (rfc7162.txt:375).
    std::string enabling;
    if (std::find(c.return_status.begin(), c.return_status.end(), StatusItem::HighestModSeq) != c.return_status.end())
        enabling = enable_condstore();
    return async({StoreJob{[this, tag, c, patterns, enabling, limit = options_.max_message_size](MailboxStore& store) {
        Result<std::string> out = enabling;
        auto boxes = store.list_mailboxes();
        auto lost = boxes ? store.lost_subscriptions() : Result<std::vector<std::string>>(boxes.error());
        if (!lost) out = lost.error();
        else {
            for (const auto& l : list_lines(c, patterns, boxes.value(), lost.value())) {
                out.value() += l.response;
                if (l.status_name.empty()) continue;
                // A mailbox gone since the listing gets no STATUS (rfc5819.txt:124).
                if (auto st = read_status(store, l.status_name, c.return_status)) {
                    st.value().append_limit = limit;
                    out.value() += status_response(l.wire_name, c.return_status, st.value());
                }
            }
        }
        return StoreResume([this, tag, verb = std::string(c.lsub ? "LSUB" : "LIST"), out = std::move(out)]() -> Actions {
            if (!out) return store_error(tag, out.error());
            Actions acts{{Send{out.value()}}};
            for (auto& a : tagged(tag, "OK", verb + " completed")) acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

Actions Session::cmd_create(const std::string& tag, const CreateCmd& c) {
    std::string_view wire = c.mailbox;
    if (!wire.empty() && wire.back() == kHierarchyDelimiter) wire.remove_suffix(1);  // rfc3501.txt:1911
    auto name = decode_mailbox_name(wire);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    if (name.value() == "INBOX") return tagged(tag, "NO", "[ALREADYEXISTS] INBOX always exists");
    std::string use;
    if (c.special_use.size() > 1) return tagged(tag, "NO", "[USEATTR] Only one special-use attribute per mailbox");
    if (!c.special_use.empty()) {
        static const std::set<std::string> known{"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};
        if (!known.contains(c.special_use[0])) return tagged(tag, "NO", "[USEATTR] Unknown special-use attribute");
        use = c.special_use[0];
    }
    return simple_job(tag, "CREATE completed", [n = name.value(), use](MailboxStore& s) -> Result<void> {
        // Superiors that do not exist yet are created too (rfc3501.txt:1917).
        for (std::size_t slash = n.find(kHierarchyDelimiter); slash != std::string::npos;
             slash = n.find(kHierarchyDelimiter, slash + 1)) {
            const std::string parent = n.substr(0, slash);
            if (auto p = s.mailbox(parent); !p) {
                if (p.error().code != ErrorCode::NoSuchMailbox) return p.error();
                if (auto made = s.create_mailbox(parent); !made) return made.error();
            }
        }
        auto r = s.create_mailbox(n, use);
        if (!r) return r.error();
        return {};
    });
}

Actions Session::cmd_delete(const std::string& tag, const DeleteCmd& c) {
    auto name = decode_mailbox_name(c.mailbox);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    if (name.value() == "INBOX") return tagged(tag, "NO", "[CANNOT] INBOX cannot be deleted");
    if (const Selected* sel = selected(); sel && name.value() == sel->mailbox) {
        // Deleting the selected mailbox: leave it first (RFC 3501 allows either; this keeps
        // the session's view consistent).
        state_ = Authenticated{};
    }
    return simple_job(tag, "DELETE completed", [n = name.value()](MailboxStore& s) -> Result<void> {
        // Inferior names must survive (rfc3501.txt:1972) and stay reachable through LIST "%",
        // which shows no \Noselect placeholders: refuse, as Dovecot does, rather than leave
        // a hole in the hierarchy.
        auto boxes = s.list_mailboxes();
        if (!boxes) return boxes.error();
        if (has_children(boxes.value(), n)) return Error::refused(ErrorCode::HasChildren, "has children: " + n);
        return s.delete_mailbox(n);
    });
}

Actions Session::cmd_rename(const std::string& tag, const RenameCmd& c) {
    auto from = decode_mailbox_name(c.from);
    if (!from) return tagged(tag, "NO", "[CANNOT] " + from.error().message);
    auto to = decode_mailbox_name(c.to);
    if (!to) return tagged(tag, "NO", "[CANNOT] " + to.error().message);
    if (to.value() == "INBOX") return tagged(tag, "NO", "[ALREADYEXISTS] INBOX always exists");
    return simple_job(tag, "RENAME completed", [f = from.value(), t = to.value()](MailboxStore& s) -> Result<void> {
        if (auto r = s.rename_mailbox(f, t); !r) return r;
        // Then superiors of the new name that do not exist yet (rfc3501.txt:2064): a SHOULD,
        // so a failure here leaves the completed rename's OK standing.
        for (std::size_t slash = t.find(kHierarchyDelimiter); slash != std::string::npos;
             slash = t.find(kHierarchyDelimiter, slash + 1)) {
            const std::string parent = t.substr(0, slash);
            if (auto p = s.mailbox(parent); !p && p.error().code == ErrorCode::NoSuchMailbox) (void)s.create_mailbox(parent);
        }
        return {};
    });
}

Actions Session::cmd_subscribe(const std::string& tag, const SubscribeCmd& c) {
    auto name = decode_mailbox_name(c.mailbox);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    return simple_job(tag, c.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed",
                      [n = name.value(), sub = c.subscribe](MailboxStore& s) { return s.subscribe(n, sub); });
}

Actions Session::cmd_status(const std::string& tag, const StatusCmd& c) {
    auto name = decode_mailbox_name(c.mailbox);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    // rfc7162.txt:375: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
    std::string enabling;
    if (std::find(c.items.begin(), c.items.end(), StatusItem::HighestModSeq) != c.items.end())
        enabling = enable_condstore();
    return async({StoreJob{[this, tag, c, n = name.value(), enabling, limit = options_.max_message_size](MailboxStore& store) {
        auto st = read_status(store, n, c.items);
        if (st) st.value().append_limit = limit;
        return StoreResume([this, tag, c, st = std::move(st), enabling]() -> Actions {
            if (!st) return store_error(tag, st.error());
            Actions acts{{Send{enabling + status_response(c.mailbox, c.items, st.value())}}};
            for (auto& a : tagged(tag, "OK", "STATUS completed")) acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

Actions Session::cmd_select(const std::string& tag, const SelectCmd& c) {
    // rfc7162.txt:1412: QRESYNC before ENABLE QRESYNC is BAD (and changes nothing).
    if (c.qresync && !qresync_) return bad(tag, "QRESYNC is not enabled");
    // RFC 7162 §3.2.11 (rfc7162.txt:2109): the boundary between the old mailbox's
    // responses and the new one's, whether or not the client enabled anything.
    const std::string closed = in<Selected>() ? "* OK [CLOSED] Previous mailbox closed\r\n" : "";
    // A failed SELECT leaves no mailbox selected (rfc3501.txt:1795); so does starting one.
    state_ = Authenticated{};
    auto name = decode_mailbox_name(c.mailbox);
    if (!name) {
        Actions acts{{Send{closed}}};
        for (auto& a : tagged(tag, "NO", "[CANNOT] " + name.error().message)) acts.push_back(std::move(a));
        return acts;
    }
    if (c.condstore) condstore_ = true;  // rfc7162.txt:373
    struct Snapshot {
        storage::MailboxView view;  // no structure blobs: SELECT needs UIDs and flags only
        storage::RecentClaim recent;
        std::optional<storage::Changes> changes;  // QRESYNC: since the client's MODSEQ
    };
    return async({StoreJob{[this, tag, closed, ro = c.read_only, n = name.value(), q = c.qresync](MailboxStore& store) {
        Result<Snapshot> snap = Error::internal("");
        if (auto view = store.mailbox_view(n); !view) {
            snap = view.error();
        } else {
            // Claimed after listing, so every listed message arrived before the claim's end
            // (a later one is claimed too and is \Recent when it shows up). A failed claim
            // only means no \Recent here. EXAMINE shows the same messages as \Recent but
            // leaves them to the next SELECT (RFC 3501 §6.3.2, rfc3501.txt:1871).
            storage::RecentClaim recent;
            if (auto claim = ro ? store.peek_recent(n) : store.claim_recent(n)) recent = claim.value();
            snap = Snapshot{std::move(view.value()), recent, std::nullopt};
            // rfc7162.txt:1509: with a known UIDVALIDITY, what changed since the client's
            // MODSEQ; with another one, nothing (the client starts over).
            if (q && q->uidvalidity == snap.value().view.box.uidvalidity) {
                auto ch = store.changes_since(n, q->modseq);
                if (!ch) snap = ch.error();
                else snap.value().changes = std::move(ch.value());
            }
        }
        auto shared = std::make_shared<Result<Snapshot>>(std::move(snap));
        return StoreResume([this, tag, closed, ro, n, q, shared]() -> Actions {
            if (!*shared) {
                Actions acts{{Send{closed}}};
                for (auto& a : store_error(tag, shared->error())) acts.push_back(std::move(a));
                return acts;
            }
            Snapshot& s = shared->value();
            std::vector<std::uint32_t> uids = std::move(s.view.uids);
            const std::uint32_t first_unseen = s.view.first_unseen;
            const storage::MailboxRecord& box = s.view.box;
            std::string out = closed;
            out += flags_response(s.view.keywords);
            out += "* " + std::to_string(uids.size()) + " EXISTS\r\n";
            const NumberSet recent =
                s.recent.first < s.recent.end ? NumberSet({{s.recent.first, s.recent.end - 1}}) : NumberSet();
            // Counted with two binary searches: no vector of 100,000 positions per SELECT.
            const auto recent_from = std::lower_bound(uids.begin(), uids.end(), s.recent.first);
            const auto recent_to = std::lower_bound(recent_from, uids.end(), s.recent.end);
            const auto recent_count = recent.empty() ? 0 : recent_to - recent_from;
            out += "* " + std::to_string(recent_count) + " RECENT\r\n";
            if (first_unseen) out += "* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen\r\n";
            out += "* OK [UIDVALIDITY " + std::to_string(box.uidvalidity) + "] UIDs valid\r\n";
            out += "* OK [UIDNEXT " + std::to_string(box.uidnext) + "] Predicted next UID\r\n";
            out += "* OK [HIGHESTMODSEQ " + std::to_string(box.highestmodseq) + "] Highest\r\n";
            out += permanent_flags_response(s.view.keywords, ro);
            if (s.changes) out += qresync_responses(*q, box, uids, *s.changes);
            Selected view;
            view.mailbox = n;
            view.read_only = ro;
            view.uids = std::move(uids);
            view.modseq = box.highestmodseq;
            view.recent = recent;
            view.vanished = qresync_;
            view.keywords = std::move(s.view.keywords);
            state_ = std::move(view);
            Actions acts{{Send{std::move(out)}}};
            for (auto& a : tagged(tag, "OK", ro ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed"))
                acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

Actions Session::cmd_close(const std::string& tag, bool expunge, Selected& sel) {
    const std::string box = std::move(sel.mailbox);
    const bool read_only = sel.read_only;
    state_ = Authenticated{};  // `sel` is gone from here on
    // CLOSE expunges silently, unless the mailbox was EXAMINEd (rfc3501.txt:2743).
    if (!expunge || read_only) return tagged(tag, "OK", expunge ? "CLOSE completed" : "UNSELECT completed");
    return simple_job(tag, "CLOSE completed", [box](MailboxStore& s) -> Result<void> {
        auto r = s.expunge(box);
        if (!r) return r.error();
        return {};
    });
}

Actions Session::cmd_append(const std::string& tag, AppendCmd& c) {
    auto name = decode_mailbox_name(c.mailbox);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    // MULTIAPPEND (RFC 3502 §6.3.11): every message or none. Each is checked before any
    // is stored, then all go into the mailbox in one store transaction.
    auto owned = std::make_shared<AppendCmd>(std::move(c));
    std::vector<storage::AppendMessage> batch;
    std::int64_t bytes = 0;
    for (const auto& m : owned->messages) {
        auto flags = split_flags(m.flags);
        if (!flags) return bad(tag, flags.error().message);
        if (m.message.empty()) return tagged(tag, "NO", "[CANNOT] Empty message");
        const std::int64_t date = m.internal_date ? m.internal_date->to_unix() : 0;
        batch.push_back({name.value(), m.message, flags.value().first, std::move(flags.value().second), date, {}});
        bytes += static_cast<std::int64_t>(m.message.size());
    }
    auto job = [this, tag, n = name.value(), owned, batch = std::move(batch), bytes](
                   MailboxStore& store, const Result<std::int64_t>& quota_bytes) {
        // Refused for a missing mailbox: TRYCREATE (rfc3501.txt:2618).
        auto exists = store.mailbox(n);
        const bool missing = !exists && exists.error().code == ErrorCode::NoSuchMailbox;
        // The stored files are the literals' bytes (what total_size() counts).
        Result<bool> over = exists ? over_quota(store, quota_bytes, [&]() -> Result<std::int64_t> { return bytes; })
                                   : Result<bool>(false);
        const bool full = over && over.value();
        Result<std::vector<storage::AppendResult>> r = Error::internal("not appended");
        if (!exists) r = exists.error();
        else if (!over) r = over.error();
        else if (!full) r = store.append_batch(batch);
        return StoreResume([this, tag, r = std::move(r), missing, full]() -> Actions {
            if (missing) return tagged(tag, "NO", "[TRYCREATE] Mailbox does not exist");
            if (full) return over_quota_reply(tag, "APPEND");
            if (!r) return store_error(tag, r.error());
            // RFC 4315 §3 resp-code-apnd: the UIDs of all messages appended.
            std::vector<std::uint32_t> uids;
            for (const auto& a : r.value()) uids.push_back(a.uid);
            return tagged(tag, "OK", "[APPENDUID " + std::to_string(r.value().front().uidvalidity) + " " +
                                         NumberSet::from_numbers(uids).to_string() + "] APPEND completed");
        });
    };
    return async({QuotaStoreJob{std::move(job)}});
}

// Fixed replies for the store's refusals (RFC 5530 codes); see simple_job.
// The one place a store failure becomes an IMAP reply (RFC 5530 response codes).
Actions Session::store_error(const std::string& tag, const Error& e) {
    if (e.kind == ErrorKind::Syntax) return tagged(tag, "NO", "[CANNOT] Invalid argument");
    switch (e.code) {
        case ErrorCode::NoSuchMailbox: return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
        case ErrorCode::MailboxExists: return tagged(tag, "NO", "[ALREADYEXISTS] Mailbox already exists");
        case ErrorCode::InboxProtected: return tagged(tag, "NO", "[CANNOT] Not allowed for INBOX");
        case ErrorCode::HasChildren:
            return tagged(tag, "NO", "[CANNOT] Mailbox has inferior mailboxes, delete them first");
        case ErrorCode::Limit: return tagged(tag, "NO", "[LIMIT] " + e.message);
        case ErrorCode::NoSpace: return tagged(tag, "NO", "[SERVERBUG] Not enough disk space on the server");
        case ErrorCode::NoSuchMessage:
        case ErrorCode::PermissionDenied:
        case ErrorCode::Unspecified: break;
    }
    if (e.kind == ErrorKind::Refused) return tagged(tag, "NO", "[CANNOT] Operation refused");
    return tagged(tag, "NO", "[SERVERBUG] Internal error, try again later");
}

}  // namespace mr::imapd::session
