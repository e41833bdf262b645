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
    // One line at a time: [pos_, nl) is the line, nl is its LF (or end_ if none).
    auto find_lf = [this](std::size_t from) -> std::size_t {
        if (from >= end_) return end_;
        const void* p = std::memchr(msg_.data() + from, '\n', end_ - from);
        return p ? static_cast<std::size_t>(static_cast<const char*>(p) - msg_.data()) : end_;
    };
    // The content end of a line: drop the CR of a CRLF pair.
    auto content_end = [this](std::size_t line, std::size_t nl) {
        return (nl > line && msg_[nl - 1] == '\r') ? nl - 1 : nl;
    };
    auto after = [this](std::size_t nl) { return nl < end_ ? nl + 1 : end_; };

    while (!done_) {
        if (pos_ >= end_) {
            // Header without body: the block simply runs out (rfc5322.txt:481 makes the
            // body optional, and the empty line with it).
            body_start_ = end_;
            done_ = true;
            break;
        }
        const std::size_t line = pos_;
        const std::size_t nl = find_lf(line);
        const std::size_t cend = content_end(line, nl);
        if (cend == line) {
            // RFC 5322 §2.1 (rfc5322.txt:312): the header is separated from the body
            // by an empty line. A "\r" alone at the very end counts as one too.
            body_start_ = after(nl);
            has_empty_line_ = true;
            done_ = true;
            break;
        }
        pos_ = after(nl);
        if (is_wsp(msg_[line])) continue;  // continuation with no field to continue

        const std::string_view first(msg_.data() + line, cend - line);
        const std::size_t colon = first.find(':');
        if (colon == std::string_view::npos) continue;  // garbage line: skip it
        // RFC 5322 §4.5.8 (rfc5322.txt:2115): obs-optional allows WSP before the colon.
        std::string_view name = first.substr(0, colon);
        while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
        if (!valid_field_name(name)) continue;

        // Absorb continuation lines: RFC 5322 §2.2.3, a line end followed by WSP.
        std::size_t value_end = cend;
        while (pos_ < end_ && is_wsp(msg_[pos_])) {
            const std::size_t cont_nl = find_lf(pos_);
            value_end = content_end(pos_, cont_nl);
            pos_ = after(cont_nl);
        }
        const std::size_t value_start = line + colon + 1;
        return HeaderFieldView{
            name, std::string_view(msg_.data() + value_start, value_end - value_start), line};
    }
    return std::nullopt;
}

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\n') continue;
        if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
        out.push_back(c);
    }
    std::size_t b = 0;
    while (b < out.size() && is_wsp(out[b])) ++b;
    std::size_t e = out.size();
    while (e > b && is_wsp(out[e - 1])) --e;
    return out.substr(b, e - b);
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
