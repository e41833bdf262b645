// DKIM verification (RFC 6376 §6, rfc6376.txt:2394; RFC 8463; RFC 8301): one result per
// DKIM-Signature field, as Authentication-Results reports it (RFC 8601 §2.7.1,
// rfc8601.txt:936).
//
// verify_dkim() is a plain function of the message bytes and DNS answers (a DnsClient), like
// check_spf(): the daemons call it on a worker thread with a real resolver, the tests with
// a zone written in the test.
//
// Invariants:
//  - Each signature is judged on its own (§6.1, rfc6376.txt:2429); the first
//    kMaxSignatures are verified, later ones get `policy` without any DNS query (a message
//    cannot make us do unbounded work, §8.4).
//  - A signature that cannot be read (tag syntax, missing tags, i= outside d=, h= without
//    From, unknown a= or c=), a key that does not exist or cannot be read, or a key or
//    algorithm RFC 8301 forbids (rsa-sha1, RSA under 1024 bits) is `permerror`; a DNS
//    answer that could not be had is `temperror`; a body or header hash that does not match,
//    a revoked key (empty p=, §6.1.2 step 7) or an expired signature (now > x=) is `fail`.
//  - l= is honoured as §3.5 says (rfc6376.txt:1244): only the first l octets of the
//    canonical body are hashed; a pass whose body goes on past them says so in `reason`
//    and `body_truncated`, since that content is not covered (§8.2, rfc6376.txt:3069).
//  - Message line ends may be CRLF or bare LF; canonicalization makes them CRLF.
//  - Callable from several threads at once; the only state kept between calls is the
//    bounded cache of published keys, each for its DNS answer's TTL (public_key.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/dns_client.hpp"

namespace mr::mailauth {

enum class DkimVerdict : std::uint8_t { Pass, Fail, Neutral, Policy, TempError, PermError };

// "pass", "fail", "neutral", "policy", "temperror", "permerror" (RFC 8601 names).
std::string_view dkim_verdict_name(DkimVerdict v);

inline constexpr std::size_t kMaxSignatures = 10;
// t= may be this far in the future (seconds): clocks differ (rfc6376.txt:1321).
inline constexpr std::int64_t kClockSlack = 300;

struct DkimResult {
    DkimVerdict result = DkimVerdict::PermError;
    std::string domain;     // d= (header.d), as far as it could be read
    std::string selector;   // s= (header.s)
    std::string algorithm;  // a= (header.a)
    std::string auid;       // i=, or "@" d= (header.i)
    std::string header_b;   // the first 8 characters of b= (RFC 6008 header.b)
    std::string reason;     // why it is not pass, or what a pass leaves out; for logs
    bool body_truncated = false;  // pass, but l= left part of the body unsigned
    bool testing = false;         // the key says t=y
};

class SignedMessage;

std::vector<DkimResult> verify_dkim(dns::DnsClient& dns, std::string_view message, std::int64_t now);
// The same, on a message already split (signed_message.hpp), so that ARC verification of the
// same message reuses its fields and body hashes.
std::vector<DkimResult> verify_dkim(dns::DnsClient& dns, SignedMessage& message, std::int64_t now);

}  // namespace mr::mailauth
