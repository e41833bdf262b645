// What a poll of the selected mailbox reads from the store, beyond the changes themselves,
// for the update contexts (RFC 5267 §4.3) and NOTIFY's MessageNew fetch attributes (RFC
// 5465 §5.2, §7): run on the pool thread inside the poll's store job (session_updates.cpp),
// used on the loop thread by report_updates(). Internal to imapd_session.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imapd/proto/command.hpp"
#include "imapd/proto/sequence_set.hpp"
#include "imapd/session/sort_entry.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

struct Selected;
struct NotifyWatch;

// A context's search, copied for the pool thread.
struct ContextProbe {
    std::string tag;
    SearchKey key;
    std::vector<SortCriterion> criteria;
    bool sorted = false;
    std::vector<FetchItem> fetch;
};

// What the job needs of the session's view, copied.
struct UpdateInputs {
    std::vector<ContextProbe> contexts;
    std::vector<FetchItem> notify_fetch;  // NOTIFY SELECTED's MessageNew (fetch-att ...)
    std::vector<std::uint32_t> view;
    std::vector<std::uint32_t> withheld;
    bool allow_expunge = false;
    NumberSet recent;
    NumberSet saved;
    std::vector<std::string> keywords;
    bool read_only = false;
    bool wanted() const {
        return !contexts.empty() || !notify_fetch.empty();
    }
};

// A context's verdict on the messages that changed (new ones included).
struct ContextVerdicts {
    std::string tag;
    std::vector<SortEntry> matching;      // position = UID, in UID order
    std::vector<std::uint32_t> failing;   // UIDs, ascending
};

struct UpdateExtras {
    std::vector<ContextVerdicts> verdicts;
    std::string new_fetch;  // FETCH responses for new messages, numbered as after the report
    bool overflow = false;  // too many new messages to fetch for NOTIFY (NOTIFICATIONOVERFLOW)
};

// More new messages than this in one poll end NOTIFY (RFC 5465 §5.8) rather than make the
// server fetch for them all at once.
inline constexpr std::size_t kMaxNotifyFetch = 1000;

UpdateInputs update_inputs(const Selected& view, const NotifyWatch* notify, bool allow_expunge);
UpdateExtras read_update_extras(storage::MailboxStore& store, const std::string& box, const storage::Changes& changes,
                                const UpdateInputs& in);

}  // namespace mr::imapd::session
