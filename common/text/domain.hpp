// Domain names and address literals as they appear in SMTP paths.
//
// Invariants of every returned domain:
//  - It matches RFC 5321 §4.1.2 Domain (rfc5321.txt:2291): sub-domain =
//    Let-dig [Ldh-str] (rfc5321.txt:2303), i.e. labels of letters, digits and
//    inner hyphens; with SMTPUTF8 a label may also be a U-label (RFC 6531 §3.3,
//    rfc6531.txt:411), checked here only as valid UTF-8 (no IDNA tables).
//  - ASCII letters are lowercased (DNS is case-insensitive); non-ASCII bytes
//    are kept as given. No punycode conversion is done, so "xn--..." and its
//    U-label spelling are different strings: the policy layer must not assume
//    otherwise.
//  - At most 255 octets (RFC 5321 §4.5.3.1.2, rfc5321.txt:3489) and labels of
//    at most 63 octets (the DNS limit, RFC 1035 §2.3.4).
//  - No trailing dot. In an SMTP path the grammar has none, so parse_domain()
//    refuses "example.org." as a syntax error: accepting it would hand the
//    relay check two spellings of one domain. normalise_domain(), meant for
//    operator input and DNS answers, strips one trailing dot instead.
#pragma once

#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::text {

constexpr std::size_t kMaxDomain = 255;
constexpr std::size_t kMaxLabel = 63;

// Validates and lowercases a whole Domain. Errors: Syntax for grammar
// violations (including a trailing dot); Refused for non-ASCII when
// allow_utf8 is false (RFC 6531 §3.5 answers 553 "mailbox name not allowed",
// rfc6531.txt:466).
Result<std::string> parse_domain(std::string_view domain, bool allow_utf8 = false);

// As parse_domain, but one trailing dot is removed first ("Example.ORG." ->
// "example.org"). For configuration, the CLI and DNS names, not for SMTP paths.
Result<std::string> normalise_domain(std::string_view domain, bool allow_utf8 = false);

// Validates an address literal including its brackets (RFC 5321 §4.1.3,
// rfc5321.txt:2380) and returns its canonical form: "[192.0.2.1]" with no
// leading zeros, "[IPv6:2001:db8::1]" in RFC 5952 form, so equal addresses
// compare equal as strings. General-address-literals ("[tag:...]") are
// well-formed but name no transport we have: Refused.
Result<std::string> normalise_address_literal(std::string_view literal);

}  // namespace mr::text
