// See tlsrpt_record.hpp. Citations are to RFC 8460 unless named.
#include "deliverd/tls_policy/tlsrpt_record.hpp"

#include "common/text/ascii.hpp"

namespace mr::deliverd::tls_policy {
namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_wsp(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
    return s;
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// tlsrpt-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !alnum(name[0])) return false;
    for (char c : name) {
        if (!alnum(c) && c != '_' && c != '-' && c != '.') return false;
    }
    return true;
}

// tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): no "=", ";", SP or controls.
bool valid_value(std::string_view value) {
    if (value.empty()) return false;
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e || c == '=' || c == ';') return false;
    }
    return true;
}

// tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri); a URI has no "," "!" or
// ";" unencoded (§3) and, as RFC 3986 says, no space or control.
std::optional<std::vector<std::string>> parse_rua(std::string_view value) {
    std::vector<std::string> out;
    while (true) {
        auto comma = value.find(',');
        std::string_view uri = trim_wsp(value.substr(0, comma));
        if (uri.empty()) return std::nullopt;
        for (char c : uri) {
            auto u = static_cast<unsigned char>(c);
            if (u < 0x21 || u > 0x7e || c == '!' || c == ';') return std::nullopt;
        }
        auto colon = uri.find(':');
        if (colon == std::string_view::npos || colon == 0) return std::nullopt;  // a URI has a scheme
        out.emplace_back(uri);
        if (comma == std::string_view::npos) return out;
        value.remove_prefix(comma + 1);
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<TlsRptRecord> parse_tlsrpt_record(std::string_view record) {
    if (!record.starts_with(kVersion)) return std::nullopt;
    std::string_view rest = record.substr(kVersion.size());
    // 1*(field-delim tlsrpt-field) [field-delim]: the version is followed by ";" at once
    // (after WSP), and every field by ";" or the end.
    if (trim_wsp(rest).empty() || trim_wsp(rest).front() != ';') return std::nullopt;
    rest = trim_wsp(rest).substr(1);
    std::optional<TlsRptRecord> out;
    bool fields = false;
    while (!trim_wsp(rest).empty()) {
        auto semi = rest.find(';');
        std::string_view field = trim_wsp(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        auto eq = field.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view name = field.substr(0, eq);
        std::string_view value = field.substr(eq + 1);
        if (!valid_name(name)) return std::nullopt;
        fields = true;
        if (name == "rua") {
            auto uris = parse_rua(value);
            if (!uris) return std::nullopt;
            if (!out) out = TlsRptRecord{std::move(*uris)};  // a repeated rua: the first one
        } else if (!valid_value(value)) {
            return std::nullopt;
        }
        if (semi == std::string_view::npos) break;
    }
    if (!fields) return std::nullopt;
    return out;  // no rua: "the tlsrpt-rua record is required"
}

// §3 (rfc8460.txt:376): "records that do not begin with "v=TLSRPTv1;" are discarded. If
// the number of resulting records is not one, senders MUST assume the recipient domain
// does not implement TLSRPT."
std::optional<TlsRptRecord> tlsrpt_policy(const std::vector<std::string>& records) {
    const std::string* found = nullptr;
    for (const auto& r : records) {
        std::string_view after = r;
        if (!after.starts_with(kVersion)) continue;
        after = trim_wsp(after.substr(kVersion.size()));
        if (after.empty() || after.front() != ';') continue;
        if (found != nullptr) return std::nullopt;
        found = &r;
    }
    if (found == nullptr) return std::nullopt;
    return parse_tlsrpt_record(*found);
}

std::vector<std::string> mailto_addresses(const TlsRptRecord& record) {
    std::vector<std::string> out;
    for (const auto& uri : record.rua) {
        if (uri.size() < 7 || text::to_lower(uri.substr(0, 7)) != "mailto:") continue;
        std::string_view to = std::string_view(uri).substr(7);
        to = to.substr(0, to.find('?'));  // RFC 6068 §2: hfields follow "?"
        std::string address;
        bool ok = !to.empty();
        for (std::size_t i = 0; ok && i < to.size(); ++i) {
            if (to[i] != '%') {
                address += to[i];
                continue;
            }
            int hi = i + 2 < to.size() ? hex_value(to[i + 1]) : -1;
            int lo = i + 2 < to.size() ? hex_value(to[i + 2]) : -1;
            ok = hi >= 0 && lo >= 0 && hi * 16 + lo >= 0x21;  // no encoded space or control
            address += static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        // One addr-spec per URI: RFC 6068 allows a list, but §3 separates URIs by commas.
        if (!ok || address.find('@') == std::string::npos || address.find(',') != std::string::npos) continue;
        out.push_back(std::move(address));
    }
    return out;
}

}  // namespace mr::deliverd::tls_policy
