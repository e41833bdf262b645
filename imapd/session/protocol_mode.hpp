// What the client turned on with ENABLE that changes the protocol itself: IMAP4rev2
// (RFC 9051) and UTF8=ACCEPT (RFC 6855). Both are advertised beside IMAP4rev1, so until
// the client enables one the session speaks IMAP4rev1 (RFC 9051 Appendix A,
// rfc9051.txt:7870); once on, a mode stays on for the connection (RFC 9051 §6.3.1,
// rfc9051.txt:1680) until UNAUTHENTICATE (RFC 8437) starts a new login.
//
// Invariants:
//  - ENABLE is refused in the selected state (command_table.hpp), so a mailbox view never
//    sees the mode change under it.
//  - Either mode makes mailbox names UTF-8 and lets quoted strings carry UTF-8; only
//    IMAP4rev2 changes which responses are sent (no RECENT, ESEARCH for SEARCH, LIST on
//    SELECT, no UNSEEN code, UID in every unsolicited FETCH).
#pragma once

#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/imap_string.hpp"

namespace mr::imapd::session {

struct ProtocolMode {
    bool rev2 = false;         // ENABLE IMAP4rev2
    bool utf8_accept = false;  // ENABLE UTF8=ACCEPT

    bool utf8() const { return rev2 || utf8_accept; }
    NameForm names() const { return utf8() ? NameForm::Utf8 : NameForm::Mutf7; }
    QuotedText quoted() const { return utf8() ? QuotedText::Utf8 : QuotedText::Ascii; }
    // RFC 9051 Appendix E item 12 (rfc9051.txt:8053): RECENT and \Recent are gone.
    bool reports_recent() const { return !rev2; }
    // Item 4 (rfc9051.txt:8026): SEARCH answers with ESEARCH.
    bool search_answers_esearch() const { return rev2; }
};

}  // namespace mr::imapd::session
