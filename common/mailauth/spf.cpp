#include "common/mailauth/spf.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>

#include "common/mailauth/spf_record.hpp"
#include "common/text/ascii.hpp"

namespace mr::mailauth {

std::string_view spf_result_name(SpfResult r) {
    switch (r) {
    case SpfResult::None: return "none";
    case SpfResult::Neutral: return "neutral";
    case SpfResult::Pass: return "pass";
    case SpfResult::Fail: return "fail";
    case SpfResult::SoftFail: return "softfail";
    case SpfResult::TempError: return "temperror";
    case SpfResult::PermError: return "permerror";
    }
    return "none";
}

namespace {

constexpr int kMaxDnsTerms = 10;
constexpr int kMaxVoidLookups = 2;
constexpr std::size_t kMaxMxNames = 10;
constexpr std::size_t kMaxPtrNames = 10;

struct Address {
    bool v4 = true;
    std::array<unsigned char, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
    Address a;
    const std::string s(text);
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
    // An IPv4-mapped IPv6 address is the IPv4 client it maps (RFC 7208 §5, rfc7208.txt:1071).
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
        std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
        return a;
    }
    a.v4 = false;
    return a;
}

bool in_network(const Address& client, const Address& net, int prefix) {
    if (client.v4 != net.v4) return false;
    const int bytes = prefix / 8, bits = prefix % 8;
    if (std::memcmp(client.bytes.data(), net.bytes.data(), static_cast<std::size_t>(bytes)) != 0) return false;
    if (bits == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
    return (client.bytes[static_cast<std::size_t>(bytes)] & mask) == (net.bytes[static_cast<std::size_t>(bytes)] & mask);
}

std::string lower(std::string_view s) { return text::to_lower(s); }

// A name we may ask DNS: labels of 1..63 octets (an empty last one is the root).
bool askable(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    while (start < name.size()) {
        auto dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        const std::size_t len = dot - start;
        if (len == 0 || len > 63) return dot == name.size() && len == 0;
        start = dot + 1;
    }
    return true;
}

// RFC 7208 §4.3 (rfc7208.txt:798): a domain check_host() can evaluate at all.
bool valid_domain(std::string_view d) {
    if (d.empty() || d.front() == '[') return false;
    std::string_view n = d;
    if (n.back() == '.') n.remove_suffix(1);
    if (n.find('.') == std::string_view::npos) return false;  // not multi-label
    return askable(n);
}

enum class Stop { None, TempError, PermError };

class Evaluator {
public:
    Evaluator(dns::DnsClient& dns, const SpfQuery& q, Address client)
        : dns_(dns), q_(q), client_(client) {}

    SpfOutcome check_host(const std::string& domain, const std::string& sender, int depth);

private:
    // One check_host() level: the result, and whether it came from a matched mechanism or
    // fell through to neutral / redirect.
    SpfResult evaluate(const std::string& domain, const std::string& sender, int depth,
                       std::string* explanation, bool top);
    std::optional<std::string> expand(std::string_view macro_string, const std::string& domain,
                                      const std::string& sender, bool exp);
    std::optional<std::string> expand_domain(std::string_view spec, const std::string& domain,
                                             const std::string& sender);
    std::optional<std::string> target(const SpfDirective& d, const std::string& domain, const std::string& sender);
    dns::DnsAnswer lookup(std::string_view name, dns::RecordType t);
    bool count_dns_term();
    bool note_void(const dns::DnsAnswer& a);
    std::string validated_ptr_name(const std::string& domain);
    std::string validated_ptr_name_uncached(const std::string& domain);
    std::optional<bool> match(const SpfDirective& d, const std::string& domain, const std::string& sender, int depth);
    std::optional<bool> match_addresses(const std::string& name, const SpfDirective& d);

    dns::DnsClient& dns_;
    const SpfQuery& q_;
    Address client_;
    int dns_terms_ = 0;
    int void_lookups_ = 0;
    Stop stop_ = Stop::None;
    std::string problem_;
    std::map<std::string, std::string> ptr_names_;  // %{p} per domain, this evaluation
};

dns::DnsAnswer Evaluator::lookup(std::string_view name, dns::RecordType t) {
    std::string n(name);
    if (!n.empty() && n.back() == '.') n.pop_back();
    if (!askable(n)) return {dns::DnsAnswer::Status::NxDomain, {}};
    return dns_.lookup(n, t);
}

bool Evaluator::count_dns_term() {
    if (++dns_terms_ > kMaxDnsTerms) {
        stop_ = Stop::PermError;
        problem_ = "more than 10 DNS-querying terms";
        return false;
    }
    return true;
}

bool Evaluator::note_void(const dns::DnsAnswer& a) {
    if (!a.is_void()) return true;
    if (++void_lookups_ > kMaxVoidLookups) {
        stop_ = Stop::PermError;
        problem_ = "more than 2 void lookups";
        return false;
    }
    return true;
}

// %{p}: a name of the client address that maps back to it, preferring `domain` or its
// subdomains (RFC 7208 §7.3, rfc7208.txt:1639); "unknown" when none.
std::string Evaluator::validated_ptr_name(const std::string& domain) {
    // Asked once per evaluation, and counted like a "ptr" term (§4.6.4): a record full of
    // %{p} must not multiply DNS queries.
    if (auto it = ptr_names_.find(domain); it != ptr_names_.end()) return it->second;
    if (!count_dns_term()) return "unknown";
    std::string& cached = ptr_names_[domain];
    cached = validated_ptr_name_uncached(domain);
    return cached;
}

std::string Evaluator::validated_ptr_name_uncached(const std::string& domain) {
    const auto ptr = lookup(dns::reverse_name(q_.ip), dns::RecordType::PTR);
    if (!ptr.ok()) return "unknown";
    std::vector<std::string> validated;
    std::size_t asked = 0;
    for (const auto& name : ptr.records) {
        if (asked++ >= kMaxPtrNames) break;
        const auto addrs = lookup(name, client_.v4 ? dns::RecordType::A : dns::RecordType::AAAA);
        for (const auto& a : addrs.records) {
            auto parsed = parse_address(a);
            if (parsed && parsed->v4 == client_.v4 && parsed->bytes == client_.bytes) {
                validated.push_back(lower(name));
                break;
            }
        }
    }
    const std::string d = lower(domain);
    for (const auto& v : validated) {
        if (v == d) return v;
    }
    for (const auto& v : validated) {
        if (v.size() > d.size() && v.ends_with("." + d)) return v;
    }
    return validated.empty() ? "unknown" : validated.front();
}

std::optional<std::string> Evaluator::expand(std::string_view s, const std::string& domain,
                                             const std::string& sender, bool exp) {
    std::string out;
    const auto at = sender.rfind('@');
    const std::string local = at == std::string::npos ? "postmaster" : sender.substr(0, at);
    const std::string sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 1 >= s.size()) return std::nullopt;
        const char n = s[++i];
        if (n == '%') { out += '%'; continue; }
        if (n == '_') { out += ' '; continue; }
        if (n == '-') { out += "%20"; continue; }
        if (n != '{') return std::nullopt;
        const auto close = s.find('}', i + 1);
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view body = s.substr(i + 1, close - i - 1);
        i = close;
        if (body.empty()) return std::nullopt;
        const char letter = body[0];
        const bool upper = letter >= 'A' && letter <= 'Z';
        std::string value;
        switch (text::to_lower(letter)) {
        case 's': value = sender; break;
        case 'l': value = local; break;
        case 'o': value = sender_domain; break;
        case 'd': value = domain; break;
        case 'i':
            if (client_.v4) {
                value = std::to_string(client_.bytes[0]) + "." + std::to_string(client_.bytes[1]) + "." +
                        std::to_string(client_.bytes[2]) + "." + std::to_string(client_.bytes[3]);
            } else {
                static constexpr char kHex[] = "0123456789abcdef";
                for (unsigned char b : client_.bytes) {
                    if (!value.empty()) value += '.';
                    value += kHex[b >> 4];
                    value += '.';
                    value += kHex[b & 0xf];
                }
            }
            break;
        case 'p': value = validated_ptr_name(domain); break;
        case 'v': value = client_.v4 ? "in-addr" : "ip6"; break;
        case 'h': value = q_.helo; break;
        case 'c':
        case 'r':
        case 't':
            if (!exp) return std::nullopt;
            if (text::to_lower(letter) == 'c') {
                char buf[INET6_ADDRSTRLEN] = {};
                inet_ntop(client_.v4 ? AF_INET : AF_INET6, client_.bytes.data(), buf, sizeof buf);
                value = buf;
            } else if (text::to_lower(letter) == 'r') {
                value = q_.receiver.empty() ? "unknown" : q_.receiver;
            } else {
                value = std::to_string(q_.now);
            }
            break;
        default: return std::nullopt;
        }
        // Transformers: keep the rightmost N parts, reverse with "r"; split at the
        // delimiters (default "."), join with "." (§7.3).
        std::size_t j = 1;
        std::size_t keep = 0;
        bool has_digits = false;
        while (j < body.size() && body[j] >= '0' && body[j] <= '9') {
            keep = keep * 10 + static_cast<std::size_t>(body[j] - '0');
            has_digits = true;
            if (keep > 128) keep = 128;
            ++j;
        }
        if (has_digits && keep == 0) return std::nullopt;
        bool reverse = false;
        if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) {
            reverse = true;
            ++j;
        }
        std::string delimiters(body.substr(j));
        if (delimiters.find_first_not_of(".-+,/_=") != std::string::npos) return std::nullopt;
        if (delimiters.empty()) delimiters = ".";
        std::vector<std::string> parts;
        std::string part;
        for (char c : value) {
            if (delimiters.find(c) != std::string::npos) {
                parts.push_back(part);
                part.clear();
            } else {
                part += c;
            }
        }
        parts.push_back(part);
        if (reverse) std::reverse(parts.begin(), parts.end());
        if (has_digits && keep < parts.size()) parts.erase(parts.begin(), parts.end() - static_cast<long>(keep));
        std::string joined;
        for (std::size_t k = 0; k < parts.size(); ++k) {
            if (k > 0) joined += '.';
            joined += parts[k];
        }
        if (upper) {
            // URL-escape all but the unreserved characters (RFC 3986).
            std::string escaped;
            for (unsigned char c : joined) {
                if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                    escaped += static_cast<char>(c);
                } else {
                    static constexpr char kHex[] = "0123456789ABCDEF";
                    escaped += '%';
                    escaped += kHex[c >> 4];
                    escaped += kHex[c & 0xf];
                }
            }
            joined = escaped;
        }
        out += joined;
    }
    return out;
}

