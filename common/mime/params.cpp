#include "common/mime/params.hpp"

#include <algorithm>
#include <map>

#include "common/mime/charset.hpp"
#include "common/mime/encoded_words.hpp"
#include "common/mime/rfc822_lexer.hpp"
#include "common/text/ascii.hpp"

namespace mr::mime {
namespace {

// RFC 2045 §5.1 (rfc2045.txt:663): token = 1*<any CHAR except SPACE, CTLs, tspecials>.
bool is_token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127) return false;
    switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
        case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
            return false;
        default:
            return true;  // 8-bit bytes are tolerated: they occur in real mail
    }
}

std::string_view read_token(std::string_view s, std::size_t& pos) {
    const std::size_t b = pos;
    while (pos < s.size() && is_token_char(s[pos])) ++pos;
    return s.substr(b, pos - b);
}

void skip_to_semicolon(std::string_view s, std::size_t& pos) {
    while (pos < s.size() && s[pos] != ';') {
        if (s[pos] == '"') {
            (void)lex::read_quoted(s, pos);  // a ";" inside quotes is not a separator
        } else {
            ++pos;
        }
    }
}

// One attribute=value as written, before RFC 2231 assembly.
struct RawParam {
    std::string base;   // lowercased name without suffixes
    int section = -1;   // RFC 2231 §3 "*N", -1 when absent
    bool extended = false;
    std::string value;  // quotes removed
    std::size_t order = 0;
};

using text::hex_value;

// RFC 2231 §4 (rfc2231.txt:234): "%" flags an octet in hexadecimal.
std::string percent_decode(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 &&
            hex_value(v[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2])));
            i += 2;
        } else {
            out.push_back(v[i]);
        }
    }
    return out;
}

// Split "charset'language'rest" (rfc2231.txt:239); without both quotes there is no
// charset and the whole value is the encoded text.
std::string_view split_charset(std::string_view v, std::string& charset) {
    const std::size_t q1 = v.find('\'');
    if (q1 == std::string_view::npos) return v;
    const std::size_t q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return v;
    charset = std::string(v.substr(0, q1));
    return v.substr(q2 + 1);
}

// Convert decoded octets; if the charset is unknown or the bytes invalid, keep the
// value as written so nothing is silently lost.
std::string to_utf8_or(const std::string& charset, const std::string& bytes,
                       const std::string& as_written) {
    if (charset.empty()) return bytes;  // no charset named: octets pass through
    if (auto u = charset_to_utf8(charset, bytes)) return *u;
    return as_written;
}

Param assemble(std::vector<const RawParam*> group) {
    Param p;
    p.name = group.front()->base;
    const RawParam* plain = nullptr;
    const RawParam* single_ext = nullptr;
    std::vector<const RawParam*> sections;
    for (const RawParam* r : group) {
        if (r->section >= 0) {
            sections.push_back(r);
        } else if (r->extended) {
            if (!single_ext) single_ext = r;
        } else if (!plain) {
            plain = r;
        }
    }
    std::stable_sort(sections.begin(), sections.end(),
                     [](const RawParam* a, const RawParam* b) { return a->section < b->section; });
    if (!sections.empty() && sections.front()->section == 0) {
        // RFC 2231 §3 (rfc2231.txt:190): sections start at 0, no gaps; stop at a gap.
        std::string charset, bytes, written;
        int expect = 0;
        for (const RawParam* r : sections) {
            if (r->section < expect) continue;  // duplicate section: first wins
            if (r->section != expect) break;
            std::string_view v = r->value;
            written += r->value;
            if (r->extended) {
                // §4.1 (rfc2231.txt:268): charset and language only in section 0.
                if (expect == 0) v = split_charset(v, charset);
                bytes += percent_decode(v);
                p.extended = true;
            } else {
                bytes += v;
            }
            ++expect;
        }
        p.value = to_utf8_or(charset, bytes, written);
        return p;
    }
    if (single_ext) {
        std::string charset;
        const std::string_view v = split_charset(single_ext->value, charset);
        p.value = to_utf8_or(charset, percent_decode(v), single_ext->value);
        p.extended = true;
        return p;
    }
    if (plain) {
        // Not standard, but Outlook and Gmail put RFC 2047 words in quoted filenames.
        p.value = decode_encoded_words(plain->value);
        return p;
    }
    // Only sections that do not start at 0: join what exists, literally.
    for (const RawParam* r : sections) p.value += r->value;
    return p;
}

