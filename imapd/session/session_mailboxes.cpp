// Authenticated-state commands: NAMESPACE, LIST/LSUB, CREATE, DELETE, RENAME,
// SUBSCRIBE/UNSUBSCRIBE, STATUS, SELECT/EXAMINE, APPEND, and CLOSE/UNSELECT
// (RFC 3501 §6.3, rfc3501.txt:1719; RFC 6154 special-use; RFC 4315 APPENDUID).
// Every mailbox argument goes through mailbox_arg() (decode_mailbox_name in the session's
// NameForm) before a store job sees it; names sent back are in that form again.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <set>
#include <utility>

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "imapd/proto/mutf7.hpp"
#include "imapd/render/binary_append.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/session/catenate.hpp"
#include "imapd/session/flags.hpp"
#include "imapd/session/list_reply.hpp"
#include "imapd/session/status_reply.hpp"
#include "imapd/session/session.hpp"
#include "storage/directory.hpp"
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

// A mailbox another account lets the user look up ("l"), as LIST shows it.
struct SharedMailbox {
    storage::MailboxRecord record;  // named "Shared/<owner>/<name>"; `subscribed` from the user's store
    std::string owner;
    std::string name;  // in the owner's store
    text::AclRights rights;
};

// Every mailbox others granted `user` "l" on (pool thread). Per mailbox the grant for it
// wins over the owner-wide one.
Result<std::vector<SharedMailbox>> visible_shared_mailboxes(Accounts& a, const std::string& user) {
    std::vector<storage::MailboxGrant> grants;
    auto read = a.directory([&](storage::Directory& d) -> Result<void> {
        auto g = d.grants_to(user);
        if (!g) return g.error();
        grants = std::move(g.value());
        return {};
    });
    if (!read) return read.error();
    std::vector<SharedMailbox> out;
    for (std::size_t i = 0; i < grants.size();) {
        const std::string owner = grants[i].owner;
        std::size_t end = i;
        while (end < grants.size() && grants[end].owner == owner) ++end;
        auto rights_of = [&](const std::string& name) {
            text::AclRights wide;
            for (std::size_t k = i; k < end; ++k) {
                if (grants[k].mailbox == name) return grants[k].rights;
                if (grants[k].mailbox.empty()) wide = grants[k].rights;
            }
            return wide;
        };
        auto store = a.store(owner);
        auto boxes = store ? store.value()->list_mailboxes() : Result<std::vector<storage::MailboxRecord>>(store.error());
        if (!boxes) return boxes.error();
        for (auto& box : boxes.value()) {
            const auto rights = rights_of(box.name);
            if (!rights.has('l')) continue;
            SharedMailbox m{box, owner, box.name, rights};
            m.record.name = shared_name(owner, box.name);
            m.record.subscribed = false;
            m.record.special_use.clear();  // the owner's Sent is not the user's
            out.push_back(std::move(m));
        }
        i = end;
    }
    return out;
}

// Whether the user subscribed `shown`, a name in the shared namespace (the subscription
// is kept with the lost ones of their own store, MailboxStore::subscribe_elsewhere).
Result<bool> subscribed_elsewhere(MailboxStore& own, const std::string& shown) {
    auto lost = own.lost_subscriptions();
    if (!lost) return lost.error();
    return std::find(lost.value().begin(), lost.value().end(), shown) != lost.value().end();
}

// The user's own mailboxes and the shared ones in one list for list_lines(): a
// subscription to a shared mailbox (kept with the lost ones, MailboxStore::subscribe_elsewhere)
// becomes its `subscribed`; a user's own folder in the shared namespace is hidden. Returns
// the levels above the shared mailboxes ("Shared", "Shared/<owner>"), listed \Noselect.
std::vector<std::string> merge_shared(std::vector<storage::MailboxRecord>& boxes, std::vector<std::string>& lost,
                                      const std::vector<SharedMailbox>& shared) {
    std::erase_if(boxes, [](const storage::MailboxRecord& b) { return in_shared_namespace(b.name); });
    std::vector<std::string> placeholders;
    if (!shared.empty()) placeholders.emplace_back(kSharedRoot);
    for (const auto& m : shared) {
        const std::string level = std::string(kSharedRoot) + "/" + m.owner;
        if (placeholders.back() != level) placeholders.push_back(level);
        auto record = m.record;
        auto it = std::find(lost.begin(), lost.end(), record.name);
        if (it != lost.end()) {
            record.subscribed = true;
            lost.erase(it);
        }
        boxes.push_back(std::move(record));
    }
    return placeholders;
}

}  // namespace

