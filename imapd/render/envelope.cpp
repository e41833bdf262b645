// See envelope.hpp for the NIL and ordering rules.
#include "imapd/render/envelope.hpp"

#include "imapd/render/imap_string.hpp"

namespace mr::imapd {
namespace {

void append_opt(std::string& out, const std::optional<std::string>& s) {
    if (s)
        append_string(out, *s);
    else
        out += "NIL";
}

// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")" (rfc3501.txt:4515)
void append_address(std::string& out, const mime::Address& a) {
    out += '(';
    append_opt(out, a.name);
    out += ' ';
    append_opt(out, a.adl);
    out += ' ';
    append_opt(out, a.mailbox);
    out += ' ';
    append_opt(out, a.host);
    out += ')';
}

}  // namespace

void append_address_list(std::string& out, const std::vector<mime::Address>& addresses) {
    if (addresses.empty()) {
        out += "NIL";
        return;
    }
    out += '(';
    for (const mime::Address& a : addresses) append_address(out, a);
    out += ')';
}

void append_envelope(std::string& out, const mime::Envelope& e) {
    out += '(';
    append_opt(out, e.date);
    out += ' ';
    append_opt(out, e.subject);
    for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
        out += ' ';
        append_address_list(out, *list);
    }
    out += ' ';
    append_opt(out, e.in_reply_to);
    out += ' ';
    append_opt(out, e.message_id);
    out += ')';
}

}  // namespace mr::imapd
