#include "common/mailauth/spf_record.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "common/text/ascii.hpp"

namespace mr::mailauth {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (text::to_lower(a[i]) != text::to_lower(b[i])) return false;
    }
    return true;
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(std::string_view l) {
    if (l.empty()) return false;
    bool alpha = false, hyphen = false;
    for (char c : l) {
        if (is_alpha(c)) alpha = true;
        else if (c == '-') hyphen = true;
        else if (!is_digit(c)) return false;
    }
    if (!hyphen) return alpha;
    return is_alnum(l.front()) && is_alnum(l.back());
}

// CIDR length "/N": digits without a leading zero (except "0"), at most `max`.
std::optional<int> parse_cidr(std::string_view s, int max) {
    if (s.empty() || s.size() > 3) return std::nullopt;
    if (s.size() > 1 && s[0] == '0') return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

// Splits "domain-spec/cidr4//cidr6" of a and mx. A "/" may also be part of the
// domain-spec (a macro-literal): only a trailing "/digits" is a CIDR length.
Result<void> split_dual_cidr(std::string_view arg, SpfDirective& d) {
    std::string_view spec = arg;
    const auto dbl = spec.rfind("//");
    if (dbl != std::string_view::npos && all_digits(spec.substr(dbl + 2))) {
        auto v6 = parse_cidr(spec.substr(dbl + 2), 128);
        if (!v6) return Error::syntax("bad ip6 cidr length in " + d.text);
        d.cidr6 = *v6;
        spec = spec.substr(0, dbl);
    }
    const auto slash = spec.rfind('/');
    if (slash != std::string_view::npos && all_digits(spec.substr(slash + 1))) {
        auto v4 = parse_cidr(spec.substr(slash + 1), 32);
        if (!v4) return Error::syntax("bad ip4 cidr length in " + d.text);
        d.cidr4 = *v4;
        spec = spec.substr(0, slash);
    }
    d.domain_spec = std::string(spec);
    return {};
}

}  // namespace

bool valid_macro_string(std::string_view s, bool exp) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c != '%') {
            // macro-literal = %x21-24 / %x26-7E; an explanation may also hold spaces.
            const auto u = static_cast<unsigned char>(c);
            if (!((u >= 0x21 && u <= 0x7e) || (exp && u == ' '))) return false;
            continue;
        }
        if (i + 1 >= s.size()) return false;
        const char n = s[i + 1];
        if (n == '%' || n == '_' || n == '-') {
            ++i;
            continue;
        }
        if (n != '{') return false;
        const auto close = s.find('}', i + 2);
        if (close == std::string_view::npos) return false;
        std::string_view body = s.substr(i + 2, close - i - 2);
        if (body.empty()) return false;
        const char letter = text::to_lower(body[0]);
        static constexpr std::string_view kLetters = "slodiphv";
        static constexpr std::string_view kExpLetters = "crt";
        const bool allowed = kLetters.find(letter) != std::string_view::npos ||
                             (exp && kExpLetters.find(letter) != std::string_view::npos);
        if (!allowed) return false;
        std::size_t j = 1;
        while (j < body.size() && is_digit(body[j])) ++j;
        if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) ++j;
        for (; j < body.size(); ++j) {
            if (std::string_view(".-+,/_=").find(body[j]) == std::string_view::npos) return false;
        }
        i = close;
    }
    return true;
}

bool valid_domain_spec(std::string_view s) {
    if (s.empty() || !valid_macro_string(s, false)) return false;
    if (s.back() == '}') return true;  // ends in a macro-expand
    if (s.size() >= 2 && s[s.size() - 2] == '%' && (s.back() == '%' || s.back() == '_' || s.back() == '-')) {
        return true;
    }
    std::string_view rest = s;
    if (rest.back() == '.') rest.remove_suffix(1);
    const auto dot = rest.rfind('.');
    if (dot == std::string_view::npos) return false;  // domain-end starts with "."
    return valid_toplabel(rest.substr(dot + 1));
}

bool is_spf_record(std::string_view txt) {
    if (txt.size() < 6 || !iequals(txt.substr(0, 6), "v=spf1")) return false;
    return txt.size() == 6 || txt[6] == ' ';
}