// The store's Refused messages name mailboxes in UTF-8; replies use fixed texts with
// the RFC 5530 codes instead, so no client-chosen octets are echoed.
Actions Session::simple_job(const std::string& tag, std::string ok_text,
                            std::function<Result<void>(MailboxStore&)> work, std::string owner) {
    return async({StoreJob{[this, tag, ok_text = std::move(ok_text), work = std::move(work)](MailboxStore& store) {
        auto r = work(store);
        return StoreResume([this, tag, ok_text, r = std::move(r)]() -> Actions {
            if (!r) return store_error(tag, r.error());
            return tagged(tag, "OK", ok_text);
        });
    }, std::move(owner)}});
}

Actions Session::cmd_namespace(const std::string& tag) {
    // RFC 2342 §5: one personal namespace, no prefix, "/" delimiter; no other users'
    // namespace; the shared one holds the mailboxes others granted (shared_namespace.hpp).
    Actions out{{Send{line("* NAMESPACE ((\"\" \"/\")) NIL ((\"" + std::string(kSharedRoot) + "/\" \"/\"))")}}};
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
    return async({AccountsJob{[this, tag, c, patterns, enabling, limit = options_.max_message_size,
                               form = mode_.names()](Accounts& a) {
        Result<std::string> out = enabling;
        auto own = a.store("");
        auto boxes = own ? own.value()->list_mailboxes() : Result<std::vector<storage::MailboxRecord>>(own.error());
        auto lost = boxes ? own.value()->lost_subscriptions() : Result<std::vector<std::string>>(boxes.error());
        auto shared = lost ? visible_shared_mailboxes(a, user_) : Result<std::vector<SharedMailbox>>(lost.error());
        if (!shared) out = shared.error();
        else {
            const auto placeholders = merge_shared(boxes.value(), lost.value(), shared.value());
            for (const auto& l : list_lines(c, patterns, boxes.value(), lost.value(), placeholders, form)) {
                out.value() += l.response;
                if (l.status_name.empty()) continue;
                // A mailbox gone since the listing gets no STATUS (rfc5819.txt:124); nor does
                // a shared one the user may not read.
                MailboxStore* store = own.value();
                std::string name = l.status_name;
                if (in_shared_namespace(name)) {
                    auto it = std::find_if(shared->begin(), shared->end(),
                                           [&](const SharedMailbox& m) { return m.record.name == name; });
                    if (it == shared->end() || !it->rights.has('r')) continue;
                    auto other = a.store(it->owner);
                    if (!other) continue;
                    store = other.value();
                    name = it->name;
                }
                if (auto st = read_status(*store, name, c.return_status)) {
                    st.value().append_limit = limit;
                    out.value() += status_response(l.wire_name, c.return_status, st.value());
                }
            }
        }
        return StoreResume([this, tag, verb = std::string(c.lsub ? "LSUB" : "LIST"), out = std::move(out)]() -> Actions {
            if (!out) return store_error(tag, out.error());
            Actions acts{{Send{out.value()}}};
            for (auto& x : tagged(tag, "OK", verb + " completed")) acts.push_back(std::move(x));
            return acts;
        });
    }}});
}

namespace {

// The name's parent in its store ("" at the top, where the owner-wide grant applies): CREATE
// and RENAME need "k" on it (RFC 4314 §4).
std::string parent_of(const std::string& name) {
    const auto slash = name.rfind(kHierarchyDelimiter);
    return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

// Superiors of `name` that do not exist yet (rfc3501.txt:1917, rfc3501.txt:2064).
Result<void> create_superiors(MailboxStore& s, const std::string& name) {
    for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string::npos;
         slash = name.find(kHierarchyDelimiter, slash + 1)) {
        const std::string parent = name.substr(0, slash);
        if (auto p = s.mailbox(parent); !p) {
            if (p.error().code != ErrorCode::NoSuchMailbox) return p.error();
            if (auto made = s.create_mailbox(parent); !made) return made.error();
        }
    }
    return {};
}

}  // namespace