// A domain-spec expanded, shortened from the left, label by label, to 253 octets (§7.3).
std::optional<std::string> Evaluator::expand_domain(std::string_view spec, const std::string& domain,
                                                    const std::string& sender) {
    auto t = expand(spec, domain, sender, false);
    if (!t) return std::nullopt;
    while (t->size() > 253) {
        const auto dot = t->find('.');
        if (dot == std::string::npos) return std::nullopt;
        t->erase(0, dot + 1);
    }
    return t;
}

// The <target-name> of a mechanism: its domain-spec expanded, or the current domain.
std::optional<std::string> Evaluator::target(const SpfDirective& d, const std::string& domain,
                                             const std::string& sender) {
    if (d.domain_spec.empty()) return domain;
    return expand_domain(d.domain_spec, domain, sender);
}

// a and mx: does one of `name`'s addresses hold the client, under the directive's CIDR?
std::optional<bool> Evaluator::match_addresses(const std::string& name, const SpfDirective& d) {
    const auto answer = lookup(name, client_.v4 ? dns::RecordType::A : dns::RecordType::AAAA);
    if (answer.status == dns::DnsAnswer::Status::TempFail) {
        stop_ = Stop::TempError;
        problem_ = "DNS lookup of " + name + " failed";
        return std::nullopt;
    }
    if (!note_void(answer)) return std::nullopt;
    for (const auto& a : answer.records) {
        auto addr = parse_address(a);
        if (addr && in_network(client_, *addr, client_.v4 ? d.cidr4 : d.cidr6)) return true;
    }
    return false;
}

