// The message of an APPEND with CATENATE (RFC 4469 §5): its TEXT parts and the messages
// or sections its URL parts name, joined in order. Runs on a pool thread against the
// user's store (the URLs name the user's own messages).
//
// Invariants:
//  - A URL must be an IMAP URL of this user (a relative one, or an absolute one whose
//    user, when given, is the session's; the host is not checked: a client only has
//    this server's URLs for its messages) naming an existing message, with the
//    mailbox's current UIDVALIDITY when it gives one. Anything else fails the APPEND with
//    [BADURL url] (RFC 4469 §6), and nothing is stored.
//  - URL content is what FETCH BODY[section]<partial> would send (IMAP form), so a
//    catenated message is CRLF throughout where its parts were.
//  - The message never grows past `max_size`: the APPEND fails with [TOOBIG] instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imapd/proto/command.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

struct BadUrl {
    std::string url;  // as sent
};
struct TooBig {};

std::variant<std::string, BadUrl, TooBig> build_catenated(storage::MailboxStore& store, std::string_view user,
                                                          const std::vector<CatenatePart>& parts,
                                                          std::uint64_t max_size);

}  // namespace mr::imapd::session
