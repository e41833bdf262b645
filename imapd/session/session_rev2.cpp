// IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) as ENABLE turns them on (the
// ProtocolMode, protocol_mode.hpp), the APPEND rule of RFC 6855 §4, and UNAUTHENTICATE
// (RFC 8437). What each mode changes in a response lives where that response is made,
// reading mode_.
#include <utility>

#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"
#include "imapd/session/session.hpp"

namespace mr::imapd::session {

namespace {

// The header block of an APPEND message: up to its first empty line (header_parser.hpp's
// line ends), or all of it.
std::string_view header_block(std::string_view message) {
    std::size_t from = 0;
    while (from < message.size()) {
        const mime::LineSpan l = mime::line_at(message.data(), from, message.size());
        if (l.content_end == from) return message.substr(0, from);
        from = l.next;
    }
    return message;
}

}  // namespace

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

// RFC 6855 §4 (rfc6855.txt:223): "If an IMAP server supports "UTF8=ACCEPT" and the IMAP
// client has not issued the "ENABLE UTF8=ACCEPT" command, the server MUST reject, with a
// "NO" response, an "APPEND" command that includes any 8-bit character in message header
// fields." IMAP4rev2 allows UTF-8 headers (RFC 9051 §6.3.12, rfc9051.txt:3425), so
// either mode lets them in; the message is then stored as sent, like SMTPUTF8 mail.
std::optional<Actions> Session::refuse_8bit_header(const std::string& tag, const AppendItem& m) {
    if (mode_.utf8() || !text::has_non_ascii(header_block(m.message))) return std::nullopt;
    return tagged(tag, "NO", "[CANNOT] 8-bit header fields need ENABLE UTF8=ACCEPT");
}

// RFC 8437 §3: the session forgets the user, the selected mailbox (without expunging it)
// and what ENABLE turned on, and is not authenticated again; the glue gives back the
// store and the per-user connection slot (LoggedOut). With COMPRESS active the client's
// and the server's compression layers would have to end at this command (RFC 8437 §4.1);
// a deflate stream here cannot be ended mid-connection, so the command is refused then.
Actions Session::cmd_unauthenticate(const std::string& tag) {
    if (compressing_) return tagged(tag, "NO", "[CANNOT] UNAUTHENTICATE is not available after COMPRESS");
    state_ = NotAuthenticated{};
    user_.clear();
    mode_ = {};
    condstore_ = false;
    qresync_ = false;
    // Before login no literal may be buffered (session.hpp's invariants).
    reader_.set_max_literal(0);
    Actions out{{LoggedOut{}}};
    for (auto& a : tagged(tag, "OK", "UNAUTHENTICATE completed")) out.push_back(std::move(a));
    return out;
}

}  // namespace mr::imapd::session