Actions Session::changing_job(const std::string& tag, const MailboxRef& ref, std::string_view needed,
                              const std::string& rights_name, std::string ok_text,
                              std::function<Result<void>(MailboxStore&, storage::Directory*)> work,
                              std::optional<AlsoNeeded> also, std::shared_ptr<const std::string> ok_code) {
    return async({AccountsJob{[this, tag, ref, needed = std::string(needed), rights_name, ok_text = std::move(ok_text),
                               work = std::move(work), also, ok_code](Accounts& a) -> StoreResume {
                                  text::AclRights rights;
                                  const MailboxRef check{ref.owner, rights_name};
                                  if (auto no = refuse_without(tag, a, check, needed, rights)) return *no;
                                  if (also) {
                                      const MailboxRef second{ref.owner, also->name};
                                      if (auto no = refuse_without(tag, a, second, also->rights, rights)) return *no;
                                  }
                                  auto store = a.store(ref.owner);
                                  if (!store) return fail_later(tag, store.error());
                                  Result<void> r = work(*store.value(), nullptr);
                                  // Grants follow the mailbox (a failure there leaves the OK standing).
                                  if (r) (void)a.directory([&](storage::Directory& d) { return work(*store.value(), &d); });
                                  return StoreResume([this, tag, ok_text, r = std::move(r), ok_code]() -> Actions {
                                      if (!r) return store_error(tag, r.error());
                                      if (ok_code && !ok_code->empty()) return tagged(tag, "OK", "[" + *ok_code + "] " + ok_text);
                                      return tagged(tag, "OK", ok_text);
                                  });
                              },
                              ref.owner}});
}

Actions Session::cmd_create(const std::string& tag, const CreateCmd& c) {
    std::string_view wire = c.mailbox;
    if (!wire.empty() && wire.back() == kHierarchyDelimiter) wire.remove_suffix(1);  // rfc3501.txt:1911
    auto ref = mailbox_ref(wire);
    if (!ref) return bad_name(tag, ref.error());
    const std::string n = ref->name;
    if (n == "INBOX") return tagged(tag, "NO", "[ALREADYEXISTS] INBOX always exists");
    std::string use;
    if (c.special_use.size() > 1) return tagged(tag, "NO", "[USEATTR] Only one special-use attribute per mailbox");
    if (!c.special_use.empty()) {
        static const std::set<std::string> known{"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"};
        if (!known.contains(c.special_use[0])) return tagged(tag, "NO", "[USEATTR] Unknown special-use attribute");
        use = c.special_use[0];
    }
    // RFC 8474 §4.1: the new mailbox's MAILBOXID goes in the tagged OK.
    auto code = std::make_shared<std::string>();
    auto work = [n, use, code](MailboxStore& s) -> Result<void> {
        if (auto r = create_superiors(s, n); !r) return r;
        auto r = s.create_mailbox(n, use);
        if (!r) return r.error();
        *code = "MAILBOXID (" + r.value().object_id + ")";
        return {};
    };
    if (!ref->shared()) {
        return async({StoreJob{[this, tag, work, code](MailboxStore& store) {
            auto r = work(store);
            return StoreResume([this, tag, r = std::move(r), code]() -> Actions {
                if (!r) return store_error(tag, r.error());
                return tagged(tag, "OK", "[" + *code + "] CREATE completed");
            });
        }}});
    }
    return changing_job(
        tag, ref.value(), "k", parent_of(n), "CREATE completed",
        [work](MailboxStore& s, storage::Directory* d) -> Result<void> {
            if (d) return {};
            return work(s);
        },
        std::nullopt, code);
}

