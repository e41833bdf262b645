// Trace and fix-up header fields smtpd adds to a message before queueing it. Pure: the
// caller passes the time and the queue id.
//
// Invariants:
// - The Received: field follows RFC 5321 §4.4 (rfc5321.txt:3302): "from" the client's EHLO
//   name and its address literal, "by" our hostname, "with" the protocol name of RFC 3848 /
//   RFC 6531 §3.7.3 (ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP...), "id" the queue id, "for"
//   the recipient when there is exactly one, then ";" and the date. TLS version and cipher
//   and the authenticated user (RFC 4954 §7 allows it) are comments.
// - Peer-supplied text (EHLO name, user) is passed through printable(): it cannot break the
//   header or add a line.
// - Folded lines start with a TAB and every line ends with CRLF; no line exceeds 998 octets.
// - Submission fix-ups (RFC 6409 §8.2, §8.3, rfc6409.txt:538): Date and Message-ID are added
//   only when the header section has no such field; nothing else is changed.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace mr::smtpd {

struct TraceInfo {
    std::string helo;         // EHLO/HELO argument
    std::string peer_ip;      // "192.0.2.1" or "2001:db8::1"
    bool esmtp = true;        // EHLO (true) or HELO
    bool smtputf8 = false;    // MAIL ... SMTPUTF8
    std::string tls_version;  // empty: no TLS
    std::string tls_cipher;
    std::string user;         // authenticated user, or empty
    std::string for_recipient;  // the only recipient, or empty
};

std::string received_header(const TraceInfo& info, std::string_view hostname, std::string_view queue_id,
                            std::time_t when);

struct MissingHeaders {
    bool date = false;
    bool message_id = false;
};
// Looks at the header section only (up to the first empty line).
MissingHeaders find_missing_headers(std::string_view message);

// The Date: / Message-ID: lines to add; empty when nothing is missing.
std::string submission_fixups(const MissingHeaders& missing, std::string_view queue_id,
                              std::string_view hostname, std::time_t when);

}  // namespace mr::smtpd