std::optional<bool> Evaluator::match(const SpfDirective& d, const std::string& domain, const std::string& sender,
                                     int depth) {
    switch (d.mechanism) {
    case SpfMechanism::All: return true;
    case SpfMechanism::Ip4:
    case SpfMechanism::Ip6: {
        auto net = parse_address(d.network);
        if (!net) return false;
        // "ip4" against an IPv6 client (and the reverse) never matches (§5.6).
        if (net->v4 != (d.mechanism == SpfMechanism::Ip4)) net->v4 = d.mechanism == SpfMechanism::Ip4;
        return in_network(client_, *net, client_.v4 ? d.cidr4 : d.cidr6);
    }
    case SpfMechanism::A: {
        if (!count_dns_term()) return std::nullopt;
        auto t = target(d, domain, sender);
        if (!t) return stop_ = Stop::PermError, problem_ = "bad macro in " + d.text, std::nullopt;
        return match_addresses(*t, d);
    }
    case SpfMechanism::Mx: {
        if (!count_dns_term()) return std::nullopt;
        auto t = target(d, domain, sender);
        if (!t) return stop_ = Stop::PermError, problem_ = "bad macro in " + d.text, std::nullopt;
        const auto mx = lookup(*t, dns::RecordType::MX);
        if (mx.status == dns::DnsAnswer::Status::TempFail) {
            stop_ = Stop::TempError;
            problem_ = "DNS lookup of MX " + *t + " failed";
            return std::nullopt;
        }
        if (!note_void(mx)) return std::nullopt;
        if (mx.records.size() > kMaxMxNames) {
            stop_ = Stop::PermError;
            problem_ = "more than 10 MX names for " + *t;
            return std::nullopt;
        }
        for (const auto& rec : mx.records) {
            const auto sp = rec.find(' ');
            const std::string host = sp == std::string::npos ? rec : rec.substr(sp + 1);
            if (host.empty() || host == ".") continue;  // a null MX names no host
            const auto addrs = lookup(host, client_.v4 ? dns::RecordType::A : dns::RecordType::AAAA);
            if (addrs.status == dns::DnsAnswer::Status::TempFail) {
                stop_ = Stop::TempError;
                problem_ = "DNS lookup of " + host + " failed";
                return std::nullopt;
            }
            for (const auto& a : addrs.records) {
                auto addr = parse_address(a);
                if (addr && in_network(client_, *addr, client_.v4 ? d.cidr4 : d.cidr6)) return true;
            }
        }
        return false;
    }
    case SpfMechanism::Ptr: {
        if (!count_dns_term()) return std::nullopt;
        auto t = target(d, domain, sender);
        if (!t) return stop_ = Stop::PermError, problem_ = "bad macro in " + d.text, std::nullopt;
        // A DNS error on the PTR lookup makes the mechanism not match (§5.5).
        const auto ptr = lookup(dns::reverse_name(q_.ip), dns::RecordType::PTR);
        if (!ptr.ok()) return false;
        if (!note_void(ptr)) return std::nullopt;
        const std::string want = lower(*t);
        std::size_t asked = 0;
        for (const auto& name : ptr.records) {
            if (asked++ >= kMaxPtrNames) break;
            const std::string n = lower(name);
            if (n != want && !n.ends_with("." + want)) continue;
            const auto addrs = lookup(name, client_.v4 ? dns::RecordType::A : dns::RecordType::AAAA);
            for (const auto& a : addrs.records) {
                auto addr = parse_address(a);
                if (addr && addr->v4 == client_.v4 && addr->bytes == client_.bytes) return true;
            }
        }
        return false;
    }
    case SpfMechanism::Exists: {
        if (!count_dns_term()) return std::nullopt;
        auto t = target(d, domain, sender);
        if (!t) return stop_ = Stop::PermError, problem_ = "bad macro in " + d.text, std::nullopt;
        // Always an A query, whatever the client's family (§5.7).
        const auto a = lookup(*t, dns::RecordType::A);
        if (a.status == dns::DnsAnswer::Status::TempFail) {
            stop_ = Stop::TempError;
            problem_ = "DNS lookup of " + *t + " failed";
            return std::nullopt;
        }
        if (!note_void(a)) return std::nullopt;
        return !a.records.empty();
    }
    case SpfMechanism::Include: {
        if (!count_dns_term()) return std::nullopt;
        auto t = target(d, domain, sender);
        if (!t) return stop_ = Stop::PermError, problem_ = "bad macro in " + d.text, std::nullopt;
        const SpfResult r = evaluate(*t, sender, depth + 1, nullptr, false);
        if (stop_ != Stop::None) return std::nullopt;
        switch (r) {
        case SpfResult::Pass: return true;
        case SpfResult::Fail:
        case SpfResult::SoftFail:
        case SpfResult::Neutral: return false;
        case SpfResult::TempError:
            stop_ = Stop::TempError;
            return std::nullopt;
        case SpfResult::None:
        case SpfResult::PermError:
            stop_ = Stop::PermError;
            if (problem_.empty()) problem_ = "include:" + *t + " has no SPF record";
            return std::nullopt;
        }
        return false;
    }
    }
    return false;
}