Actions Session::cmd_delete(const std::string& tag, const DeleteCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return bad_name(tag, ref.error());
    const std::string n = ref->name;
    if (n == "INBOX") return tagged(tag, "NO", "[CANNOT] INBOX cannot be deleted");
    if (const Selected* sel = selected(); sel && n == sel->mailbox && ref->owner == sel->owner) {
        // Deleting the selected mailbox: leave it first (RFC 3501 allows either; this keeps
        // the session's view consistent).
        state_ = Authenticated{};
    }
    const std::string owner = ref->shared() ? ref->owner : text::to_lower(user_);
    return changing_job(tag, ref.value(), "x", n, "DELETE completed",
                        [n, owner](MailboxStore& s, storage::Directory* d) -> Result<void> {
                            if (d) return d->rename_grants(owner, n, std::nullopt);
                            // Inferior names must survive (rfc3501.txt:1972) and stay reachable through
                            // LIST "%", which shows no \Noselect placeholders: refuse, as Dovecot does,
                            // rather than leave a hole in the hierarchy.
                            auto boxes = s.list_mailboxes();
                            if (!boxes) return boxes.error();
                            if (has_children(boxes.value(), n))
                                return Error::refused(ErrorCode::HasChildren, "has children: " + n);
                            return s.delete_mailbox(n);
                        });
}

Actions Session::cmd_rename(const std::string& tag, const RenameCmd& c) {
    auto from = mailbox_ref(c.from);
    if (!from) return bad_name(tag, from.error());
    auto to = mailbox_ref(c.to);
    if (!to) return bad_name(tag, to.error());
    if (to->name == "INBOX") return tagged(tag, "NO", "[ALREADYEXISTS] INBOX always exists");
    if (from->owner != to->owner) return tagged(tag, "NO", "[CANNOT] Cannot move a mailbox to another account");
    const std::string owner = from->shared() ? from->owner : text::to_lower(user_);
    auto work = [f = from->name, t = to->name, owner](MailboxStore& s, storage::Directory* d) -> Result<void> {
        if (d) return d->rename_grants(owner, f, t);
        if (auto r = s.rename_mailbox(f, t); !r) return r;
        // Then superiors of the new name that do not exist yet: a SHOULD, so a failure
        // here leaves the completed rename's OK standing.
        (void)create_superiors(s, t);
        return {};
    };
    if (!from->shared()) return changing_job(tag, from.value(), "", from->name, "RENAME completed", work);
    // RFC 4314 §4: "x" on the old name and "k" on the new one's parent.
    return changing_job(tag, from.value(), "x", from->name, "RENAME completed", work,
                        AlsoNeeded{"k", parent_of(to->name)});
}

Actions Session::cmd_subscribe(const std::string& tag, const SubscribeCmd& c) {
    auto name = mailbox_arg(c.mailbox);
    if (!name) return tagged(tag, "NO", "[CANNOT] " + name.error().message);
    // Subscriptions are the user's, also to shared mailboxes (kept by name).
    const bool shared = in_shared_namespace(name.value());
    return simple_job(tag, c.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed",
                      [n = name.value(), sub = c.subscribe, shared](MailboxStore& s) {
                          return shared ? s.subscribe_elsewhere(n, sub) : s.subscribe(n, sub);
                      });
}

Actions Session::cmd_status(const std::string& tag, const StatusCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return bad_name(tag, ref.error());
    // rfc7162.txt:375: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
    std::string enabling;
    if (std::find(c.items.begin(), c.items.end(), StatusItem::HighestModSeq) != c.items.end())
        enabling = enable_condstore();
    return mailbox_job(tag, ref.value(), "r", [this, tag, c, n = ref->name, shown = client_name(ref.value()), enabling,
                                               limit = options_.max_message_size](MailboxStore& store, text::AclRights, MailboxStore&) {
        auto st = read_status(store, n, c.items);
        if (st) st.value().append_limit = limit;
        return StoreResume([this, tag, c, shown, st = std::move(st), enabling]() -> Actions {
            if (!st) return store_error(tag, st.error());
            // The name as the session spells it (RFC 6855 §3: no UTF-8 before ENABLE).
            Actions acts{{Send{enabling + status_response(encode_mailbox_name(shown, mode_.names()), c.items, st.value())}}};
            for (auto& a : tagged(tag, "OK", "STATUS completed")) acts.push_back(std::move(a));
            return acts;
        });
    });
}