// Split an attribute name into base, section and extended flag (rfc2231.txt:330).
void classify(std::string_view name, RawParam& r) {
    if (!name.empty() && name.back() == '*') {
        r.extended = true;
        name.remove_suffix(1);
    }
    const std::size_t star = name.rfind('*');
    if (star != std::string_view::npos && star + 1 < name.size() && name.size() - star <= 5 &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(star) + 1, name.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
        r.section = std::stoi(std::string(name.substr(star + 1)));
        name = name.substr(0, star);
    }
    r.base = lex::to_lower(name);
}

}  // namespace

std::vector<Param> parse_parameters(std::string_view s, std::size_t pos) {
    std::vector<RawParam> raws;
    while (pos < s.size()) {
        pos = lex::skip_cfws(s, pos);
        if (pos >= s.size()) break;
        if (s[pos] == ';') {
            ++pos;
            continue;
        }
        const std::string_view name = read_token(s, pos);
        pos = lex::skip_cfws(s, pos);
        if (name.empty() || pos >= s.size() || s[pos] != '=') {
            if (name.empty() && pos < s.size() && s[pos] != ';') ++pos;  // garbage byte
            skip_to_semicolon(s, pos);
            continue;
        }
        pos = lex::skip_cfws(s, pos + 1);
        RawParam r;
        classify(name, r);
        if (pos < s.size() && s[pos] == '"') {
            r.value = lex::read_quoted(s, pos);
        } else {
            const std::size_t b = pos;
            while (pos < s.size() && s[pos] != ';' && s[pos] != '(' && s[pos] != '"') ++pos;
            r.value = std::string(lex::trim(s.substr(b, pos - b)));
        }
        skip_to_semicolon(s, pos);  // trailing comments or garbage after the value
        if (r.base.empty()) continue;
        r.order = raws.size();
        raws.push_back(std::move(r));
    }
    // Group by base name, in order of first appearance.
    std::map<std::string, std::vector<const RawParam*>> groups;
    std::vector<std::string> order;
    for (const RawParam& r : raws) {
        auto [it, inserted] = groups.try_emplace(r.base);
        if (inserted) order.push_back(r.base);
        it->second.push_back(&r);
    }
    std::vector<Param> out;
    out.reserve(order.size());
    for (const std::string& name : order) out.push_back(assemble(groups[name]));
    return out;
}

ContentType parse_content_type(std::string_view value) {
    ContentType ct;
    std::size_t pos = lex::skip_cfws(value, 0);
    const std::string_view type = read_token(value, pos);
    pos = lex::skip_cfws(value, pos);
    if (type.empty() || pos >= value.size() || value[pos] != '/') return ct;
    pos = lex::skip_cfws(value, pos + 1);
    const std::string_view subtype = read_token(value, pos);
    if (subtype.empty()) return ct;
    // A missing ";" before the parameters ("text/html charset=utf-8") is a common
    // mistake; parse_parameters reads on from here rather than discarding the type.
    ct.type = lex::to_lower(type);
    ct.subtype = lex::to_lower(subtype);
    ct.params = parse_parameters(value, pos);
    return ct;
}

ContentDisposition parse_content_disposition(std::string_view value) {
    ContentDisposition cd;
    std::size_t pos = lex::skip_cfws(value, 0);
    const std::string_view type = read_token(value, pos);
    if (type.empty()) return cd;
    cd.type = lex::to_lower(type);
    skip_to_semicolon(value, pos);
    cd.params = parse_parameters(value, pos);
    return cd;
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
    for (const Param& p : params) {
        if (lex::iequals(p.name, name)) return &p;
    }
    return nullptr;
}

}  // namespace mr::mime