SpfResult Evaluator::evaluate(const std::string& domain, const std::string& sender, int depth,
                              std::string* explanation, bool top) {
    if (depth > 20) {  // the term limit stops loops first; this only guards the stack
        stop_ = Stop::PermError;
        problem_ = "include or redirect loop";
        return SpfResult::PermError;
    }
    if (top && !valid_domain(domain)) return SpfResult::None;
    const auto txt = lookup(domain, dns::RecordType::TXT);
    if (txt.status == dns::DnsAnswer::Status::TempFail) {
        problem_ = "DNS lookup of TXT " + domain + " failed";
        return SpfResult::TempError;
    }
    std::vector<std::string_view> records;
    for (const auto& r : txt.records) {
        if (is_spf_record(r)) records.push_back(r);
    }
    if (records.empty()) return SpfResult::None;
    if (records.size() > 1) {
        problem_ = "more than one SPF record for " + domain;
        return SpfResult::PermError;
    }
    auto record = parse_spf_record(records.front());
    if (!record) {
        problem_ = record.error().message;
        return SpfResult::PermError;
    }
    for (const auto& d : record->directives) {
        auto matched = match(d, domain, sender, depth);
        if (stop_ == Stop::TempError) return SpfResult::TempError;
        if (stop_ == Stop::PermError) return SpfResult::PermError;
        if (!matched || !*matched) continue;
        SpfResult r = SpfResult::Neutral;
        switch (d.qualifier) {
        case SpfQualifier::Pass: r = SpfResult::Pass; break;
        case SpfQualifier::Fail: r = SpfResult::Fail; break;
        case SpfQualifier::SoftFail: r = SpfResult::SoftFail; break;
        case SpfQualifier::Neutral: r = SpfResult::Neutral; break;
        }
        if (r == SpfResult::Fail && explanation != nullptr && record->exp) {
            // Any problem with the explanation leaves it out (§6.2).
            auto exp_name = expand_domain(*record->exp, domain, sender);
            if (exp_name && askable(*exp_name)) {
                const auto e = lookup(*exp_name, dns::RecordType::TXT);
                if (e.ok() && e.records.size() == 1 && valid_macro_string(e.records.front(), true)) {
                    if (auto text = expand(e.records.front(), domain, sender, true)) *explanation = *text;
                }
            }
        }
        return r;
    }
    if (record->redirect) {
        if (!count_dns_term()) return SpfResult::PermError;
        auto t = expand_domain(*record->redirect, domain, sender);
        if (!t) {
            problem_ = "bad macro in redirect";
            return SpfResult::PermError;
        }
        // The redirect's record decides, its exp= included (§6.1).
        const SpfResult r = evaluate(*t, sender, depth + 1, explanation, false);
        if (stop_ == Stop::PermError) return SpfResult::PermError;
        if (stop_ == Stop::TempError) return SpfResult::TempError;
        if (r == SpfResult::None) {
            if (problem_.empty()) problem_ = "redirect=" + *t + " has no SPF record";
            return SpfResult::PermError;
        }
        return r;
    }
    return SpfResult::Neutral;
}