Actions Session::cmd_select(const std::string& tag, const SelectCmd& c) {
    // rfc7162.txt:1412: QRESYNC before ENABLE QRESYNC is BAD (and changes nothing).
    if (c.qresync && !qresync_) return bad(tag, "QRESYNC is not enabled");
    // RFC 7162 §3.2.11 (rfc7162.txt:2109): the boundary between the old mailbox's
    // responses and the new one's, whether or not the client enabled anything.
    const std::string closed = in<Selected>() ? "* OK [CLOSED] Previous mailbox closed\r\n" : "";
    // A failed SELECT leaves no mailbox selected (rfc3501.txt:1795); so does starting one.
    state_ = Authenticated{};
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) {
        Actions acts{{Send{closed}}};
        for (auto& a : bad_name(tag, ref.error())) acts.push_back(std::move(a));
        return acts;
    }
    if (c.condstore) condstore_ = true;  // rfc7162.txt:373
    struct Snapshot {
        storage::MailboxView view;  // no structure blobs: SELECT needs UIDs and flags only
        storage::RecentClaim recent;
        std::optional<storage::Changes> changes;  // QRESYNC: since the client's MODSEQ
        std::string list;  // IMAP4rev2: the mailbox's LIST response
    };
    return mailbox_job(tag, ref.value(), "r", [this, tag, closed, examine = c.read_only, n = ref->name, owner = ref->owner,
                                               shown = client_name(ref.value()), q = c.qresync,
                                               mode = mode_](MailboxStore& store, text::AclRights rights,
                                                             MailboxStore& own) {
        // RFC 4314 §4: without a right to change anything the mailbox is read-only.
        const bool ro = examine || !(rights.has('s') || rights.has('w') || rights.has('t') || rights.has('e'));
        Result<Snapshot> snap = Error::internal("");
        if (auto view = store.mailbox_view(n); !view) {
            snap = view.error();
        } else {
            // Claimed after listing, so every listed message arrived before the claim's end
            // (a later one is claimed too and is \Recent when it shows up). A failed claim
            // only means no \Recent here. EXAMINE shows the same messages as \Recent but
            // leaves them to the next SELECT (RFC 3501 §6.3.2, rfc3501.txt:1871).
            // IMAP4rev2 has no \Recent: such a session leaves the messages to an IMAP4rev1 one.
            storage::RecentClaim recent;
            if (mode.reports_recent()) {
                if (auto claim = ro ? store.peek_recent(n) : store.claim_recent(n)) recent = claim.value();
            }
            snap = Snapshot{std::move(view.value()), recent, std::nullopt, {}};
            // RFC 9051 §6.3.2 (rfc9051.txt:1787): LIST is one of SELECT's responses.
            // A grantee's subscription to a shared mailbox is in their own store.
            if (mode.rev2) {
                auto boxes = store.list_mailboxes();
                auto subscribed = &own == &store ? Result<bool>(false) : subscribed_elsewhere(own, shown);
                if (boxes && subscribed)
                    snap.value().list = select_list_response(boxes.value(), n, shown, subscribed.value(), mode.names());
            }
            // rfc7162.txt:1509: with a known UIDVALIDITY, what changed since the client's
            // MODSEQ; with another one, nothing (the client starts over).
            if (q && q->uidvalidity == snap.value().view.box.uidvalidity) {
                auto ch = store.changes_since(n, q->modseq);
                if (!ch) snap = ch.error();
                else snap.value().changes = std::move(ch.value());
            }
        }
        auto shared = std::make_shared<Result<Snapshot>>(std::move(snap));
        return StoreResume([this, tag, closed, ro, examine, n, q, shared, owner, rights]() -> Actions {
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
            // IMAP4rev2 has neither RECENT nor the UNSEEN code (RFC 9051 Appendix E items 11
            // and 12, rfc9051.txt:8051).
            if (mode_.reports_recent()) out += "* " + std::to_string(recent_count) + " RECENT\r\n";
            if (first_unseen && !mode_.rev2)
                out += "* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen\r\n";
            out += s.list;
            out += "* OK [UIDVALIDITY " + std::to_string(box.uidvalidity) + "] UIDs valid\r\n";
            out += "* OK [UIDNEXT " + std::to_string(box.uidnext) + "] Predicted next UID\r\n";
            out += "* OK [HIGHESTMODSEQ " + std::to_string(box.highestmodseq) + "] Highest\r\n";
            out += "* OK [MAILBOXID (" + box.object_id + ")] Ok\r\n";  // RFC 8474 §4.2
            out += permanent_flags_response(s.view.keywords, ro);
            if (s.changes) out += qresync_responses(*q, box, uids, *s.changes);
            Selected view;
            view.mailbox = n;
            view.owner = owner;
            view.rights = rights;
            view.read_only = ro;
            view.uids = std::move(uids);
            view.modseq = box.highestmodseq;
            view.recent = recent;
            view.vanished = qresync_;
            view.keywords = std::move(s.view.keywords);
            state_ = std::move(view);
            Actions acts{{Send{std::move(out)}}};
            for (auto& a : tagged(tag, "OK", !ro        ? "[READ-WRITE] SELECT completed"
                                             : examine ? "[READ-ONLY] EXAMINE completed"
                                                       : "[READ-ONLY] SELECT completed"))
                acts.push_back(std::move(a));
            return acts;
        });
    });
}

