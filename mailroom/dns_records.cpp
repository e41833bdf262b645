#include "mailroom/dns_records.hpp"

#include "common/dkim/key_directory.hpp"
#include "common/text/ascii.hpp"
#include "mailroom/cli_context.hpp"
#include "webd/proto/mta_sts_policy.hpp"

namespace mr::cli {

namespace {

// RFC 6186 §3 (rfc6186.txt:133): where a client finds each service; only listeners
// that are configured, on the port they use. RFC 8314 §4.5.2 (rfc8314.txt:586): implicit
// TLS is preferred, so its records have the lower priority number (0) and the STARTTLS
// ones kStartTlsPriority.
constexpr int kStartTlsPriority = 10;

void add_srv(std::vector<DnsRecord>& out, const std::string& service, const std::vector<std::string>& listeners,
             const std::string& domain, const std::string& host, int priority) {
    if (listeners.empty()) return;
    auto endpoint = config::parse_endpoint(listeners.front());
    if (!endpoint) return;
    out.push_back({service + "._tcp." + domain, "SRV",
                   std::to_string(priority) + " 1 " + std::to_string(endpoint->port) + " " + host + "."});
}

}  // namespace

std::vector<DnsRecord> dns_records(const config::Config& cfg, const std::string& domain) {
    const std::string& host = cfg.server.hostname;
    std::vector<DnsRecord> out;
    out.push_back({domain, "MX", "10 " + host + "."});
    // The domain's mail leaves from this server, which its MX names.
    out.push_back({domain, "TXT", "v=spf1 mx -all"});
    for (const auto& file : dkim::list_key_files(cfg.dkim.key_dir, domain)) {
        auto key = dkim::SigningKey::load(file.path);
        if (!key) throw CliError{key.error().message};
        out.push_back({file.selector + "._domainkey." + domain, "TXT", must(key->dns_record())});
    }
    out.push_back({"_dmarc." + domain, "TXT", "v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain});
    add_srv(out, "_submissions", cfg.listen.submissions, domain, host, 0);
    add_srv(out, "_submission", cfg.listen.submission, domain, host, kStartTlsPriority);
    add_srv(out, "_imaps", cfg.listen.imaps, domain, host, 0);
    add_srv(out, "_imap", cfg.listen.imap, domain, host, kStartTlsPriority);
    add_srv(out, "_pop3s", cfg.listen.pop3s, domain, host, 0);
    add_srv(out, "_pop3", cfg.listen.pop3, domain, host, kStartTlsPriority);
    // webd's names (webd/proto/router.hpp): clients and sending MTAs find it by these.
    if (!cfg.http.listen.empty() || !cfg.http.tls_listen.empty()) {
        out.push_back({"autoconfig." + domain, "CNAME", host + "."});
        out.push_back({"autodiscover." + domain, "CNAME", host + "."});
        out.push_back({"mta-sts." + domain, "CNAME", host + "."});
        // RFC 8461 §3.1 (rfc8461.txt:296): the id changes exactly when the policy does.
        const auto policy = webd::proto::mta_sts_policy(webd::proto::parse_mta_sts_mode(cfg.http.mta_sts_mode), host);
        out.push_back({"_mta-sts." + domain, "TXT", "v=STSv1; id=" + webd::proto::mta_sts_id(policy)});
    }
    // RFC 8460 §3 (rfc8460.txt:293): where senders report TLS failures of our domain.
    out.push_back({"_smtp._tls." + domain, "TXT", "v=TLSRPTv1; rua=mailto:postmaster@" + domain});
    return out;
}

std::string zone_line(const DnsRecord& r) {
    std::string value = r.value;
    if (r.type == "TXT") {
        // A TXT string holds at most 255 octets (RFC 1035 §3.3.14).
        value.clear();
        for (std::size_t i = 0; i < r.value.size(); i += 255) {
            if (!value.empty()) value += ' ';
            value += '"' + r.value.substr(i, 255) + '"';
        }
    }
    return r.name + ". IN " + r.type + " " + value;
}

namespace {

std::string without_spaces(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c != ' ' && c != '\t') out += c;
    }
    return out;
}

// CNAME "host." and SRV "prio weight port host.": DNS's form has no final dot. A name with
// addresses of its own instead of the CNAME works for clients but is not what we print.
std::string target_status(dns::DnsClient& dns, const DnsRecord& r, const dns::DnsAnswer& answer) {
    std::string want = text::to_lower(r.value);
    if (want.ends_with('.')) want.pop_back();
    for (const auto& rec : answer.records) {
        if (text::to_lower(rec) == want) return "published";
    }
    if (!answer.records.empty()) return "differs: " + r.type + " " + answer.records.front();
    if (r.type == "CNAME") {
        const auto a = dns.lookup(r.name, dns::RecordType::A);
        if (a.ok() && !a.records.empty()) return "differs: A " + a.records.front() + " instead of the CNAME";
    }
    return "missing";
}

}  // namespace

std::string published_status(dns::DnsClient& dns, const DnsRecord& r) {
    dns::RecordType type;
    if (r.type == "MX") {
        type = dns::RecordType::MX;
    } else if (r.type == "TXT") {
        type = dns::RecordType::TXT;
    } else if (r.type == "CNAME") {
        type = dns::RecordType::CNAME;
    } else if (r.type == "SRV") {
        type = dns::RecordType::SRV;
    } else {
        return "not checked (" + r.type + ")";
    }
    const auto answer = dns.lookup(r.name, type);
    if (answer.status == dns::DnsAnswer::Status::TempFail) return "not checked (no DNS answer)";
    if (r.type == "CNAME" || r.type == "SRV") return target_status(dns, r, answer);
    if (r.type == "MX") {
        const std::string want = text::to_lower(r.value.substr(r.value.find(' ') + 1));
        for (const auto& mx : answer.records) {
            if (text::to_lower(mx.substr(mx.find(' ') + 1)) + "." == want) return "published";
        }
        return answer.records.empty() ? "missing" : "differs: MX " + answer.records.front();
    }
    // TXT: the record of the same kind (v=spf1, v=DMARC1, v=DKIM1) is compared.
    const std::string kind = r.value.substr(0, r.value.find(';'));
    const std::string kind_prefix = text::to_lower(kind.substr(0, kind.find(' ')));
    for (const auto& txt : answer.records) {
        if (without_spaces(txt) == without_spaces(r.value)) return "published";
    }
    for (const auto& txt : answer.records) {
        if (text::to_lower(txt).starts_with(kind_prefix)) return "differs: \"" + txt + "\"";
    }
    return "missing";
}

}  // namespace mr::cli