SpfOutcome Evaluator::check_host(const std::string& domain, const std::string& sender, int depth) {
    SpfOutcome out;
    out.domain = domain;
    out.result = evaluate(domain, sender, depth, &out.explanation, true);
    out.problem = problem_;
    return out;
}

SpfOutcome run(dns::DnsClient& dns, const SpfQuery& q, const std::string& domain, const std::string& sender) {
    auto client = parse_address(q.ip);
    if (!client) return {SpfResult::None, domain, {}, "client address " + q.ip + " is not an IP address"};
    Evaluator e(dns, q, *client);
    return e.check_host(domain, sender, 0);
}

}  // namespace

SpfOutcome check_spf(dns::DnsClient& dns, const SpfQuery& q) {
    std::string sender = q.sender;
    std::string domain;
    const auto at = sender.rfind('@');
    if (sender.empty() || at == std::string::npos) {
        // The null reverse-path: postmaster@HELO (§2.4).
        domain = q.helo;
        sender = "postmaster@" + q.helo;
    } else {
        domain = sender.substr(at + 1);
        if (at == 0) sender = "postmaster" + sender;  // "@example.net" has no local-part (§4.3)
    }
    return run(dns, q, domain, sender);
}

SpfOutcome check_spf_helo(dns::DnsClient& dns, const SpfQuery& q) {
    return run(dns, q, q.helo, "postmaster@" + q.helo);
}

}  // namespace mr::mailauth
