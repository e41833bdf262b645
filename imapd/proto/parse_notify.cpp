// CANCELUPDATE (RFC 5267 §4.3.5) and NOTIFY (RFC 5465 §8) arguments.
//
// NOTIFY's rules on combinations are checked here, as the RFC answers them with BAD: at
// most one of SELECTED and SELECTED-DELAYED, only message events for them and fetch
// attributes only there. (MessageNew, MessageExpunge and FlagChange alone are accepted:
// see event_group.) Event names outside the grammar's list (event-ext) are
// kept for the session, which answers NO [BADEVENT ...] (RFC 5465 §3.1).
#include <algorithm>
#include <string>
#include <utility>

#include "common/text/ascii.hpp"
#include "imapd/proto/parse_internal.hpp"

namespace mr::imapd::detail {

namespace {

using Filter = NotifyGroup::Filter;

// Bounds on what one NOTIFY may name: a client watching more than this asks for more than
// a person reads, and each name costs a comparison at every change.
constexpr std::size_t kMaxGroups = 32;
constexpr std::size_t kMaxMailboxes = 256;

// one-or-more-mailbox = mailbox / many-mailboxes; many-mailboxes = "(" mailbox *(SP mailbox) ")".
Result<void> mailboxes(ArgCursor& in, std::vector<std::string>& out) {
    const bool list = in.eat('(');
    while (true) {
        auto m = in.mailbox("mailbox");
        if (!m) return m.error();
        out.push_back(std::move(*m));
        if (out.size() > kMaxMailboxes) return syntax_error("at most 256 mailboxes per event group");
        if (!list || in.eat(')')) return {};
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in the mailbox list");
    }
}

// events = ( "(" event *(SP event) ")" ) / "NONE". RFC 5465's own examples (§3.1) leave
// the parentheses out ("(subtree Lists MessageNew)"); that form is read too, up to the ")"
// of the event group.
Result<void> events(ArgCursor& in, NotifyEvents& ev) {
    if (in.eat_keyword("NONE")) return {};
    const bool list = in.eat('(');
    while (true) {
        auto name = in.atom("event");
        if (!name) return name.error();
        bool* flag = nullptr;
        if (text::iequals(*name, "MessageNew")) flag = &ev.message_new;
        else if (text::iequals(*name, "MessageExpunge")) flag = &ev.message_expunge;
        else if (text::iequals(*name, "FlagChange")) flag = &ev.flag_change;
        else if (text::iequals(*name, "MailboxName")) flag = &ev.mailbox_name;
        else if (text::iequals(*name, "SubscriptionChange")) flag = &ev.subscription_change;
        if (flag) {
            *flag = true;
        } else {
            std::string upper = text::to_upper(*name);
            if (ev.unsupported.size() < 16) ev.unsupported.push_back(std::move(upper));
        }
        if (flag == &ev.message_new && in.peek() == ' ') {
            if (ArgCursor ahead = in; ahead.eat(' ') && ahead.eat('(')) {
                (void)in.sp();
                auto items = parse_fetch_att_list(in);
                if (!items) return items.error();
                ev.fetch = std::move(*items);
            }
        }
        if (list ? in.eat(')') : in.peek() == ')') return {};
        if (auto r = in.sp(); !r) return syntax_error("SP or ) in the event list");
    }
}

bool is_selected(Filter f) { return f == Filter::Selected || f == Filter::SelectedDelayed; }

// event-group = "(" filter-mailboxes SP events ")".
Result<NotifyGroup> event_group(ArgCursor& in) {
    NotifyGroup g;
    if (auto r = in.expect('(', "( of an event group"); !r) return r.error();
    if (in.eat_keyword("SELECTED-DELAYED")) g.filter = Filter::SelectedDelayed;
    else if (in.eat_keyword("SELECTED")) g.filter = Filter::Selected;
    else if (in.eat_keyword("INBOXES")) g.filter = Filter::Inboxes;
    else if (in.eat_keyword("PERSONAL")) g.filter = Filter::Personal;
    else if (in.eat_keyword("SUBSCRIBED")) g.filter = Filter::Subscribed;
    else if (in.eat_keyword("SUBTREE")) g.filter = Filter::Subtree;
    else if (in.eat_keyword("MAILBOXES")) g.filter = Filter::Mailboxes;
    else return syntax_error("SELECTED, SELECTED-DELAYED, INBOXES, PERSONAL, SUBSCRIBED, SUBTREE or MAILBOXES");
    if (auto r = in.sp(); !r) return r.error();
    if (g.filter == Filter::Subtree || g.filter == Filter::Mailboxes) {
        if (auto r = mailboxes(in, g.mailboxes); !r) return r.error();
        if (auto r = in.sp(); !r) return r.error();
    }
    if (auto r = events(in, g.events); !r) return r.error();
    if (auto r = in.expect(')', ") after the events"); !r) return r.error();
    const NotifyEvents& ev = g.events;
    // RFC 5465 §5 (rfc5465.txt:443) wants BAD for MessageNew without MessageExpunge (and
    // the reverse), and for FlagChange without both; Dovecot accepts each alone and
    // imaptest's notify script relies on it (one STATUS item per event), so they are
    // accepted here: each event alone has a clear meaning.
    // RFC 5465 §6.1 (rfc5465.txt:796): only message events for the selected mailbox; the
    // fetch attributes only there (rfc5465.txt:991).
    if (is_selected(g.filter) && (ev.mailbox_name || ev.subscription_change))
        return Error::syntax("only message events for the selected mailbox");
    if (!is_selected(g.filter) && !ev.fetch.empty())
        return Error::syntax("fetch attributes only for the selected mailbox");
    return g;
}

}  // namespace

// "CANCELUPDATE" 1*(SP quoted) (RFC 5267 §5).
Result<CommandArgs> parse_cancelupdate(ArgCursor& in) {
    CancelUpdateCmd cmd;
    do {
        if (in.peek() != '"') return syntax_error("quoted tag");
        auto tag = in.string("tag");
        if (!tag) return tag.error();
        cmd.tags.push_back(std::move(*tag));
        if (cmd.tags.size() > 64) return syntax_error("at most 64 tags");
    } while (in.eat(' '));
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

// notify = "NOTIFY" SP (notify-set / notify-none); notify-set = "SET" [SP "STATUS"] SP
// event-groups (RFC 5465 §8, rfc5465.txt:923).
Result<CommandArgs> parse_notify(ArgCursor& in) {
    NotifyCmd cmd;
    if (in.eat_keyword("NONE")) {
        cmd.none = true;
        if (auto r = in.end(); !r) return r.error();
        return CommandArgs{std::move(cmd)};
    }
    if (!in.eat_keyword("SET")) return syntax_error("SET or NONE");
    if (auto r = in.sp(); !r) return r.error();
    if (in.eat_keyword("STATUS")) {
        cmd.status = true;
        if (auto r = in.sp(); !r) return r.error();
    }
    bool selected_seen = false;
    do {
        auto g = event_group(in);
        if (!g) return g.error();
        if (is_selected(g->filter)) {
            // rfc5465.txt:779: "Only one of the mailbox specifiers affecting the currently
            // selected mailbox can be specified in any NOTIFY command."
            if (selected_seen) return Error::syntax("SELECTED or SELECTED-DELAYED only once");
            selected_seen = true;
        }
        cmd.groups.push_back(std::move(*g));
        if (cmd.groups.size() > kMaxGroups) return syntax_error("at most 32 event groups");
    } while (in.eat(' '));
    if (auto r = in.end(); !r) return r.error();
    return CommandArgs{std::move(cmd)};
}

}  // namespace mr::imapd::detail
