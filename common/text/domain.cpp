#include "common/text/domain.hpp"

#include <arpa/inet.h>

#include <array>

#include "common/text/ascii.hpp"

namespace mr::text {
namespace {

bool is_label_char(char c, bool allow_utf8) {
    return is_alnum(c) || c == '-' || (allow_utf8 && is_non_ascii(c));
}

// IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT 0..255
// (rfc5321.txt:2397, 2418). Writes the canonical dotted form to `out`.
bool parse_ipv4(std::string_view s, std::string& out) {
    int parts = 0;
    std::string canon;
    while (true) {
        std::size_t n = 0;
        int value = 0;
        while (n < s.size() && is_digit(s[n]) && n < 4) {
            value = value * 10 + (s[n] - '0');
            ++n;
        }
        if (n == 0 || n > 3 || value > 255) return false;
        canon += std::to_string(value);
        s.remove_prefix(n);
        if (++parts == 4) break;
        if (s.empty() || s.front() != '.') return false;
        canon += '.';
        s.remove_prefix(1);
    }
    if (!s.empty()) return false;
    out = canon;
    return true;
}

// Counts IPv6-hex groups (1*4HEXDIG) separated by ":" in a run with no "::".
// An empty run is 0 groups. Returns -1 on bad syntax.
int count_hex_groups(std::string_view s) {
    if (s.empty()) return 0;
    int groups = 0;
    while (true) {
        std::size_t n = 0;
        while (n < s.size() && is_hex_digit(s[n])) ++n;
        if (n == 0 || n > 4) return -1;
        ++groups;
        s.remove_prefix(n);
        if (s.empty()) return groups;
        if (s.front() != ':') return -1;
        s.remove_prefix(1);
    }
}

// IPv6-addr per RFC 5321 §4.1.3 (rfc5321.txt:2422-2441), which is stricter
// than inet_pton about group counts around "::".
bool is_rfc5321_ipv6(std::string_view s) {
    bool has_v4 = false;
    const auto last_colon = s.rfind(':');
    if (last_colon == std::string_view::npos) return false;
    if (s.find('.', last_colon) != std::string_view::npos) {
        std::string ignored;
        if (!parse_ipv4(s.substr(last_colon + 1), ignored)) return false;
        has_v4 = true;
        // Keep the ':' before the IPv4 part out of the hex runs, except when
        // it belongs to a "::" ("::192.0.2.1").
        s = s.substr(0, (last_colon > 0 && s[last_colon - 1] == ':') ? last_colon + 1 : last_colon);
    }
    const auto dc = s.find("::");
    if (dc == std::string_view::npos) {
        // IPv6-full: 8 groups, or 6 groups before an IPv4 tail.
        return count_hex_groups(s) == (has_v4 ? 6 : 8);
    }
    if (s.find("::", dc + 1) != std::string_view::npos) return false;
    const int left = count_hex_groups(s.substr(0, dc));
    const int right = count_hex_groups(s.substr(dc + 2));
    if (left < 0 || right < 0) return false;
    // "::" stands for at least 2 groups: at most 6 others (4 with IPv4).
    return left + right <= (has_v4 ? 4 : 6);
}

}  // namespace

Result<std::string> parse_domain(std::string_view domain, bool allow_utf8) {
    if (domain.empty()) return Error::syntax("empty domain");
    if (domain.size() > kMaxDomain) return Error::syntax("domain longer than 255 octets");
    if (domain.back() == '.') return Error::syntax("trailing dot in domain");
    bool non_ascii = false;
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
        if (i == domain.size() || domain[i] == '.') {
            const auto label = domain.substr(label_start, i - label_start);
            if (label.empty()) return Error::syntax("empty label in domain");
            if (label.size() > kMaxLabel) return Error::syntax("domain label longer than 63 octets");
            // Let-dig at both ends (rfc5321.txt:2303-2307); a U-label may
            // start or end with a non-ASCII byte.
            if (label.front() == '-' || label.back() == '-')
                return Error::syntax("domain label starts or ends with '-'");
            label_start = i + 1;
            continue;
        }
        const char c = domain[i];
        if (is_non_ascii(c)) {
            non_ascii = true;
            continue;
        }
        if (!is_label_char(c, false)) return Error::syntax("invalid character in domain");
    }
    if (non_ascii) {
        if (!is_valid_utf8(domain)) return Error::syntax("invalid UTF-8 in domain");
        if (!allow_utf8) return Error::refused("non-ASCII domain requires SMTPUTF8");
    }
    return to_lower(domain);
}

Result<std::string> normalise_domain(std::string_view domain, bool allow_utf8) {
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    return parse_domain(domain, allow_utf8);
}

Result<std::string> normalise_address_literal(std::string_view literal) {
    if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']')
        return Error::syntax("address literal must be enclosed in []");
    if (literal.size() > kMaxDomain) return Error::syntax("address literal longer than 255 octets");
    const auto body = literal.substr(1, literal.size() - 2);

    std::string v4;
    if (parse_ipv4(body, v4)) return "[" + v4 + "]";

    const auto colon = body.find(':');
    if (colon == std::string_view::npos) return Error::syntax("invalid IPv4 address literal");
    const auto tag = body.substr(0, colon);
    const auto addr = body.substr(colon + 1);
    if (iequals(tag, "IPv6")) {
        if (!is_rfc5321_ipv6(addr)) return Error::syntax("invalid IPv6 address literal");
        std::array<unsigned char, 16> bin{};
        const std::string zaddr(addr);
        if (inet_pton(AF_INET6, zaddr.c_str(), bin.data()) != 1)
            return Error::syntax("invalid IPv6 address literal");
        std::array<char, INET6_ADDRSTRLEN> text{};
        if (inet_ntop(AF_INET6, bin.data(), text.data(), text.size()) == nullptr)
            return Error::internal("inet_ntop failed");
        return "[IPv6:" + std::string(text.data()) + "]";
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent (rfc5321.txt:2401).
    bool tag_ok = !tag.empty() && tag.back() != '-';
    for (char c : tag) tag_ok = tag_ok && (is_alnum(c) || c == '-');
    bool content_ok = !addr.empty();
    for (char c : addr) {
        const auto u = static_cast<unsigned char>(c);
        content_ok = content_ok && ((u >= 33 && u <= 90) || (u >= 94 && u <= 126));
    }
    if (!tag_ok || !content_ok) return Error::syntax("invalid address literal");
    return Error::refused("unsupported address literal tag");
}

}  // namespace mr::text
