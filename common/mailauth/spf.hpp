// SPF (RFC 7208): may this client address send mail for this domain?
//
// check_spf() is the check_host() function of RFC 7208 §4 (rfc7208.txt:739) over a
// DnsClient, so it is a plain function of DNS answers: the daemons call it on a worker
// thread with a real resolver, the tests with the RFC 7208 test suite's zones.
//
// Invariants:
//  - The seven results of §2.6 (rfc7208.txt:496); the whole record is parsed before any
//    mechanism is evaluated, and a syntax error anywhere is permerror (§4.6, rfc7208.txt:847).
//  - Limits of §4.6.4 (rfc7208.txt:931), across includes and redirects: at most 10 terms
//    that query DNS (include, a, mx, ptr, exists, redirect), at most 10 MX names per "mx",
//    at most 10 PTR names per "ptr", at most 2 void lookups; past any, permerror.
//  - A DNS answer that could not be had is temperror where the RFC says so, never fail.
//  - Macros (§7, rfc7208.txt:1557), exp= only when the result is fail (§6.2,
//    rfc7208.txt:1485); a broken explanation is dropped, never changes the result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/dns/dns_client.hpp"

namespace mr::mailauth {

enum class SpfResult : std::uint8_t { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror" (RFC 8601 names).
std::string_view spf_result_name(SpfResult r);

struct SpfQuery {
    std::string ip;        // the client address, IPv4 or IPv6 text
    std::string sender;    // MAIL FROM "local@domain"; empty for the null reverse-path
    std::string helo;      // the HELO/EHLO name
    std::string receiver;  // our host name, for the %{r} macro
    std::int64_t now = 0;  // for %{t}
};

struct SpfOutcome {
    SpfResult result = SpfResult::None;
    std::string domain;       // the domain checked: the sender's, or the HELO name
    std::string explanation;  // for fail: exp= expanded, if the domain gave one
    std::string problem;      // for permerror/temperror: what went wrong, for logs
};

// The MAIL FROM identity: the sender's domain, or postmaster@HELO for the null sender
// (§2.4, rfc7208.txt:455).
SpfOutcome check_spf(dns::DnsClient& dns, const SpfQuery& query);
// The HELO identity (§2.3, rfc7208.txt:422).
SpfOutcome check_spf_helo(dns::DnsClient& dns, const SpfQuery& query);

}  // namespace mr::mailauth
