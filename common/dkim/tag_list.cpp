#include "common/dkim/tag_list.hpp"

namespace mr::dkim {

namespace {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// VALCHAR = %x21-3A / %x3C-7E (rfc6376.txt:661): printable ASCII but ";".
bool is_valchar(char c) { return c >= 0x21 && c <= 0x7e && c != ';'; }

}  // namespace

std::string_view trim_fws(std::string_view value) {
    while (!value.empty() && is_fws(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_fws(value.back())) value.remove_suffix(1);
    return value;
}

std::vector<std::string_view> split_colons(std::string_view value) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t colon = value.find(':', start);
        out.push_back(trim_fws(value.substr(start, colon == std::string_view::npos ? value.npos : colon - start)));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    return out;
}

Result<TagList> parse_tag_list(std::string_view text) {
    TagList tags;
    std::size_t i = 0;
    const std::size_t n = text.size();
    auto skip_fws = [&] {
        while (i < n && is_fws(text[i])) ++i;
    };
    for (;;) {
        skip_fws();
        // A final ";" (and whitespace after it) ends the list; an empty text is no list.
        if (i == n) {
            if (tags.empty()) return Error::syntax("empty tag list");
            break;
        }
        const std::size_t name_start = i;
        if (!is_alpha(text[i])) return Error::syntax("tag name must start with a letter");
        while (i < n && (is_alpha(text[i]) || is_digit(text[i]) || text[i] == '_')) ++i;
        const std::string_view name = text.substr(name_start, i - name_start);
        skip_fws();
        if (i == n || text[i] != '=') return Error::syntax("tag without '=': " + std::string(name));
        ++i;
        const std::size_t after_equals = i;
        while (i < n && text[i] != ';') {
            if (!is_fws(text[i]) && !is_valchar(text[i])) return Error::syntax("invalid character in tag value");
            ++i;
        }
        if (find_tag(tags, name) != nullptr) return Error::syntax("tag named twice: " + std::string(name));
        if (tags.size() == kMaxTags) return Error::syntax("too many tags");
        tags.push_back({name, trim_fws(text.substr(after_equals, i - after_equals)), after_equals, i});
        if (i == n) break;
        ++i;  // the ";"
    }
    return tags;
}

const Tag* find_tag(std::span<const Tag> tags, std::string_view name) {
    for (const auto& t : tags) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

}  // namespace mr::dkim
