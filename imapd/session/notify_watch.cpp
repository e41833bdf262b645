// NOTIFY's watch over the other mailboxes (notify_watch.hpp).
#include "imapd/session/notify_watch.hpp"

#include <algorithm>

#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/session/list_reply.hpp"
#include "imapd/session/status_reply.hpp"

namespace mr::imapd::session {

namespace {

using Filter = NotifyGroup::Filter;

bool in_subtree(const std::string& name, const std::string& root) {
    return name == root || (name.size() > root.size() && name.compare(0, root.size(), root) == 0 &&
                            name[root.size()] == kHierarchyDelimiter);
}

bool group_covers(const NotifyGroup& g, const storage::MailboxRecord& box) {
    switch (g.filter) {
        case Filter::Inboxes:
        case Filter::Personal: return true;
        case Filter::Subscribed: return box.subscribed;
        case Filter::Subtree:
            return std::any_of(g.mailboxes.begin(), g.mailboxes.end(),
                               [&](const std::string& root) { return in_subtree(box.name, root); });
        case Filter::Mailboxes:
            return std::find(g.mailboxes.begin(), g.mailboxes.end(), box.name) != g.mailboxes.end();
        case Filter::Selected:
        case Filter::SelectedDelayed: return false;
    }
    return false;
}

bool message_events(const NotifyEvents& e) { return e.message_new || e.message_expunge || e.flag_change; }

// "* LIST (attrs) "/" name[ extra]\r\n" (RFC 5465 §5.4, §5.5: attributes computed as LIST
// would, \Subscribed when subscribed).
std::string list_line(const storage::MailboxRecord& box, bool exists, const std::vector<storage::MailboxRecord>& now,
                      NameForm form, std::string_view extra = {}) {
    std::string out = "* LIST (";
    if (!exists) {
        out += "\\NonExistent";
    } else {
        out += has_children(now, box.name) ? "\\HasChildren" : "\\HasNoChildren";
        if (box.subscribed) out += " \\Subscribed";
    }
    out += ") \"/\" ";
    append_string(out, encode_mailbox_name(box.name, form), QuotedText::Utf8);  // UTF-8 only in NameForm::Utf8
    out += extra;
    return out + "\r\n";
}

std::string status_line(const std::string& name, const std::vector<StatusItem>& items,
                        const storage::MailboxStatus& counts, NameForm form) {
    StatusValues v;
    v.counts = counts;
    return status_response(encode_mailbox_name(name, form), items, v);
}

}  // namespace

NotifyEvents NotifyWatch::events_for(const storage::MailboxRecord& box, const std::string& selected_name) const {
    NotifyEvents out;
    for (const auto& g : groups) {
        if (!group_covers(g, box)) continue;
        out.message_new |= g.events.message_new;
        out.message_expunge |= g.events.message_expunge;
        out.flag_change |= g.events.flag_change;
        out.mailbox_name |= g.events.mailbox_name;
        out.subscription_change |= g.events.subscription_change;
    }
    if (box.name == selected_name) out.message_new = out.message_expunge = out.flag_change = false;
    return out;
}

std::vector<std::string> NotifyWatch::to_count(const std::vector<storage::MailboxRecord>& now,
                                               const std::string& selected_name, bool all) const {
    std::vector<std::string> out;
    for (const auto& box : now) {
        if (!message_events(events_for(box, selected_name))) continue;
        auto it = seen.find(box.name);
        const bool changed = it == seen.end() || !it->second.counts || it->second.box.uidvalidity != box.uidvalidity ||
                             it->second.box.uidnext != box.uidnext ||
                             it->second.box.highestmodseq != box.highestmodseq;
        if (all || changed) out.push_back(box.name);
    }
    return out;
}

std::string NotifyWatch::update(const std::vector<storage::MailboxRecord>& now,
                                const std::map<std::string, storage::MailboxStatus>& counts,
                                const std::string& selected_name, bool condstore, bool report) {
    std::string out;
    std::map<std::string, Seen> next;
    std::set<std::string> renamed_from;
    for (const auto& box : now) {
        Seen s{box, std::nullopt};
        auto counted = counts.find(box.name);
        auto old = seen.find(box.name);
        if (counted != counts.end()) s.counts = counted->second;
        else if (old != seen.end() && old->second.box.highestmodseq == box.highestmodseq) s.counts = old->second.counts;
        const NotifyEvents ev = events_for(box, selected_name);
        if (old == seen.end()) {
            // Created, or renamed from a name that is gone (UIDVALIDITY is kept by RENAME).
            auto from = std::find_if(seen.begin(), seen.end(), [&](const auto& e) {
                return e.second.box.uidvalidity == box.uidvalidity &&
                       std::none_of(now.begin(), now.end(), [&](const auto& b) { return b.name == e.first; });
            });
            if (from != seen.end()) {
                renamed_from.insert(from->first);
                std::string extra = " (\"OLDNAME\" (";
                append_string(extra, encode_mailbox_name(from->first, form), QuotedText::Utf8);
                extra += "))";
                if (report && (ev.mailbox_name || events_for(from->second.box, selected_name).mailbox_name))
                    out += list_line(box, true, now, form, extra);
            } else if (report && ev.mailbox_name) {
                out += list_line(box, true, now, form);
            }
            next.emplace(box.name, std::move(s));
            continue;
        }
        const Seen& was = old->second;
        if (report && ev.subscription_change && was.box.subscribed != box.subscribed) out += list_line(box, true, now, form);
        if (report && message_events(ev) && s.counts) {
            const storage::MailboxStatus& c = *s.counts;
            const std::optional<storage::MailboxStatus>& p = was.counts;
            const bool counts_moved = !p || p->messages != c.messages || was.box.uidnext != box.uidnext;
            std::vector<StatusItem> items;
            if (was.box.uidvalidity != box.uidvalidity) {
                // RFC 5465 §5.1 (rfc5465.txt:483): a new UIDVALIDITY is always told.
                items = {StatusItem::Messages, StatusItem::UidNext, StatusItem::UidValidity};
            } else if (counts_moved && (ev.message_new || ev.message_expunge)) {
                // §5.2, §5.3: STATUS (UIDNEXT MESSAGES), HIGHESTMODSEQ too under CONDSTORE.
                items = {StatusItem::Messages, StatusItem::UidNext};
            } else if (was.box.highestmodseq != box.highestmodseq && ev.flag_change) {
                // §5.1: HIGHESTMODSEQ and UIDVALIDITY under CONDSTORE; without it UNSEEN, if
                // that changed, else nothing.
                if (condstore) items = {StatusItem::UidValidity};
                if (!p || p->unseen != c.unseen) items.push_back(StatusItem::Unseen);
            }
            if (!items.empty() && condstore) items.push_back(StatusItem::HighestModSeq);
            if (!items.empty()) out += status_line(box.name, items, c, form);
        }
        next.emplace(box.name, std::move(s));
    }
    if (report) {
        for (const auto& [name, was] : seen) {
            if (next.count(name) || renamed_from.count(name)) continue;
            if (events_for(was.box, selected_name).mailbox_name) out += list_line(was.box, false, now, form);
        }
    }
    seen = std::move(next);
    return out;
}

std::string NotifyWatch::initial_status(const std::vector<storage::MailboxRecord>& now,
                                        const std::map<std::string, storage::MailboxStatus>& counts,
                                        const std::string& selected_name) const {
    std::string out;
    for (const auto& box : now) {
        auto c = counts.find(box.name);
        const NotifyEvents ev = events_for(box, selected_name);
        if (c == counts.end() || !message_events(ev)) continue;
        // RFC 5465 §3.1 (rfc5465.txt:274): MESSAGES, UIDNEXT and UIDVALIDITY for MessageNew,
        // MESSAGES for MessageExpunge, UIDVALIDITY and HIGHESTMODSEQ for FlagChange (this
        // server has CONDSTORE); what each asks, nothing more.
        std::vector<StatusItem> items;
        if (ev.message_new || ev.message_expunge) items.push_back(StatusItem::Messages);
        if (ev.message_new) items.insert(items.end(), {StatusItem::UidNext, StatusItem::UidValidity});
        if (ev.flag_change) {
            if (!ev.message_new) items.push_back(StatusItem::UidValidity);
            items.push_back(StatusItem::HighestModSeq);
        }
        out += status_line(box.name, items, c->second, form);
    }
    return out;
}

}  // namespace mr::imapd::session
