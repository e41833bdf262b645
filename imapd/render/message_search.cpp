// See message_search.hpp for what each key looks at.
#include "imapd/render/message_search.hpp"

#include "common/mime/address_list.hpp"
#include "common/mime/charset.hpp"
#include "common/mime/encoded_words.hpp"
#include "common/mime/header_parser.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {
namespace {

std::string decoded_text(const mime::Part& part, std::string_view raw_body) {
    std::string decoded = mime::decode_transfer(mime::parse_transfer_encoding(part.encoding), raw_body);
    const mime::Param* charset = mime::find_param(part.params, "charset");
    if (charset && !charset->value.empty()) {
        if (auto utf8 = mime::charset_to_utf8(charset->value, decoded)) return search_form(*utf8);
    }
    return search_form(decoded);
}

// A header block as "Name: value" lines, values unfolded and decoded.
std::string decoded_header_text(std::string_view message, const mime::Part& part) {
    std::string text;
    mime::HeaderScanner scanner(message, part.header_start, part.body_start);
    while (auto f = scanner.next()) {
        text.append(f->name);
        text += ": ";
        text += mime::decode_encoded_words(mime::unfold(f->raw_value));
        text += '\n';
    }
    return search_form(text);
}

// An address field as its addresses, one a line: "name <mailbox@host>" (or the address
// alone), a group's name on a line of its own; in search_form.
std::string address_lines(std::string_view raw_value) {
    std::string out;
    for (const mime::Address& a : mime::parse_address_list(mime::unfold(raw_value))) {
        if (a.is_group_end()) continue;
        if (a.is_group_start()) {
            out += mime::decode_encoded_words(*a.mailbox);
        } else {
            const std::string name = mime::display_name(a);
            if (!name.empty()) out += name + " ";
            out += "<" + a.mailbox.value_or("");
            if (a.host && !a.host->empty()) out += "@" + *a.host;
            out += ">";
        }
        out += '\n';
    }
    return search_form(out);
}

}  // namespace

std::vector<MessageMatcher::DecodedField>& MessageMatcher::fields() {
    if (!fields_) {
        fields_.emplace();
        const mime::Part& root = structure_.root;
        if (root.body_start <= message_.size()) {
            mime::HeaderScanner scanner(message_, root.header_start, root.body_start);
            while (auto f = scanner.next()) {
                fields_->push_back(DecodedField{
                    std::string(f->name),
                    search_form(mime::decode_encoded_words(mime::unfold(f->raw_value))), f->raw_value, std::nullopt});
            }
        }
    }
    return *fields_;
}

bool MessageMatcher::header(std::string_view field_name, const SearchString& needle) {
    for (const DecodedField& f : fields()) {
        if (mime::header_name_equals(f.name, field_name) && needle.found_in(f.prepared)) return true;
    }
    return false;
}

bool MessageMatcher::address_header(std::string_view field_name, const SearchString& needle) {
    for (DecodedField& f : fields()) {
        if (!mime::header_name_equals(f.name, field_name)) continue;
        if (needle.found_in(f.prepared)) return true;
        if (!f.addresses) f.addresses = address_lines(f.raw);
        if (needle.found_in(*f.addresses)) return true;
    }
    return false;
}

void MessageMatcher::collect(const mime::Part& part) {
    if (part.end > message_.size() || part.body_start > part.end) return;  // stale structure
    // Each part owns one header block: the top-level header, a MIME part header, or
    // (for the child of a message/rfc822 part) the encapsulated message's header.
    if (part.body_start > part.header_start) headers_.push_back(decoded_header_text(message_, part));
    if (part.kind != mime::PartKind::Leaf) {
        for (const mime::Part& child : part.children) collect(child);
    } else if (part.type == "text") {
        bodies_.push_back(decoded_text(part, message_.substr(part.body_start, part.end - part.body_start)));
    }
}

void MessageMatcher::decode_parts() {
    if (parts_decoded_) return;
    parts_decoded_ = true;
    collect(structure_.root);
}

bool MessageMatcher::body(const SearchString& needle) {
    if (needle.empty()) return true;
    decode_parts();
    for (const std::string& text : bodies_) {
        if (needle.found_in(text)) return true;
    }
    return false;
}

bool MessageMatcher::text(const SearchString& needle) {
    if (needle.empty()) return true;
    decode_parts();
    for (const std::string& text : headers_) {
        if (needle.found_in(text)) return true;
    }
    return body(needle);
}

std::optional<bool> sent_before(const mime::MessageStructure& structure, CivilDate date) {
    const auto sent = sent_date(structure);
    if (!sent) return std::nullopt;
    return *sent < date;
}

std::optional<bool> sent_on(const mime::MessageStructure& structure, CivilDate date) {
    const auto sent = sent_date(structure);
    if (!sent) return std::nullopt;
    return *sent == date;
}

std::optional<bool> sent_since(const mime::MessageStructure& structure, CivilDate date) {
    const auto sent = sent_date(structure);
    if (!sent) return std::nullopt;
    return *sent >= date;
}

bool larger(const mime::MessageStructure& structure, std::uint64_t n) {
    return wire_size(structure) > n;
}

bool smaller(const mime::MessageStructure& structure, std::uint64_t n) {
    return wire_size(structure) < n;
}

}  // namespace mr::imapd
