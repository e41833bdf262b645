// The shared namespace (RFC 2342 §5, "Other Users' Namespace" in the sense Dovecot gives it
// for shared mailboxes): another account's mailbox "Sales/2026" appears to a grantee as
// "Shared/<owner address>/Sales/2026", so clients (Thunderbird) list it like a folder.
//
// Invariants:
// - Pure: names in and out are the store's UTF-8 names ('/' hierarchy).
// - A name belongs to the shared namespace when its second level names an account
//   ("Shared/<local@domain>/..."): a user's own folders "Shared" or "Shared/Projects" (from
//   before shared mailboxes, or imported) stay the user's. Own folders named like an
//   account below "Shared" are hidden, so one name always means one mailbox.
// - "Shared" (unless the user has such a folder) and "Shared/<owner>" are only the levels
//   above shared mailboxes: never selectable (\Noselect in LIST).
#pragma once

#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::imapd::session {

inline constexpr std::string_view kSharedRoot = "Shared";

// A mailbox as the session addresses its store: owner "" is the logged-in user's own.
struct MailboxRef {
    std::string owner;  // lower-case address of the account, "" for the user's own mailboxes
    std::string name;   // the name in the owner's store

    bool shared() const { return !owner.empty(); }
};

// The store mailbox a client name means. Refused (NoSuchMailbox) for "Shared/<owner>" (no
// mailbox of its own) and for an owner that is not an address; the user's own address
// as owner means the user's own mailbox.
Result<MailboxRef> resolve_mailbox(std::string_view name, std::string_view user);

// True for "Shared/<account>" and every name below it.
bool in_shared_namespace(std::string_view name);

// "Shared/<owner>/<name>": how a grantee sees the owner's mailbox.
std::string shared_name(std::string_view owner, std::string_view name);

// The UTF-8 name the client uses for `ref`: its own name, or shared_name for another's.
std::string client_name(const MailboxRef& ref);

}  // namespace mr::imapd::session
