#include "common/sieve/message_view.hpp"

#include "common/mime/charset.hpp"
#include "common/mime/encoded_words.hpp"
#include "common/mime/message_parser.hpp"
#include "common/mime/params.hpp"
#include "common/mime/transfer_decoding.hpp"
#include "common/text/ascii.hpp"

namespace mr::sieve {

MessageView::MessageView(std::string_view message) : message_(message) {
    mime::HeaderScanner scanner(message);
    while (auto f = scanner.next()) fields_.push_back(*f);
    body_start_ = scanner.body_start();
}

std::vector<std::string> MessageView::raw_values(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& f : fields_)
        if (mime::header_name_equals(f.name, name)) out.push_back(mime::unfold(f.raw_value));
    return out;
}

std::vector<std::string> MessageView::decoded_values(std::string_view name) const {
    auto out = raw_values(name);
    for (auto& v : out) v = mime::decode_encoded_words(v);
    return out;
}

bool MessageView::has_field(std::string_view name) const {
    for (const auto& f : fields_)
        if (mime::header_name_equals(f.name, name)) return true;
    return false;
}

void MessageView::add_field(std::string_view name, std::string_view value, bool last) {
    auto text = std::make_shared<const std::string>(std::string(name) + ": " + std::string(value));
    const std::string_view all(*text);
    mime::HeaderFieldView f{all.substr(0, name.size()), all.substr(name.size() + 1), std::string::npos};
    added_.push_back(std::move(text));
    fields_.insert(last ? fields_.end() : fields_.begin(), f);
    edited_ = true;
}

std::size_t MessageView::delete_fields(
    std::string_view name, const std::function<bool(std::size_t, std::size_t, const std::string&)>& remove) {
    std::size_t count = 0;
    for (const auto& f : fields_)
        if (mime::header_name_equals(f.name, name)) ++count;
    std::size_t occurrence = 0;
    std::size_t removed = 0;
    std::erase_if(fields_, [&](const mime::HeaderFieldView& f) {
        if (!mime::header_name_equals(f.name, name)) return false;
        ++occurrence;
        if (!remove(occurrence, count, mime::decode_encoded_words(mime::unfold(f.raw_value)))) return false;
        ++removed;
        return true;
    });
    if (removed > 0) edited_ = true;
    return removed;
}

std::string MessageView::rendered() const {
    std::string out;
    out.reserve(message_.size() + 256);
    for (const auto& f : fields_) {
        if (f.offset == std::string::npos) {
            out.append(f.name);
            out.push_back(':');
        } else {
            // The field's own bytes, folding and any space before the colon kept.
            const char* value_end = f.raw_value.data() + f.raw_value.size();
            out.append(message_.substr(f.offset, static_cast<std::size_t>(value_end - (message_.data() + f.offset))));
            out += "\r\n";
            continue;
        }
        out.append(f.raw_value);
        out += "\r\n";
    }
    out += "\r\n";
    out.append(message_.substr(body_start_));
    return out;
}

namespace {

// RFC 5173 §5.2 (:content): "" matches every part, "type" a main type, "type/subtype" one type.
bool content_type_matches(const mime::Part& part, const std::vector<std::string>& types) {
    for (const auto& t : types) {
        if (t.empty()) return true;
        const auto slash = t.find('/');
        if (slash == std::string::npos) {
            if (text::iequals(t, part.type)) return true;
        } else if (text::iequals(std::string_view(t).substr(0, slash), part.type) &&
                   text::iequals(std::string_view(t).substr(slash + 1), part.subtype)) {
            return true;
        }
    }
    return false;
}

void collect(std::string_view message, const mime::Part& part, BodyTransform transform,
             const std::vector<std::string>& types, std::vector<std::string>& out) {
    if (part.kind != mime::PartKind::Leaf) {
        for (const auto& child : part.children) collect(message, child, transform, types, out);
        return;
    }
    const bool wanted = transform == BodyTransform::Text ? part.type == "text" : content_type_matches(part, types);
    if (!wanted) return;
    const std::string_view raw = message.substr(part.body_start, part.end - part.body_start);
    std::string decoded = mime::decode_transfer(mime::parse_transfer_encoding(part.encoding), raw);
    if (part.type == "text") {
        const mime::Param* charset = mime::find_param(part.params, "charset");
        if (charset) {
            if (auto utf8 = mime::charset_to_utf8(charset->value, decoded)) decoded = std::move(*utf8);
        }
    }
    out.push_back(std::move(decoded));
}

}  // namespace

std::vector<std::string> MessageView::body(BodyTransform transform,
                                           const std::vector<std::string>& content_types) const {
    if (transform == BodyTransform::Raw) return {std::string(message_.substr(body_start_))};
    if (!structure_) structure_ = mime::parse_message(message_);
    std::vector<std::string> out;
    collect(message_, structure_->root, transform, content_types, out);
    return out;
}

}  // namespace mr::sieve