Actions Session::cmd_close(const std::string& tag, bool expunge, Selected& sel) {
    const std::string box = std::move(sel.mailbox);
    std::string owner = std::move(sel.owner);
    // Without "e" CLOSE expunges nothing (RFC 4314 §4), as for an EXAMINEd mailbox.
    const bool read_only = sel.read_only || !sel.rights.has('e');
    state_ = Authenticated{};  // `sel` is gone from here on
    // CLOSE expunges silently, unless the mailbox was EXAMINEd (rfc3501.txt:2743).
    if (!expunge || read_only) return tagged(tag, "OK", expunge ? "CLOSE completed" : "UNSELECT completed");
    return simple_job(
        tag, "CLOSE completed",
        [box](MailboxStore& s) -> Result<void> {
            auto r = s.expunge(box);
            if (!r) return r.error();
            return {};
        },
        std::move(owner));
}

namespace {

// url-resp-text = 1*(%x01-09 / %x0B-0C / %x0E-5C / %x5E-FE) (RFC 4469 §6): the URL as
// sent, without what cannot stand inside a response code.
std::string url_resp_text(std::string_view url) {
    std::string out;
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0 || u == '\r' || u == '\n' || u == ']' || u == 0xff) continue;
        out += c;
    }
    return out.empty() ? std::string("-") : out;
}

}  // namespace

