// Delivery status notifications: when the sender is told (RFC 3461 NOTIFY) and what
// the notice looks like (RFC 3464 multipart/report).
//
// Invariants:
// - Pure: the caller supplies the clock value, the boundary and the message bytes.
// - A message with the null reverse-path never gets a notice (RFC 3461 §6.1,
//   rfc3461.txt:1083; RFC 5321 §4.5.5, rfc5321.txt:3787): should_notify() says no.
// - NOTIFY absent means FAILURE,DELAY (RFC 3461 §4.1 and §6.2, rfc3461.txt:400);
//   NEVER stands alone and suppresses everything; SUCCESS is only sent when asked.
// - The report is a multipart/report; report-type=delivery-status (RFC 3464 §2,
//   rfc3464.txt:377) with exactly three parts: human-readable text, the
//   message/delivery-status fields in the §2.2/§2.3 order (rfc3464.txt:575,
//   rfc3464.txt:793), then the original headers (text/rfc822-headers) or, for a
//   failure with RET=FULL, the whole message (message/rfc822) (RFC 3461 §6.2,
//   rfc3461.txt:1094).
// - Every line ends in CRLF, and every line we generate is 7-bit except the
//   returned original, which is copied as is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mr::deliverd {

enum class DsnAction { Failed, Delayed, Delivered, Relayed };
std::string_view to_string(DsnAction action);

struct NotifyPolicy {
    bool success = false;
    bool failure = true;
    bool delay = true;
};
// Parses a NOTIFY value as received ("SUCCESS,FAILURE", "never", ""); unknown words
// are ignored.
NotifyPolicy parse_notify(std::string_view value);
bool should_notify(std::string_view sender, std::string_view notify, DsnAction action);

// RFC 3461 §4 xtext decoding ("+2B" → "+"); malformed escapes are kept literally.
std::string xtext_decode(std::string_view text);

struct DsnRecipient {
    std::string final_recipient;  // address
    std::string orcpt;            // ORCPT as received ("rfc822;bob@x", xtext), or empty
    DsnAction action = DsnAction::Failed;
    std::string reply;            // "550 5.1.1 no such user" or our reason
    std::string remote_mta;       // "mx.example.org[192.0.2.1]" or empty
    std::int64_t retry_until = 0; // Delayed: when we give up (seconds since epoch)
};

struct DsnInput {
    std::string reporting_mta;    // our hostname
    std::string original_sender;  // the envelope sender the report goes to
    std::string queue_id;
    std::string envid;            // ENVID as received (xtext), or empty
    std::string ret;              // "FULL", "HDRS" or empty
    std::int64_t arrival = 0;     // when we received the message
    std::int64_t now = 0;
    std::string boundary;         // unique; must not occur in the original message
    std::vector<DsnRecipient> recipients;
    std::string_view original;    // the queued message (CRLF lines)
};

// "Status:" value: the enhanced code in the reply ("550 5.1.1 ..." → 5.1.1) when its
// class agrees with the action (a 4.x.y of an expired recipient becomes 5.x.y), else a
// generic one (5.0.0, 4.0.0, 2.0.0).
std::string status_code(DsnAction action, std::string_view reply);

// The complete notice, headers and body, ready to enqueue with the null sender.
std::string compose_dsn(const DsnInput& in);

}  // namespace mr::deliverd
