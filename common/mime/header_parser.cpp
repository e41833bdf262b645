#include "common/mime/header_parser.hpp"

#include <cstring>

namespace mr::mime {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// RFC 5322 §3.6.8 (rfc5322.txt:1662): field-name = 1*ftext, ftext = %d33-57 / %d59-126.
bool valid_field_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == ':') return false;
    }
    return true;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool header_name_equals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

HeaderScanner::HeaderScanner(std::string_view message, std::size_t start, std::size_t end)
    : msg_(message),
      pos_(start),
      end_(end < message.size() ? end : message.size()),
      body_start_(end_) {
    if (pos_ > end_) pos_ = end_;
}

std::optional<HeaderFieldView> HeaderScanner::next() {
    const char* const data = msg_.data();
    while (!done_) {
        if (pos_ >= end_) {
            // Header without body: the block simply runs out (rfc5322.txt:481 makes the
            // body optional, and the empty line with it).
            body_start_ = end_;
            done_ = true;
            break;
        }
        const std::size_t line = pos_;
        const LineSpan span = line_at(data, line, end_);
        if (span.content_end == line && span.next > line) {
            // RFC 5322 §2.1 (rfc5322.txt:312): the header is separated from the body
            // by an empty line.
            body_start_ = span.next;
            has_empty_line_ = true;
            done_ = true;
            break;
        }
        pos_ = span.next;
        if (is_wsp(msg_[line])) continue;  // continuation with no field to continue

        const std::string_view first(data + line, span.content_end - line);
        const std::size_t colon = first.find(':');
        if (colon == std::string_view::npos) continue;  // garbage line: skip it
        // RFC 5322 §4.5.8 (rfc5322.txt:2115): obs-optional allows WSP before the colon.
        std::string_view name = first.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        if (!valid_field_name(name)) continue;

        // Absorb continuation lines: RFC 5322 §2.2.3, a line end followed by WSP.
        std::size_t value_end = span.content_end;
        while (pos_ < end_ && is_wsp(msg_[pos_])) {
            const LineSpan cont = line_at(data, pos_, end_);
            value_end = cont.content_end;
            pos_ = cont.next;
        }
        const std::size_t value_start = line + colon + 1;
        return HeaderFieldView{
            name, std::string_view(data + value_start, value_end - value_start), line};
    }
    return std::nullopt;
}

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    // Every CR and LF inside a value is part of a line end that a continuation line
    // follows (a line end not followed by WSP ends the field).
    for (const char c : raw) {
        if (c == '\n' || c == '\r') continue;
        out.push_back(c);
    }
    std::size_t b = 0;
    while (b < out.size() && is_wsp(out[b])) ++b;
    std::size_t e = out.size();
    while (e > b && is_wsp(out[e - 1])) --e;
    return out.substr(b, e - b);
}

std::string_view header_section(std::string_view message) {
    HeaderScanner scanner(message);
    while (scanner.next()) {
    }
    return message.substr(0, scanner.body_start());
}

HeaderBlock parse_header_block(std::string_view message, std::size_t start, std::size_t end) {
    HeaderBlock block;
    block.header_start = start < message.size() ? start : message.size();
    HeaderScanner scanner(message, start, end);
    while (auto f = scanner.next()) {
        block.fields.push_back(
            HeaderField{std::string(f->name), std::string(f->raw_value), unfold(f->raw_value)});
    }
    block.body_start = scanner.body_start();
    block.has_empty_line = scanner.has_empty_line();
    return block;
}

}  // namespace mr::mime
