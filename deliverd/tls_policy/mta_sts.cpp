// See mta_sts.hpp. Grammar citations are to RFC 8461.
#include "deliverd/tls_policy/mta_sts.hpp"

#include <charconv>

#include "common/text/ascii.hpp"
#include "common/text/domain.hpp"

namespace mr::deliverd::tls_policy {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view strip_dot(std::string_view s) {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

// sts-ext-name / sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool valid_field_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !is_alnum(name[0])) return false;
    for (char c : name) {
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.') return false;
    }
    return true;
}

std::optional<std::int64_t> parse_number(std::string_view s, std::size_t max_digits) {
    if (s.empty() || s.size() > max_digits) return std::nullopt;
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

// sts-policy-mx-value = ["*."] Domain (§3.2); lower-cased, no trailing dot.
std::optional<std::string> parse_mx_pattern(std::string_view value) {
    bool wildcard = value.starts_with("*.");
    if (wildcard) value.remove_prefix(2);
    auto domain = text::normalise_domain(value);
    if (!domain) return std::nullopt;
    return (wildcard ? "*." : "") + *domain;
}

}  // namespace

// RFC 8461 §3.1 (rfc8461.txt:314): sts-text-record = sts-version 1*(sts-field-delim sts-field)
std::optional<std::string> parse_txt_record(std::string_view record) {
    if (!record.starts_with("v=STSv1")) return std::nullopt;
    record.remove_prefix(7);
    std::optional<std::string> id;
    bool first = true;
    while (!record.empty()) {
        // sts-field-delim = *WSP ";" *WSP
        std::string_view rest = trim(record);
        if (rest.empty()) break;
        if (rest.front() != ';') return std::nullopt;
        rest.remove_prefix(1);
        rest = trim(rest);
        if (rest.empty()) break;  // [sts-field-delim] at the end
        auto end = rest.find(';');
        std::string_view field = trim(rest.substr(0, end));
        record = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        auto eq = field.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view name = field.substr(0, eq);
        std::string_view value = field.substr(eq + 1);
        if (!valid_field_name(name) || value.empty()) return std::nullopt;
        for (char c : value) {
            // sts-ext-value: %x21-3A / %x3C / %x3E-7E
            auto u = static_cast<unsigned char>(c);
            if (u < 0x21 || u > 0x7e || c == '=' || c == ';') return std::nullopt;
        }
        if (name == "id" && !id) {
            // sts-id = %s"id=" 1*32(ALPHA / DIGIT)
            if (value.size() > 32) return std::nullopt;
            for (char c : value) {
                if (!is_alnum(c)) return std::nullopt;
            }
            id = std::string(value);
        }
        first = false;
    }
    if (first) return std::nullopt;  // 1*(sts-field-delim sts-field): at least the id
    return id;
}

std::optional<std::string> policy_id(const std::vector<std::string>& records) {
    // §3.1 (rfc8461.txt:332): "records that do not begin with "v=STSv1;" are discarded".
    const std::string* only = nullptr;
    for (const auto& r : records) {
        std::string_view v(r);
        if (!v.starts_with("v=STSv1")) continue;
        v.remove_prefix(7);
        v = trim(v);
        if (!v.starts_with(';')) continue;
        if (only != nullptr) return std::nullopt;  // more than one
        only = &r;
    }
    if (only == nullptr) return std::nullopt;
    return parse_txt_record(*only);
}

// RFC 8461 §3.2 (rfc8461.txt:437): sts-policy-record, fields separated by LF or CRLF.
std::optional<StsPolicy> parse_policy(std::string_view text) {
    if (text.size() > kMaxPolicyBytes) return std::nullopt;
    StsPolicy policy;
    bool have_version = false;
    bool have_mode = false;
    bool have_max_age = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (trim(line).empty()) continue;  // a final terminator, or a blank line
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (!valid_field_name(name)) return std::nullopt;
        for (char c : value) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;  // no CTLs
        }
        // §3.2 (rfc8461.txt:513): a repeated field other than mx: the first counts.
        if (name == "version") {
            if (have_version) continue;
            if (value != "STSv1") return std::nullopt;
            have_version = true;
        } else if (name == "mode") {
            if (have_mode) continue;
            if (value == "enforce") {
                policy.mode = StsMode::Enforce;
            } else if (value == "testing") {
                policy.mode = StsMode::Testing;
            } else if (value == "none") {
                policy.mode = StsMode::None;
            } else {
                return std::nullopt;
            }
            have_mode = true;
        } else if (name == "max_age") {
            if (have_max_age) continue;
            auto v = parse_number(value, 10);  // 1*10(DIGIT)
            if (!v) return std::nullopt;
            policy.max_age = std::min(*v, kMaxMaxAge);
            have_max_age = true;
        } else if (name == "mx") {
            auto pattern = parse_mx_pattern(value);
            if (!pattern) return std::nullopt;
            policy.mx.push_back(std::move(*pattern));
        }
    }
    if (!have_version || !have_mode || !have_max_age) return std::nullopt;
    if (policy.mode != StsMode::None && policy.mx.empty()) return std::nullopt;
    return policy;
}

// RFC 8461 §4.1 (rfc8461.txt:641): "the mx pattern "*.example.com" matches
// "mail.example.com" but not "example.com" or "foo.bar.example.com"."
bool mx_matches(std::string_view pattern, std::string_view host) {
    pattern = strip_dot(pattern);
    host = strip_dot(host);
    if (pattern.starts_with("*.")) {
        std::string_view suffix = pattern.substr(1);  // ".example.com"
        if (host.size() <= suffix.size()) return false;
        std::string_view label = host.substr(0, host.size() - suffix.size());
        if (label.find('.') != std::string_view::npos) return false;
        return text::iequals(host.substr(label.size()), suffix);
    }
    return !pattern.empty() && text::iequals(pattern, host);
}

bool mx_allowed(const StsPolicy& policy, std::string_view host) {
    for (const auto& p : policy.mx) {
        if (mx_matches(p, host)) return true;
    }
    return false;
}

const char* mode_name(StsMode mode) {
    switch (mode) {
    case StsMode::Enforce: return "enforce";
    case StsMode::Testing: return "testing";
    case StsMode::None: return "none";
    }
    return "none";
}

std::string format_cached(const CachedPolicy& cached) {
    return std::to_string(cached.fetched_at) + " " + cached.id + "\n" + cached.text;
}

std::optional<CachedPolicy> parse_cached(std::string_view bytes) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view head = bytes.substr(0, nl);
    auto sp = head.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto when = parse_number(head.substr(0, sp), 19);
    auto id = parse_txt_record("v=STSv1; id=" + std::string(head.substr(sp + 1)));
    if (!when || !id) return std::nullopt;
    CachedPolicy c;
    c.fetched_at = *when;
    c.id = *id;
    c.text = std::string(bytes.substr(nl + 1));
    auto policy = parse_policy(c.text);
    if (!policy) return std::nullopt;
    c.policy = std::move(*policy);
    return c;
}

}  // namespace mr::deliverd::tls_policy