Result<SpfRecord> parse_spf_record(std::string_view txt) {
    SpfRecord record;
    std::string_view rest = txt.substr(6);
    while (!rest.empty()) {
        if (rest.front() == ' ') {
            rest.remove_prefix(1);
            continue;
        }
        const auto end = rest.find(' ');
        const std::string_view term = rest.substr(0, end);
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);

        // A modifier: name "=" macro-string, where name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        std::size_t n = 0;
        while (n < term.size() && (is_alnum(term[n]) || term[n] == '-' || term[n] == '_' || term[n] == '.')) ++n;
        if (n > 0 && n < term.size() && term[n] == '=' && is_alpha(term[0])) {
            const std::string_view name = term.substr(0, n), value = term.substr(n + 1);
            if (iequals(name, "redirect") || iequals(name, "exp")) {
                auto& slot = iequals(name, "redirect") ? record.redirect : record.exp;
                if (slot) return Error::syntax("more than one " + std::string(name) + "= modifier");
                if (!valid_domain_spec(value)) return Error::syntax("bad domain in " + std::string(term));
                slot = std::string(value);
            } else if (!valid_macro_string(value, false)) {
                return Error::syntax("bad macro string in " + std::string(term));
            }
            continue;
        }

        SpfDirective d;
        d.text = std::string(term);
        std::string_view t = term;
        switch (t.front()) {
        case '+': d.qualifier = SpfQualifier::Pass; t.remove_prefix(1); break;
        case '-': d.qualifier = SpfQualifier::Fail; t.remove_prefix(1); break;
        case '~': d.qualifier = SpfQualifier::SoftFail; t.remove_prefix(1); break;
        case '?': d.qualifier = SpfQualifier::Neutral; t.remove_prefix(1); break;
        default: break;
        }
        std::size_t m = 0;
        while (m < t.size() && is_alnum(t[m])) ++m;
        const std::string_view name = t.substr(0, m);
        std::string_view arg = t.substr(m);
        const bool has_colon = !arg.empty() && arg.front() == ':';
        if (has_colon) arg.remove_prefix(1);
        if (!has_colon && !arg.empty() && arg.front() != '/') return Error::syntax("unknown term " + d.text);

        if (iequals(name, "all")) {
            if (has_colon || !arg.empty()) return Error::syntax("all takes no argument");
            d.mechanism = SpfMechanism::All;
        } else if (iequals(name, "include") || iequals(name, "exists")) {
            d.mechanism = iequals(name, "include") ? SpfMechanism::Include : SpfMechanism::Exists;
            if (!has_colon || !valid_domain_spec(arg)) return Error::syntax("bad domain in " + d.text);
            d.domain_spec = std::string(arg);
        } else if (iequals(name, "a") || iequals(name, "mx")) {
            d.mechanism = iequals(name, "a") ? SpfMechanism::A : SpfMechanism::Mx;
            if (!has_colon && !arg.empty()) {  // only "/cidr"
                if (auto r = split_dual_cidr(arg, d); !r) return r.error();
                if (!d.domain_spec.empty()) return Error::syntax("bad term " + d.text);
            } else if (has_colon) {
                if (auto r = split_dual_cidr(arg, d); !r) return r.error();
                if (!valid_domain_spec(d.domain_spec)) return Error::syntax("bad domain in " + d.text);
            }
        } else if (iequals(name, "ptr")) {
            d.mechanism = SpfMechanism::Ptr;
            if (!has_colon && !arg.empty()) return Error::syntax("bad term " + d.text);
            if (has_colon) {
                if (!valid_domain_spec(arg)) return Error::syntax("bad domain in " + d.text);
                d.domain_spec = std::string(arg);
            }
        } else if (iequals(name, "ip4") || iequals(name, "ip6")) {
            const bool v4 = iequals(name, "ip4");
            d.mechanism = v4 ? SpfMechanism::Ip4 : SpfMechanism::Ip6;
            if (!has_colon) return Error::syntax("missing address in " + d.text);
            std::string_view net = arg;
            const auto slash = net.find('/');
            if (slash != std::string_view::npos) {
                auto len = parse_cidr(net.substr(slash + 1), v4 ? 32 : 128);
                if (!len) return Error::syntax("bad cidr length in " + d.text);
                (v4 ? d.cidr4 : d.cidr6) = *len;
                net = net.substr(0, slash);
            }
            unsigned char buf[16];
            const std::string addr(net);
            if (inet_pton(v4 ? AF_INET : AF_INET6, addr.c_str(), buf) != 1) {
                return Error::syntax("bad address in " + d.text);
            }
            d.network = addr;
        } else {
            return Error::syntax("unknown mechanism " + d.text);
        }
        record.directives.push_back(std::move(d));
    }
    return record;
}

}  // namespace mr::mailauth
