// The DNS records an operator publishes for a hosted domain, in one place for
// `mailroom dns` and `mailroom check`: MX, SPF, one TXT per DKIM key, DMARC, the SRV
// records of RFC 6186 for the listeners that exist (RFC 8314: implicit TLS preferred), and
// for webd the autoconfig/autodiscover/mta-sts names, the _mta-sts TXT and TLS-RPT.
#pragma once

#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/dns/dns_client.hpp"

namespace mr::cli {

struct DnsRecord {
    std::string name;  // fully qualified, without the final dot
    std::string type;  // "MX", "TXT", "SRV", "CNAME"
    std::string value;  // TXT values unsplit
};

std::vector<DnsRecord> dns_records(const config::Config& cfg, const std::string& domain);

// The record as a zone-file line: "name. IN TYPE value", TXT cut in strings of 255.
std::string zone_line(const DnsRecord& r);

// Whether DNS serves the record as we would publish it: "published", "missing",
// "differs: <what DNS has>", or "not checked (...)" when DNS did not answer.
std::string published_status(dns::DnsClient& dns, const DnsRecord& r);

}  // namespace mr::cli
