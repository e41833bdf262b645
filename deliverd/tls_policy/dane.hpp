// DANE for SMTP (RFC 7672): which MX hosts of a destination have TLSA records that must be
// enforced. Only answers the configured resolver marked authenticated (AD) count, and
// only when [dns] trust_ad says that bit can be believed.
//
// Invariants:
// - A host is under DANE only when the MX RRset (or, with no MX, the domain's own
//   address), the host's address records and its `_25._tcp.<host>` TLSA RRset were all
//   validated (RFC 7672 §2.2.1, §2.2.3), and at least one TLSA record is usable (§3.1.3: DANE-TA(2)
//   or DANE-EE(3), selector 0/1, matching type 0/1/2 with a digest of the right length).
// - A TLSA lookup that fails (not "no records") for a host whose address was validated
//   leaves the host unusable (§2.2: the client cannot tell a downgrade from an outage).
// - parse_tlsa() and usable() are pure; find_dane() asks a DnsClient (blocking).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::deliverd::tls_policy {

struct TlsaRecord {
    std::uint8_t usage = 0;     // 2 DANE-TA, 3 DANE-EE
    std::uint8_t selector = 0;  // 0 full certificate, 1 SubjectPublicKeyInfo
    std::uint8_t mtype = 0;     // 0 exact, 1 SHA-256, 2 SHA-512
    std::vector<std::uint8_t> data;
};

// "3 1 1 0123ab..." (DnsAnswer's TLSA form); nothing when malformed.
std::optional<TlsaRecord> parse_tlsa(std::string_view text);
bool usable(const TlsaRecord& record);

struct DaneHost {
    std::vector<TlsaRecord> tlsa;  // usable records: verify against these
    bool unusable = false;         // the TLSA lookup failed: do not connect (defer)
    std::string reason;
};

struct DanePolicy {
    std::map<std::string, DaneHost> hosts;  // only the MX hosts DANE applies to (lower-case)
    std::string note;                       // for the log
};

DanePolicy find_dane(dns::DnsClient& dns, const std::string& domain);
// A next hop configured by the operator (a smarthost), reached at `port` without MX
// resolution (§2.2.2): `host` is under DANE when its address and `_<port>._tcp.<host>`
// TLSA records are validated.
DanePolicy find_dane_relay(dns::DnsClient& dns, const std::string& host, int port);

}  // namespace mr::deliverd::tls_policy
