// ENVELOPE (RFC 3501 §7.4.2, rfc3501.txt:4279; grammar rfc3501.txt:4722 envelope,
// :4515 address) from the mime::Envelope cached in the index.
//
// Invariants:
//  - Field order: date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to,
//    message-id (rfc3501.txt:4285).
//  - Absent date/subject/in-reply-to/message-id are NIL, present but empty is ""
//    (rfc3501.txt:4304); an empty address list is NIL, never "()" (1*address).
//  - Sender/Reply-To defaulting to From is already done by mime::parse_message
//    (rfc3501.txt:4336); this writer does not second-guess it.
//  - Strings go out as stored: unfolded, RFC 2047 words left encoded (as Dovecot and
//    UW-IMAP send them); 8-bit bytes force a literal (imap_string.hpp), unless the
//    session enabled UTF-8 (QuotedText::Utf8): then UTF-8 header text (RFC 6532, as
//    SMTPUTF8 mail carries it) goes out as UTF-8 quoted strings (RFC 6855 §3).
//  - Group syntax: a start marker is (NIL NIL "name" NIL), the end marker
//    (NIL NIL NIL NIL) (rfc3501.txt:4297); mime::Address already has that shape.
#pragma once

#include <string>
#include <vector>

#include "common/mime/message_structure.hpp"
#include "imapd/render/imap_string.hpp"

namespace mr::imapd {

void append_envelope(std::string& out, const mime::Envelope& envelope, QuotedText quoted = QuotedText::Ascii);

// env-from / env-to / ... : "(" 1*address ")" / nil.
void append_address_list(std::string& out, const std::vector<mime::Address>& addresses,
                         QuotedText quoted = QuotedText::Ascii);

}  // namespace mr::imapd
