#include "common/sieve/variables.hpp"

#include "common/sieve/program.hpp"
#include "common/sieve/strings.hpp"
#include "common/text/ascii.hpp"

namespace mr::sieve {

std::string Variables::expand(std::string_view s) const {
    std::string out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < max_expansion_) {
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
            const std::size_t from = i + 2;
            std::size_t end = from;
            while (end < s.size() && (text::is_alnum(s[end]) || s[end] == '_' || s[end] == '.')) ++end;
            if (end < s.size() && s[end] == '}' && end > from) {
                const std::string_view ref = s.substr(from, end - from);
                bool digits = true;
                for (char c : ref) digits = digits && text::is_digit(c);
                if (digits) {
                    // Leading zeros name the same variable; a huge number names none.
                    std::size_t n = 0;
                    bool big = false;
                    for (char c : ref) {
                        n = n * 10 + static_cast<std::size_t>(c - '0');
                        if (n > 1000) big = true;
                    }
                    if (!big && n < matches_.size()) out += matches_[n];
                    i = end + 1;
                    continue;
                }
                if (is_identifier(ref)) {
                    out += get(ref);
                    i = end + 1;
                    continue;
                }
                // A namespace ("env.x") none of the supported extensions defines: kept as written.
            }
        }
        out.push_back(s[i]);
        ++i;
    }
    if (out.size() > max_expansion_) out.resize(max_expansion_);
    return out;
}

Result<void> Variables::set(std::string_view name, std::string value) {
    std::string key = text::to_lower(name);
    if (value.size() > max_value_) value.resize(max_value_);
    auto it = values_.find(key);
    if (it != values_.end()) {
        it->second = std::move(value);
        return {};
    }
    if (values_.size() >= max_variables_)
        return Error::refused("more than " + std::to_string(max_variables_) + " variables");
    values_.emplace(std::move(key), std::move(value));
    return {};
}

std::string Variables::get(std::string_view name) const {
    auto it = values_.find(text::to_lower(name));
    return it == values_.end() ? std::string() : it->second;
}

std::string Variables::apply_modifiers(unsigned modifiers, std::string value) {
    if (modifiers & kLower) value = text::to_lower(value);
    if (modifiers & kUpper) value = text::to_upper(value);
    if (!value.empty() && (modifiers & kLowerFirst)) value[0] = text::to_lower(value[0]);
    if (!value.empty() && (modifiers & kUpperFirst)) value[0] = text::to_upper(value[0]);
    if (modifiers & kQuoteWildcard) value = quote_wildcards(value);
    if (modifiers & kLength) {
        // RFC 5229 §4: the length in characters, so UTF-8 continuation bytes do not count.
        std::size_t n = 0;
        for (char c : value)
            if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
        value = std::to_string(n);
    }
    return value;
}

}  // namespace mr::sieve