Actions Session::cmd_append(const std::string& tag, AppendCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return bad_name(tag, ref.error());
    auto name = Result<std::string>(ref->name);
    // MULTIAPPEND (RFC 3502 §6.3.11): every message or none. Each is checked before any
    // is stored, then all go into the mailbox in one store transaction.
    auto owned = std::make_shared<AppendCmd>(std::move(c));
    std::vector<storage::AppendMessage> batch;
    std::int64_t bytes = 0;
    for (auto& m : owned->messages) {
        // Binary parts holding NUL are stored base64-encoded (binary_append.hpp).
        if (m.message.find('\0') != std::string::npos) m.message = encode_binary_parts(m.message);
        auto flags = split_flags(m.flags);
        if (!flags) return bad(tag, flags.error().message);
        if (m.message.empty() && m.catenate.empty()) return tagged(tag, "NO", "[CANNOT] Empty message");
        const std::int64_t date = m.internal_date ? m.internal_date->to_unix() : 0;
        batch.push_back({name.value(), m.message, flags.value().first, std::move(flags.value().second), date, {}});
        bytes += static_cast<std::int64_t>(m.message.size());
    }
    auto job = [this, tag, n = name.value(), owned, batch = std::move(batch), bytes, session_user = user_,
                limit = options_.max_message_size, utf8 = mode_.utf8()](MailboxStore& store, const Result<std::int64_t>& quota_bytes,
                                                   text::AclRights rights) mutable {
        // Refused for a missing mailbox: TRYCREATE (rfc3501.txt:2618).
        auto exists = store.mailbox(n);
        const bool missing = !exists && exists.error().code == ErrorCode::NoSuchMailbox;
        // CATENATE (RFC 4469 §5): each such message is made now, from the store; one bad
        // URL fails the whole APPEND (MULTIAPPEND: all or none).
        std::optional<std::string> bad_url;
        bool too_big = false;
        for (std::size_t i = 0; exists && i < owned->messages.size() && !bad_url && !too_big; ++i) {
            AppendItem& m = owned->messages[i];
            if (m.catenate.empty()) continue;
            auto built = build_catenated(store, session_user, m.catenate, limit);
            if (auto* b = std::get_if<BadUrl>(&built)) bad_url = b->url;
            too_big = std::holds_alternative<TooBig>(built);
            if (auto* s = std::get_if<std::string>(&built)) {
                m.message = encode_binary_parts(*s);
                batch[i].bytes = m.message;
                bytes += static_cast<std::int64_t>(m.message.size());
            }
        }
        if (bad_url || too_big) {
            return StoreResume([this, tag, bad_url, too_big]() -> Actions {
                if (too_big) return tagged(tag, "NO", "[TOOBIG] The catenated message is too large");
                return tagged(tag, "NO", "[BADURL " + url_resp_text(*bad_url) + "] URL names no message of yours");
            });
        }
        for (const auto& b : batch) {
            if (exists && b.bytes.empty()) {
                return StoreResume([this, tag]() -> Actions { return tagged(tag, "NO", "[CANNOT] Empty message"); });
            }
            // RFC 6855 §4 (rfc6855.txt:231): while UTF8=ACCEPT is advertised and not enabled,
            // 8-bit octets in the header fields are NO (catenated messages included). IMAP4rev2
            // takes them: its APPEND data may be an [I18N-HDRS] message (RFC 9051 §6.3.12,
            // rfc9051.txt:3425).
            if (exists && !utf8 && text::has_non_ascii(mime::header_section(b.bytes))) {
                return StoreResume([this, tag]() -> Actions {
                    return tagged(tag, "NO", "8-bit header fields need ENABLE UTF8=ACCEPT first");
                });
            }
        }
        // Flags the user may not set are left out (RFC 4314 §4): \Seen needs "s", \Deleted
        // "t", the others "w".
        for (auto& m : batch) {
            if (!rights.has('s')) m.flags &= ~storage::kSeen;
            if (!rights.has('t')) m.flags &= ~storage::kDeleted;
            if (!rights.has('w')) {
                m.flags &= storage::kSeen | storage::kDeleted;
                m.keywords.clear();
            }
        }
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
    if (!ref->shared()) {
        return async({QuotaStoreJob{[job = std::move(job)](MailboxStore& store, const Result<std::int64_t>& quota) mutable {
            return job(store, quota, text::AclRights::all());
        }}});
    }
    // Another account's mailbox: "i" (RFC 4314 §4), its owner's quota and the user's rights.
    in_progress_.changed_owner = ref->owner;
    return async({AccountsJob{[this, tag, ref = ref.value(), job = std::move(job)](Accounts& a) mutable -> StoreResume {
                                  text::AclRights rights;
                                  if (auto no = refuse_without(tag, a, ref, "i", rights)) return *no;
                                  auto store = a.store(ref.owner);
                                  if (!store) return fail_later(tag, store.error());
                                  return job(*store.value(), quota_of(a, ref.owner), rights);
                              },
                              ref->owner}});
}

// A client's mailbox name that names no mailbox: the levels of the shared namespace do not
// exist as mailboxes; other names fail decode_mailbox_name's checks.
Actions Session::bad_name(const std::string& tag, const Error& e) {
    if (e.code == ErrorCode::NoSuchMailbox) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    return tagged(tag, "NO", "[CANNOT] " + e.message);
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
