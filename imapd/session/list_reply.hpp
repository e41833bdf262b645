// The untagged responses of LIST and LSUB from the user's mailboxes and subscriptions:
// LIST (RFC 3501 §6.3.8), LIST-EXTENDED (RFC 5258: selection options SUBSCRIBED, REMOTE,
// RECURSIVEMATCH; return options SUBSCRIBED, CHILDREN; several patterns; \NonExistent,
// CHILDINFO), SPECIAL-USE (RFC 6154 §5.1), LIST-STATUS (RFC 5819, the names that get a
// STATUS response) and LSUB (§6.3.9).
//
// Invariants:
//  - Pure: no store, no session. Names in the store are UTF-8; patterns are matched
//    against, and responses carry, the form the client spells names in (NameForm:
//    modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT / IMAP4rev2).
//  - At most one response per name (RFC 5258 §3.3, rfc5258.txt:462), in the store's order, then
//    subscribed names without a mailbox, then names that exist only as their parents.
//  - A name is answered when it matches a pattern and either meets the selection
//    criteria, or (RECURSIVEMATCH) has a descendant that does and matches no pattern
//    (rfc5258.txt:476); only then does it carry CHILDINFO.
#pragma once

#include <string>
#include <vector>

#include "imapd/proto/command.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "storage/mailbox_index.hpp"

namespace mr::imapd::session {

struct ListLine {
    std::string response;     // "* LIST (...) "/" name ...\r\n"
    std::string wire_name;    // the name as sent
    std::string status_name;  // RETURN (STATUS): the UTF-8 name to report on; else empty
};

// `patterns` are canonical (list_pattern of the reference and each pattern, in `form`);
// `lost` the subscribed names without a mailbox (MailboxStore::lost_subscriptions);
// `placeholders` names listed as \Noselect that are no mailbox (the levels of the shared
// namespace, "Shared" and "Shared/<owner>", shared_namespace.hpp).
std::vector<ListLine> list_lines(const ListCmd& c, const std::vector<std::string>& patterns,
                                 const std::vector<storage::MailboxRecord>& boxes,
                                 const std::vector<std::string>& lost,
                                 const std::vector<std::string>& placeholders = {},
                                 NameForm form = NameForm::Mutf7);

// The LIST response for one mailbox as SELECT/EXAMINE send it in IMAP4rev2 (RFC 9051
// §6.3.2, rfc9051.txt:1787): its attributes, "/" and its name in `form`. `boxes` and
// `name` are the owner's; `shown` the client's name for it (client_name: another account's
// mailbox is "Shared/<owner>/<name>", and the owner's subscription is not the user's:
// `shared_subscribed`, the user's own, stands for it).
std::string select_list_response(const std::vector<storage::MailboxRecord>& boxes, const std::string& name,
                                 const std::string& shown, bool shared_subscribed, NameForm form);

// Whether a mailbox of `boxes` lies below `name`.
bool has_children(const std::vector<storage::MailboxRecord>& boxes, const std::string& name);

}  // namespace mr::imapd::session
