// IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) as ENABLE turns them on (the
// ProtocolMode, protocol_mode.hpp), and UNAUTHENTICATE (RFC 8437). What each mode changes
// in a response lives where that response is made, reading mode_.
//
// APPEND: 8-bit header fields are NO unless the client enabled UTF8=ACCEPT or IMAP4rev2
// (RFC 6855 §4; cmd_append in session_mailboxes.cpp). Migration tools that append old
// mail with raw 8-bit headers as IMAP4rev1 clients must ENABLE UTF8=ACCEPT first.
#include <utility>

#include "common/text/ascii.hpp"
#include "imapd/session/session.hpp"

namespace mr::imapd::session {

std::string Session::enable_protocol(std::string_view cap) {
    // RFC 9051 Appendix A (rfc9051.txt:7870): a client that wants IMAP4rev2 from a server
    // advertising both enables it.
    if (text::iequals(cap, "IMAP4rev2")) {
        if (mode_.rev2) return {};
        mode_.rev2 = true;
        return "IMAP4rev2";
    }
    // RFC 6855 §3 (rfc6855.txt:138).
    if (text::iequals(cap, "UTF8=ACCEPT")) {
        if (mode_.utf8_accept) return {};
        mode_.utf8_accept = true;
        return "UTF8=ACCEPT";
    }
    return {};
}

// RFC 8437 §3: the session forgets the user, the selected mailbox (without expunging it),
// what ENABLE turned on, NOTIFY (§4.1) and is not authenticated again; the glue gives back
// the store and the per-user connection slot (LoggedOut). It is never refused ("A NO
// response is not permitted"): with COMPRESS active both compression layers end at this
// command (§4.1), the server's after the OK's CRLF (EndCompression).
Actions Session::cmd_unauthenticate(const std::string& tag) {
    state_ = NotAuthenticated{};
    user_.clear();
    mode_ = {};
    condstore_ = false;
    qresync_ = false;
    notify_.reset();
    const bool compressed = std::exchange(compressing_, false);
    // Before login no literal may be buffered (session.hpp's invariants).
    reader_.set_max_literal(0);
    Actions out{{LoggedOut{}}};
    for (auto& a : tagged(tag, "OK", "UNAUTHENTICATE completed")) out.push_back(std::move(a));
    if (compressed) out.push_back({EndCompression{}});
    return out;
}

}  // namespace mr::imapd::session
