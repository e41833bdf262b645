// NOTIFY (RFC 5465): NOTIFY SET / NOTIFY NONE, and the polls of the other mailboxes that
// turn the user's changes into STATUS and LIST responses (notify_watch.hpp decides which).
//
// Invariants (with session.hpp's):
// - Events reach the session the one way every change does: another session's Changed or a
//   delivery's wake-up datagram reaches the glue's SessionRegistry, which wakes this
//   session (Session::on_wake); the session then reads the store. No second channel.
// - Between commands a NOTIFY session reports at once (rfc5465.txt:232: "the client listens
//   for event notifications all the time"), SELECTED's expunges included; SELECTED-DELAYED
//   holds them for a command that may send them.
// - The watch is replaced whole by NOTIFY SET and dropped by NOTIFY NONE or an overflow; a
//   poll whose watch was replaced meanwhile reports nothing.
// - A NOTIFY whose mailboxes with message events exceed kMaxWatched is refused with
//   NOTIFICATIONOVERFLOW; so is, at runtime, a report of more than kMaxReport octets, after
//   which the session behaves as after NOTIFY NONE (RFC 5465 §5.8, rfc5465.txt:717).
#include <algorithm>
#include <map>
#include <utility>

#include "imapd/proto/mailbox_name.hpp"
#include "imapd/session/notify_watch.hpp"
#include "imapd/session/session.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

using Filter = NotifyGroup::Filter;

constexpr std::size_t kMaxWatched = 1000;
constexpr std::size_t kMaxReport = 256 * 1024;

// The watch a NOTIFY SET asks for, names decoded from `form` (and its responses in it);
// names that cannot be mailboxes are dropped, as names of no mailbox are ignored
// (rfc5465.txt:303).
NotifyWatch watch_of(const NotifyCmd& c, NameForm form) {
    NotifyWatch w;
    w.form = form;
    for (const auto& g : c.groups) {
        if (g.filter == Filter::Selected || g.filter == Filter::SelectedDelayed) {
            w.selected = true;
            w.selected_delayed = g.filter == Filter::SelectedDelayed;
            w.selected_events = g.events;
            continue;
        }
        NotifyGroup decoded = g;
        decoded.mailboxes.clear();
        for (const auto& wire : g.mailboxes) {
            if (auto name = decode_mailbox_name(wire, form)) decoded.mailboxes.push_back(std::move(name.value()));
        }
        w.groups.push_back(std::move(decoded));
    }
    return w;
}

// The selected mailbox among the user's own, which the watch treats as SELECTED's: none
// when it is another account's shared mailbox (its name is one in that account's store).
std::string own_selected(const Session& s) {
    return s.selected_owner().empty() ? s.selected_mailbox() : std::string();
}

}  // namespace

std::string Session::notify_overflow() {
    notify_.reset();
    return "* OK [NOTIFICATIONOVERFLOW] Too many changes at once; notifications are off\r\n";
}

Actions Session::cmd_notify(const std::string& tag, const NotifyCmd& c) {
    if (c.none) {
        notify_.reset();
        return tagged(tag, "OK", "NOTIFY completed");
    }
    for (const auto& g : c.groups) {
        // RFC 5465 §3.1 (rfc5465.txt:344): an event we do not report is NO, naming those we do.
        if (!g.events.unsupported.empty())
            return tagged(tag, "NO", "[BADEVENT (" + std::string(kNotifyEvents) + ")] Event not supported");
    }
    auto watch = std::make_shared<NotifyWatch>(watch_of(c, mode_.names()));
    return async({StoreJob{[this, tag, watch, status = c.status, selected_name = own_selected(*this),
                            condstore = condstore_](storage::MailboxStore& store) {
        auto boxes = store.list_mailboxes();
        std::map<std::string, storage::MailboxStatus> counts;
        bool overflow = false;
        if (boxes) {
            const auto names = watch->to_count(boxes.value(), selected_name, true);
            overflow = names.size() > kMaxWatched;
            for (std::size_t i = 0; i < names.size() && !overflow; ++i) {
                if (auto st = store.status(names[i])) counts.emplace(names[i], st.value());
            }
        }
        return StoreResume([this, tag, watch, status, selected_name, condstore, overflow, boxes = std::move(boxes),
                            counts = std::move(counts)]() -> Actions {
            if (!boxes) return store_error(tag, boxes.error());
            // RFC 5465 §3.1 (rfc5465.txt:327): what is too expensive may be refused so.
            if (overflow) return tagged(tag, "NO", "[NOTIFICATIONOVERFLOW] Too many mailboxes to watch");
            std::string out = status ? watch->initial_status(boxes.value(), counts, selected_name) : "";
            watch->update(boxes.value(), counts, selected_name, condstore, false);
            notify_ = watch;
            Actions acts;
            if (!out.empty()) acts.push_back({Send{std::move(out)}});
            for (auto& a : tagged(tag, "OK", "NOTIFY completed")) acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

Actions Session::poll_mailboxes(std::function<Actions()> finish, bool report) {
    if (!notify_ || !notify_->watches_mailboxes()) return finish();
    return async({StoreJob{[this, watch = notify_, selected_name = own_selected(*this), condstore = condstore_, report,
                            finish = std::move(finish)](storage::MailboxStore& store) {
        // The session waits for this job: nothing else reads or writes the watch meanwhile.
        auto boxes = store.list_mailboxes();
        std::map<std::string, storage::MailboxStatus> counts;
        if (boxes) {
            for (const auto& name : watch->to_count(boxes.value(), selected_name, false)) {
                if (auto st = store.status(name)) counts.emplace(name, st.value());
            }
        }
        return StoreResume([this, watch, selected_name, condstore, report, finish, boxes = std::move(boxes),
                            counts = std::move(counts)]() -> Actions {
            Actions acts;
            if (boxes && notify_ == watch) {
                std::string out = watch->update(boxes.value(), counts, selected_name, condstore, report);
                if (out.size() > kMaxReport) out = notify_overflow();
                if (!out.empty()) acts.push_back({Send{std::move(out)}});
            }
            for (auto& a : finish()) acts.push_back(std::move(a));
            return acts;
        });
    }}});
}

}  // namespace mr::imapd::session
