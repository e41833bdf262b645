// See sort_keys.hpp.
#include "imapd/render/sort_keys.hpp"

#include <utility>

#include "common/text/unicode_casemap.hpp"
#include "imapd/render/base_subject.hpp"
#include "imapd/render/sent_date.hpp"

namespace mr::imapd {
namespace {

// The field's first address structure, a group's start marker included: its mailbox is
// the group name (rfc3501.txt:4302), and Dovecot sorts "a: x@y;" as "a".
const mime::Address* first_mailbox(const std::vector<mime::Address>& field) {
    if (field.empty() || field.front().is_group_end()) return nullptr;
    return &field.front();
}

}  // namespace

std::string address_sort_key(const std::vector<mime::Address>& field) {
    const mime::Address* a = first_mailbox(field);
    if (!a || !a->mailbox) return {};
    return text::unicode_casemap(*a->mailbox);
}

std::string display_sort_key(const std::vector<mime::Address>& field) {
    const mime::Address* a = first_mailbox(field);
    if (!a) return {};
    std::string name = mime::display_name(*a);
    if (name.find_first_not_of(" \t") != std::string::npos) return text::unicode_casemap(name);
    std::string spec = a->mailbox.value_or("");
    if (a->host && !a->host->empty()) spec += "@" + *a->host;
    return text::unicode_casemap(spec);
}

std::int64_t sent_time(const mime::Envelope& envelope, std::int64_t internal_date) {
    if (!envelope.date) return internal_date;
    return parse_header_date_time(*envelope.date).value_or(internal_date);
}

MessageSortKeys message_sort_keys(const mime::Envelope& envelope, std::int64_t internal_date) {
    MessageSortKeys k;
    k.sent = sent_time(envelope, internal_date);
    BaseSubject subject = base_subject(envelope.subject.value_or(""));
    k.subject = std::move(subject.key);
    k.reply_or_forward = subject.reply_or_forward;
    k.from = address_sort_key(envelope.from);
    k.to = address_sort_key(envelope.to);
    k.cc = address_sort_key(envelope.cc);
    k.display_from = display_sort_key(envelope.from);
    k.display_to = display_sort_key(envelope.to);
    return k;
}

}  // namespace mr::imapd
