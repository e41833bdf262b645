#include "imapd/proto/mailbox_name.hpp"

#include <string>
#include <vector>

#include "common/text/ascii.hpp"
#include "imapd/proto/mutf7.hpp"

namespace mr::imapd {

namespace {

bool has_inbox_component(std::string_view name) {
    return name.size() >= 5 && text::iequals(name.substr(0, 5), "INBOX") &&
           (name.size() == 5 || name[5] == kHierarchyDelimiter);
}

}  // namespace

Result<void> validate_mailbox_name(std::string_view name) {
    if (name.empty()) return Error::refused("Mailbox name is empty");
    if (name.size() > kMaxMailboxNameOctets) return Error::refused("Mailbox name is too long");
    if (!text::is_valid_utf8(name)) return Error::refused("Mailbox name is not valid UTF-8");
    if (name.front() == kHierarchyDelimiter)
        return Error::refused("Mailbox name must not start with the hierarchy delimiter");
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c == 0) return Error::refused("Mailbox name contains NUL");
        // C0, DEL and the C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F).
        if (c < 0x20 || c == 0x7f || (c == 0xC2 && i + 1 < name.size() &&
                                      static_cast<unsigned char>(name[i + 1]) <= 0x9F))
            return Error::refused("Mailbox name contains control characters");
        // "~" names another user's home on many servers (rfc3501.txt:1091).
        if (c == '~') return Error::refused("Mailbox name must not contain ~");
        if (c == '*' || c == '%') return Error::refused("Mailbox name must not contain wildcards");
        // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR: E2 80 A8 / E2 80 A9.
        if (c == 0xE2 && name.substr(i, 2) == "\xE2\x80" && i + 2 < name.size() &&
            (name[i + 2] == '\xA8' || name[i + 2] == '\xA9'))
            return Error::refused("Mailbox name contains a line or paragraph separator");
    }
    std::size_t depth = 0;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = std::min(name.find(kHierarchyDelimiter, start), name.size());
        const std::string_view level = name.substr(start, end - start);
        if (level.empty()) return Error::refused("Mailbox name has an empty hierarchy level");
        if (level == "." || level == "..") return Error::refused("Mailbox name must not have . or .. levels");
        if (++depth > kMaxMailboxDepth) return Error::refused("Mailbox hierarchy is too deep");
        if (end == name.size()) break;
        start = end + 1;
    }
    return {};
}

Result<std::string> decode_mailbox_name(std::string_view wire_name) {
    auto utf8 = mutf7_decode(wire_name);
    if (!utf8) return Error::refused(utf8.error().message);
    if (auto r = validate_mailbox_name(*utf8); !r) return r.error();
    return utf8;
}

Result<std::string> decode_mailbox_name(std::string_view wire_name, NameForm form) {
    if (form == NameForm::Mutf7 && !text::has_non_ascii(wire_name)) return decode_mailbox_name(wire_name);
    std::string name(wire_name);
    if (auto r = validate_mailbox_name(name); !r) return r.error();
    return name;
}

std::string encode_mailbox_name(const std::string& utf8_name, NameForm form) {
    if (form == NameForm::Utf8) return utf8_name;
    // Names the store holds passed validate_mailbox_name, so encoding cannot fail in practice.
    auto enc = mutf7_encode(utf8_name);
    return enc ? enc.value() : utf8_name;
}

bool list_match(std::string_view pattern_in, std::string_view name) {
    std::string pattern(pattern_in);
    if (has_inbox_component(name) && pattern.size() >= 5 && text::iequals(pattern.substr(0, 5), "INBOX")) {
        pattern.replace(0, 5, name.substr(0, 5));
    }
    // can[j]: the pattern read so far matches name[0, j).
    // std::string rather than std::vector<char>: GCC 12 at -O3 sees a possible null
    // data() in the vector (false -Wnull-dereference).
    std::string can(name.size() + 1, '\0');
    std::string next(name.size() + 1, '\0');
    can[0] = 1;
    char prev = 0;
    for (char pc : pattern) {
        if (pc == '*' && prev == '*') continue;  // "**" is "*"
        prev = pc;
        if (pc == '*') {
            char any = 0;
            for (std::size_t j = 0; j <= name.size(); ++j) {
                any = any || can[j];
                next[j] = any;
            }
        } else if (pc == '%') {
            next[0] = can[0];
            for (std::size_t j = 1; j <= name.size(); ++j)
                next[j] = can[j] || (next[j - 1] && name[j - 1] != kHierarchyDelimiter);
        } else {
            next[0] = 0;
            for (std::size_t j = 1; j <= name.size(); ++j) next[j] = can[j - 1] && name[j - 1] == pc;
        }
        can.swap(next);
    }
    return can[name.size()] != 0;
}

std::string list_pattern(std::string_view reference, std::string_view pattern) {
    std::string out(reference);
    if (!reference.empty() && !pattern.empty() && reference.back() != kHierarchyDelimiter &&
        pattern.front() != kHierarchyDelimiter)
        out += kHierarchyDelimiter;
    out += pattern;
    return out;
}

}  // namespace mr::imapd
