// DMARC (RFC 7489): does the author's domain (From:) stand behind this message, and what
// does it ask us to do when it does not?
//
// Invariants:
//  - The author domain is the domain of the one address of the one From: field; any other
//    shape (no From, several, a group) is permerror: no policy is applied (RFC 7489
//    §6.6.1, rfc7489.txt:1243).
//  - Policy discovery (§6.6.3, rfc7489.txt:1358): _dmarc.<author domain>, else
//    _dmarc.<organizational domain>; the organizational domain comes from the Public
//    Suffix List (libpsl, §3.2, rfc7489.txt:581). Exactly one "v=DMARC1" record counts.
//  - Pass when an SPF pass or a DKIM pass is aligned with the author domain, relaxed
//    (same organizational domain) or strict (equal) as adkim=/aspf= say (§3.1,
//    rfc7489.txt:434); otherwise fail.
//  - The policy to apply: p= for the author domain itself, sp= (else p=) for a subdomain
//    whose record came from its organizational domain; pct= samples failing mail, and the
//    rest gets the next milder policy (§6.6.4, rfc7489.txt:1432).
//  - A DNS failure is temperror, never fail: the caller answers 451 where it would have
//    refused (DESIGN.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::mailauth {

enum class DmarcResult : std::uint8_t { None, Pass, Fail, TempError, PermError };
enum class DmarcPolicy : std::uint8_t { None, Quarantine, Reject };

std::string_view dmarc_result_name(DmarcResult r);
std::string_view dmarc_policy_name(DmarcPolicy p);

struct DmarcRecord {
    DmarcPolicy policy = DmarcPolicy::None;
    std::optional<DmarcPolicy> subdomain_policy;
    int pct = 100;
    bool strict_dkim = false;
    bool strict_spf = false;
};

// A record's text, or nullopt when it is not a usable DMARC record (§6.3).
std::optional<DmarcRecord> parse_dmarc_record(std::string_view txt);

// The organizational domain (§3.2): the registrable domain under the Public Suffix List.
std::string organizational_domain(std::string_view domain);

struct DmarcInput {
    std::string_view header;         // the message's header block (the From: field is read here)
    std::string spf_domain;          // the MAIL FROM (or HELO) domain SPF checked
    bool spf_pass = false;
    std::vector<std::string> dkim_pass_domains;  // d= of each DKIM signature that passed
};

struct DmarcOutcome {
    DmarcResult result = DmarcResult::None;
    std::string from_domain;       // header.from
    DmarcPolicy policy = DmarcPolicy::None;   // what the record asks for this message (p or sp)
    DmarcPolicy applied = DmarcPolicy::None;  // after pct sampling: what to do with a failing message
    std::string problem;
};

// `sample` returns a number in [0, 100) for pct= (tests pin it).
DmarcOutcome check_dmarc(dns::DnsClient& dns, const DmarcInput& in, const std::function<int()>& sample);

}  // namespace mr::mailauth
