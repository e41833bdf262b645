// Message identifiers (RFC 5322 §3.6.4, rfc5322.txt:1383 msg-id): the ids of a Message-ID,
// In-Reply-To or References field, and the ids a message's header links it by to other
// messages, which the store follows to give it a THREADID (RFC 8474 §5.2,
// storage/mailbox_index_threads.cpp). Pure: bytes in, ids out.
//
// Invariants:
//  - An id is normalised as RFC 5256 asks (rfc5256.txt:407): "<" and ">" dropped, quotes,
//    escapes, comments and white space removed, compared case-sensitively afterwards; so
//    THREAD=REFERENCES and THREADID agree on what names the same message.
//  - thread_links() is bounded whatever the header holds: at most kMaxThreadReferences + 2
//    ids of at most kMaxThreadLinkBytes each (the store does one indexed lookup per id at
//    every delivery).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mr::mime {

// The msg-ids of a field value (with the obsolete forms), each normalised. A msg-id needs
// an "@" or it is not valid.
std::vector<std::string> message_ids(std::string_view field_value);

// How many References ids a message's links take: the newest ones. A References field
// grows by one id per reply (rfc5322.txt:1443: the parent's References "followed by" the
// parent's Message-ID), so the last ids name the nearest ancestors, which a reply's
// thread is found by; the oldest ones add nothing a reply of a reply did not link already.
inline constexpr std::size_t kMaxThreadReferences = 10;
// Longer ids are skipped: no mailer writes one, and each link is a row of the index.
inline constexpr std::size_t kMaxThreadLinkBytes = 250;

// The ids a message (its header block: bytes from the start of the message) links it by,
// most telling first: In-Reply-To's first id (the parent), the References ids from the
// newest (at most kMaxThreadReferences), then the message's own Message-ID (which a reply
// stored before its parent links to). Each id once; empty when the fields name none.
std::vector<std::string> thread_links(std::string_view message);

}  // namespace mr::mime
