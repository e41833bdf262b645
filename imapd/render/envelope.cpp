// See envelope.hpp for the NIL and ordering rules.
#include "imapd/render/envelope.hpp"

#include "imapd/render/imap_string.hpp"

namespace mr::imapd {
namespace {

void append_opt(std::string& out, const std::optional<std::string>& s, QuotedText q) {
    if (s)
        append_string(out, *s, q);
    else
        out += "NIL";
}

// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")" (rfc3501.txt:4515)
void append_address(std::string& out, const mime::Address& a, QuotedText q) {
    out += '(';
    append_opt(out, a.name, q);
    out += ' ';
    append_opt(out, a.adl, q);
    out += ' ';
    append_opt(out, a.mailbox, q);
    out += ' ';
    append_opt(out, a.host, q);
    out += ')';
}

}  // namespace

void append_address_list(std::string& out, const std::vector<mime::Address>& addresses, QuotedText q) {
    if (addresses.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (const mime::Address& a : addresses) append_address(out, a, q);
    out += ')';
}

void append_envelope(std::string& out, const mime::Envelope& e, QuotedText q) {
    out += '(';
    append_opt(out, e.date, q);
    out += ' ';
    append_opt(out, e.subject, q);
    for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
        out += ' ';
        append_address_list(out, *list, q);
    }
    out += ' ';
    append_opt(out, e.in_reply_to, q);
    out += ' ';
    append_opt(out, e.message_id, q);
    out += ')';
}

}  // namespace mr::imapd
