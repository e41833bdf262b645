// See dane.hpp. Citations are to RFC 7672 unless named.
#include "deliverd/tls_policy/dane.hpp"

#include <charconv>

#include "common/text/ascii.hpp"

namespace mr::deliverd::tls_policy {
namespace {

constexpr std::size_t kMaxHosts = 10;  // as many MX hosts as remote delivery tries

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::uint8_t> parse_octet(std::string_view& text) {
    auto sp = text.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + sp, v);
    if (ec != std::errc() || ptr != text.data() + sp || v > 255) return std::nullopt;
    text.remove_prefix(sp + 1);
    return static_cast<std::uint8_t>(v);
}

std::string mx_host(const std::string& record) {
    // DnsAnswer's MX form: "10 mx.example.org"
    auto sp = record.find(' ');
    return text::to_lower(sp == std::string::npos ? record : record.substr(sp + 1));
}

}  // namespace

std::optional<TlsaRecord> parse_tlsa(std::string_view text) {
    TlsaRecord r;
    auto usage = parse_octet(text);
    auto selector = usage ? parse_octet(text) : std::nullopt;
    auto mtype = selector ? parse_octet(text) : std::nullopt;
    if (!mtype || text.size() % 2 != 0) return std::nullopt;
    r.usage = *usage;
    r.selector = *selector;
    r.mtype = *mtype;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_digit(text[i]);
        int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        r.data.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return r;
}

// RFC 7672 §3.1.3 (rfc7672.txt:1304): PKIX-TA(0) and PKIX-EE(1): "SMTP clients MAY treat
// such records as "unusable"" (we do, as Postfix does);
// selector and matching type as RFC 6698 §2.1.3/§2.1.4 define them.
bool usable(const TlsaRecord& r) {
    if (r.usage != 2 && r.usage != 3) return false;
    if (r.selector > 1) return false;
    switch (r.mtype) {
    case 0: return !r.data.empty();
    case 1: return r.data.size() == 32;
    case 2: return r.data.size() == 64;
    default: return false;
    }
}

namespace {

// §2.2.2: TLSA records are looked up only for hosts whose address records are secure, MX
// hosts and configured relays alike; §2.2.3 (rfc7672.txt:980): with another port than 25
// "the SMTP client MUST use the appropriate number in the "_<port>" prefix".
void add_host(dns::DnsClient& dns, const std::string& host, int port, DanePolicy& out) {
    bool secure = false;
    for (auto type : {dns::RecordType::A, dns::RecordType::AAAA}) {
        auto a = dns.lookup(host, type);
        if (a.ok() && !a.records.empty() && a.authenticated) secure = true;
    }
    if (!secure) return;
    const std::string name = "_" + std::to_string(port) + "._tcp." + host;
    auto tlsa = dns.lookup(name, dns::RecordType::TLSA);
    if (tlsa.status == dns::DnsAnswer::Status::TempFail) {
        out.hosts[host] = DaneHost{{}, true, "TLSA lookup of " + name + " failed"};
        return;
    }
    if (!tlsa.ok() || !tlsa.authenticated) return;
    DaneHost h;
    for (const auto& text : tlsa.records) {
        auto r = parse_tlsa(text);
        if (r && usable(*r)) h.tlsa.push_back(std::move(*r));
    }
    if (!h.tlsa.empty()) out.hosts[host] = std::move(h);
}

}  // namespace

DanePolicy find_dane(dns::DnsClient& dns, const std::string& domain) {
    DanePolicy out;
    auto mx = dns.lookup(domain, dns::RecordType::MX);
    if (!mx.ok()) {
        out.note = "MX lookup failed";
        return out;
    }
    // §2.2.1: an insecure MX RRset: DANE does not apply to any of its hosts.
    if (!mx.authenticated) {
        out.note = "MX records not DNSSEC-validated";
        return out;
    }
    std::vector<std::string> hosts;
    for (const auto& r : mx.records) {
        std::string h = mx_host(r);
        if (!h.empty() && h != ".") hosts.push_back(h);
    }
    if (mx.records.empty()) hosts.push_back(text::to_lower(domain));  // the implicit MX
    if (hosts.size() > kMaxHosts) hosts.resize(kMaxHosts);
    for (const auto& host : hosts) add_host(dns, host, 25, out);
    out.note = std::to_string(out.hosts.size()) + " MX host(s) with TLSA records";
    return out;
}

DanePolicy find_dane_relay(dns::DnsClient& dns, const std::string& host, int port) {
    DanePolicy out;
    add_host(dns, text::to_lower(host), port, out);
    out.note = out.hosts.empty() ? "relay without TLSA records" : "relay with TLSA records";
    return out;
}

}  // namespace mr::deliverd::tls_policy
