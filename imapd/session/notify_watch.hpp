// What a NOTIFY SET (RFC 5465) asks the session to watch, and what it last told the client
// of the mailboxes other than the selected one. Pure: the session reads the store
// (session_notify.cpp) and hands the mailbox list and counts in; this decides which
// events happened and renders them.
// Internal to imapd_session.
//
// Invariants:
// - Names are the store's (UTF-8); responses carry them in `form` (encode_mailbox_name).
// - The selected mailbox gets no message events from here: SELECTED/SELECTED-DELAYED rule
//   it (RFC 5465 §3.1, rfc5465.txt:264), through the session's ordinary updates.
// - "inboxes" is "personal": the server cannot tell which mailboxes a delivery agent
//   writes to (Sieve fileinto), which RFC 5465 §6.3 (rfc5465.txt:828) allows.
// - A mailbox that is gone and one that appeared with its UIDVALIDITY are a rename (the
//   store keeps UIDVALIDITY across RENAME): one LIST with OLDNAME, as §5.4 says.
// - The snapshot (`seen`) is replaced by every update(), reported or not, so each change is
//   told once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imapd/proto/command.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

struct NotifyWatch {
    // The groups of NOTIFY SET, their mailbox names decoded (selected ones excluded).
    std::vector<NotifyGroup> groups;
    // SELECTED / SELECTED-DELAYED: message events of the selected mailbox, pushed as they
    // happen; DELAYED holds expunges back until a command may send them.
    bool selected = false;
    bool selected_delayed = false;
    NotifyEvents selected_events;

    struct Seen {
        storage::MailboxRecord box;
        std::optional<storage::MailboxStatus> counts;  // read when the mailbox has message events
    };
    std::map<std::string, Seen> seen;
    // How names are sent: modified UTF-7, or UTF-8 once the session enabled it (RFC 6855 §3).
    NameForm form = NameForm::Mutf7;

    // Whether any group names mailboxes other than the selected one.
    bool watches_mailboxes() const { return !groups.empty(); }
    // The union of the events the groups ask for `box` (message events never for `selected`).
    NotifyEvents events_for(const storage::MailboxRecord& box, const std::string& selected_name) const;
    // Mailboxes of `now` with message events whose counts update() needs: those whose row
    // changed since the snapshot (or all of them, `all`).
    std::vector<std::string> to_count(const std::vector<storage::MailboxRecord>& now,
                                      const std::string& selected_name, bool all) const;
    // The untagged LIST and STATUS responses for what changed since the snapshot (`report`
    // false: none, the own changes of the session), and the new snapshot. `counts`: what
    // to_count() named, read from the store.
    std::string update(const std::vector<storage::MailboxRecord>& now,
                       const std::map<std::string, storage::MailboxStatus>& counts, const std::string& selected_name,
                       bool condstore, bool report);
    // NOTIFY SET STATUS (RFC 5465 §3.1, rfc5465.txt:274): a STATUS for each mailbox with
    // message events (from `counts`), with the items those events ask for.
    std::string initial_status(const std::vector<storage::MailboxRecord>& now,
                               const std::map<std::string, storage::MailboxStatus>& counts,
                               const std::string& selected_name) const;
};

// The events this server reports (BADEVENT lists them, RFC 5465 §3.1).
inline constexpr std::string_view kNotifyEvents = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

}  // namespace mr::imapd::session
