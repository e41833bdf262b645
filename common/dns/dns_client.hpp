// DnsClient: the DNS questions mail authentication asks (SPF, DKIM keys, DMARC, DNSBL), as
// one interface, so that the evaluators are plain functions of the answers: the daemons
// give them a real resolver (CaresDnsClient), the tests a zone written in the test.
//
// Invariants:
//  - Answers are text: A "192.0.2.1", AAAA in RFC 5952 form, MX "10 mx.example.org",
//    TXT the record's strings concatenated (RFC 7208 §3.3, rfc7208.txt:651), PTR a name,
//    TLSA "usage selector mtype hexdata" (RFC 6698 §2.2, presentation form), CNAME the
//    target name, SRV "priority weight port target".
//    Names carry no final dot.
//  - Three outcomes only: the name exists and has these records (perhaps none: "NODATA"),
//    the name does not exist (NXDOMAIN), or no answer could be had (timeout, SERVFAIL,
//    refused, malformed reply: TempFail). Callers decide what each means for their rule.
//  - `ttl` is how long the answer may be reused (seconds): the smallest TTL of the answer's
//    records, or for NXDOMAIN/NODATA the negative TTL of RFC 2308 §5;
//    0 when it must not be kept (TempFail always).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mr::dns {

enum class RecordType : std::uint8_t { A, AAAA, MX, TXT, PTR, TLSA, CNAME, SRV };

struct DnsAnswer {
    enum class Status : std::uint8_t { Ok, NxDomain, TempFail };
    Status status = Status::TempFail;
    std::vector<std::string> records;  // empty with Ok: the name has no record of the type
    std::uint32_t ttl = 0;
    // The resolver set the AD bit (RFC 4035 §3.2.3): it validated the answer with DNSSEC.
    // Meaningful only from a resolver the operator trusts ([dns] trust_ad).
    bool authenticated = false;

    bool ok() const { return status == Status::Ok; }
    // RFC 7208 §4.6.4 (rfc7208.txt:931): an answer with no records, NXDOMAIN included.
    bool is_void() const { return status == Status::NxDomain || (status == Status::Ok && records.empty()); }
};

class DnsClient {
public:
    virtual ~DnsClient() = default;
    virtual DnsAnswer lookup(std::string_view name, RecordType type) = 0;
};

// The name a PTR query asks for an address: "4.3.2.1.in-addr.arpa", nibbles for IPv6.
// Empty when `ip` is not an address.
std::string reverse_name(std::string_view ip);

}  // namespace mr::dns
