// THREAD (RFC 5256 §3, rfc5256.txt:302): the ORDEREDSUBJECT and REFERENCES algorithms over
// the messages a search found, and the THREAD response data they print (rfc5256.txt:745).
// Pure: the session hands in each message's fields, as sort_keys.hpp derives them.
//
// Invariants:
//  - `messages` are in mailbox order (ascending sequence number); that order breaks every
//    tie of sent date (rfc5256.txt:159).
//  - REFERENCES follows the RFC's six steps (rfc5256.txt:448): Message-IDs compared
//    case-sensitively after normalisation (message_ids()); a missing, invalid or duplicate
//    Message-ID gives the message a unique one; no link that would close a loop is made,
//    so cycles in References fields end as trees; dummies are pruned and merged as §3 says.
//  - No recursion over the thread tree: a chain of 100,000 replies costs no stack.
//  - Each message given appears exactly once in the result; the result is "" for none,
//    else the thread lists "(...)(...)" without the leading "* THREAD ".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/mime/message_ids.hpp"

namespace mr::imapd {

struct ThreadMessage {
    std::uint32_t id = 0;             // what is printed: sequence number or UID
    std::int64_t sent = 0;            // sent date (rfc5256.txt:139), or the internal date
    std::string subject_key;          // BaseSubject::key
    bool reply_or_forward = false;    // BaseSubject::reply_or_forward
    std::string message_id;           // normalised; "" when missing or invalid
    std::vector<std::string> references;  // normalised, the parent last (thread_references())
};

std::string thread_ordered_subject(const std::vector<ThreadMessage>& messages);
std::string thread_references(const std::vector<ThreadMessage>& messages);

// The normalised msg-ids of a field value (rfc5256.txt:407): common/mime/message_ids.hpp,
// shared with the store's THREADIDs.
using mime::message_ids;

// A message's references (rfc5256.txt:425): the References field's valid msg-ids, or
// without any, the first valid one of In-Reply-To.
std::vector<std::string> thread_parents(std::string_view references, std::string_view in_reply_to);

}  // namespace mr::imapd
