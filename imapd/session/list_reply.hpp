// The untagged responses of LIST and LSUB from the user's mailboxes and subscriptions:
// LIST (RFC 3501 §6.3.8), LIST-EXTENDED (RFC 5258: selection options SUBSCRIBED, REMOTE,
// RECURSIVEMATCH; return options SUBSCRIBED, CHILDREN; several patterns; \NonExistent,
// CHILDINFO), SPECIAL-USE (RFC 6154 §5.1), LIST-STATUS (RFC 5819, the names that get a
// STATUS response) and LSUB (§6.3.9).
//
// Invariants:
//  - Pure: no store, no session. Names in the store are UTF-8; patterns are matched
//    against, and responses carry, their modified UTF-7 form (wire_name).
//  - At most one response per name (RFC 5258 §3.3, rfc5258.txt:462), in the store's order, then
//    subscribed names without a mailbox, then names that exist only as their parents.
//  - A name is answered when it matches a pattern and either meets the selection
//    criteria, or (RECURSIVEMATCH) has a descendant that does and matches no pattern
//    (rfc5258.txt:476); only then does it carry CHILDINFO.
#pragma once

#include <string>
#include <vector>

#include "imapd/proto/command.hpp"
#include "storage/mailbox_index.hpp"

namespace mr::imapd::session {

struct ListLine {
    std::string response;     // "* LIST (...) "/" name ...\r\n"
    std::string wire_name;    // the name as sent
    std::string status_name;  // RETURN (STATUS): the UTF-8 name to report on; else empty
};

// `patterns` are canonical (list_pattern of the reference and each pattern, mUTF-7);
// `lost` the subscribed names without a mailbox (MailboxStore::lost_subscriptions);
// `placeholders` names listed as \Noselect that are no mailbox (the levels of the shared
// namespace, "Shared" and "Shared/<owner>", shared_namespace.hpp).
std::vector<ListLine> list_lines(const ListCmd& c, const std::vector<std::string>& patterns,
                                 const std::vector<storage::MailboxRecord>& boxes,
                                 const std::vector<std::string>& lost,
                                 const std::vector<std::string>& placeholders = {});

// A stored (UTF-8) name as the client sees it (modified UTF-7).
std::string wire_name(const std::string& utf8);

// Whether a mailbox of `boxes` lies below `name`.
bool has_children(const std::vector<storage::MailboxRecord>& boxes, const std::string& name);

}  // namespace mr::imapd::session
