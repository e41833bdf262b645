// IMAP URLs (RFC 5092) naming a message or a section of one, as CATENATE's URL parts
// use them (RFC 4469 §3): the absolute form "imap://user@host/mailbox;UIDVALIDITY=n/;UID=n
// /;SECTION=s/;PARTIAL=o.l" and the relative one that starts at "/mailbox".
//
// Invariants:
//  - Only what a message URL can hold is accepted: a mailbox, UIDVALIDITY, one UID, SECTION
//    and PARTIAL (RFC 5092 §3, imessagepart); list, search, URLAUTH and the server-only
//    forms are refused, as anything else we cannot resolve (the session answers BADURL).
//  - Keys are case-insensitive; every component is percent-decoded (RFC 5092 §3.1), and
//    the mailbox is then a UTF-8 name (RFC 5092 §5), not modified UTF-7.
//  - The server and user are only reported: the session decides whether they are its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/util/result.hpp"
#include "imapd/proto/fetch_section.hpp"

namespace mr::imapd {

struct ImapUrl {
    std::optional<std::string> user;  // absolute URLs with a user; decoded
    std::optional<std::string> host;   // absolute URLs; as sent (with any :port)
    std::string mailbox;               // decoded, UTF-8; never empty
    std::optional<std::uint32_t> uidvalidity;
    std::uint32_t uid = 0;
    Section section;                   // Full and no part numbers: the whole message
    // RFC 5092 ipartial = ";PARTIAL=" offset ["." length]: without a length, to the end
    // (length UINT32_MAX).
    std::optional<Partial> partial;
};

Result<ImapUrl> parse_imap_url(std::string_view url);

}  // namespace mr::imapd
