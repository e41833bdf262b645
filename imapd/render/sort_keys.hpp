// What SORT (RFC 5256 §3, rfc5256.txt:183; SORT=DISPLAY, RFC 5957) and THREAD compare of
// one message, derived from its cached envelope and header: each string already in
// i;unicode-casemap's form (common/text/unicode_casemap.hpp), so sorting compares bytes.
//
// Invariants:
//  - An absent header, or one without a usable address, is the empty string, which
//    collates first (rfc5256.txt:249).
//  - CC/FROM/TO: the addr-mailbox (local part) of the field's first address
//    (rfc5256.txt:257), which for a group is its start marker: the group name.
//  - DISPLAYFROM/DISPLAYTO (RFC 5957 §3): the first address's display name, RFC
//    2047-decoded, or when it has none (or an empty one) its addr-spec "mailbox@host"
//    (a group: its name), as imaptest's sort-display scripts expect of Dovecot.
//  - The sent date is the Date: field in UTC seconds, or the internal date without one
//    (rfc5256.txt:155).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/mime/message_structure.hpp"

namespace mr::imapd {

// Every key SORT and THREAD may ask of one message's envelope, computed in one pass (the
// session caches them per message, sort_cache.hpp).
struct MessageSortKeys {
    std::int64_t sent = 0;          // sent_time()
    std::string subject;            // BaseSubject::key
    bool reply_or_forward = false;  // BaseSubject::reply_or_forward
    std::string from, to, cc;       // address_sort_key()
    std::string display_from, display_to;  // display_sort_key()
};
MessageSortKeys message_sort_keys(const mime::Envelope& envelope, std::int64_t internal_date);

std::string address_sort_key(const std::vector<mime::Address>& field);
std::string display_sort_key(const std::vector<mime::Address>& field);
std::int64_t sent_time(const mime::Envelope& envelope, std::int64_t internal_date);

}  // namespace mr::imapd
