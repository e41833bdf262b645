// Address lists (RFC 5322 §3.4, rfc5322.txt:859, with the obsolete forms of §4.4,
// rfc5322.txt:1911) parsed into the address structures of an IMAP ENVELOPE
// (RFC 3501 §7.4.2, rfc3501.txt:4292 and the grammar at rfc3501.txt:4515).
//
// Invariants:
//  - Each field maps 1:1 onto the IMAP address structure; nullopt is NIL:
//      mailbox   {name?, adl?, mailbox, host}   host is never NIL
//      group     {NIL, NIL, "group name", NIL} ... members ... {NIL, NIL, NIL, NIL}
//    Start and end markers are always balanced (a missing ";" is supplied).
//  - A missing domain ("undisclosed-recipients", "<postmaster>") gives host "" rather
//    than NIL, because a NIL host would turn the entry into a group marker.
//  - `name` is the display name as written, unquoted and with white space collapsed;
//    RFC 2047 words are left encoded, because IMAP hands ENVELOPE strings to clients
//    undecoded. display_name() decodes for callers that want text. For the legacy
//    "user@host (Full Name)" form the comment becomes the name, as IMAP servers do.
//  - Never fails; garbage up to the next "," is skipped; null members ("a,,b") vanish.
//  - Linear in the input; at most kMaxAddresses entries are returned.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mr::mime {

struct Address {
    std::optional<std::string> name;     // display name (phrase), NIL when absent
    std::optional<std::string> adl;      // obsolete source route "@a,@b", NIL when absent
    std::optional<std::string> mailbox;  // local part, unquoted; group name for a start marker
    std::optional<std::string> host;     // domain ("" when missing); NIL only for markers

    bool is_group_start() const { return !host && mailbox; }
    bool is_group_end() const { return !host && !mailbox; }
    bool operator==(const Address&) const = default;
};

inline constexpr std::size_t kMaxAddresses = 10000;

std::vector<Address> parse_address_list(std::string_view field_value);

// The name with RFC 2047 words decoded to UTF-8 (empty when NIL).
std::string display_name(const Address& address);

}  // namespace mr::mime
