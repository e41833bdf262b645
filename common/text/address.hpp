// SMTP paths and mailboxes (RFC 5321 §4.1.2, rfc5321.txt:2250), parsed into
// one canonical Address so the policy layer compares strings, not spellings.
//
// Invariants of every Address returned:
//  - local_part is the unquoted value: `"john doe"@x` gives `john doe`,
//    quoted-pairs are resolved (`"a\"b"` gives `a"b`). RFC 5321 says all
//    quoted forms of a local part are equivalent (rfc5321.txt:2345). Its case
//    is kept: a local part MAY be case-sensitive (rfc5321.txt:2317).
//  - is_quoted records that the wire form was quoted, so policy can see
//    `"user@other"@ourdomain` (local part `user@other`) for what it is.
//    Relay tricks are represented, not judged: `user%other@ourdomain` and
//    `host!user@ourdomain` parse with `%` / `!` in the local part; refusing
//    them is the policy layer's job.
//  - domain is lowercase with no trailing dot (see domain.hpp), or a
//    canonical address literal "[192.0.2.1]" / "[IPv6:...]".
//  - A source route `<@a,@b:user@c>` is checked and dropped as RFC 5321
//    §4.1.1.3 (rfc5321.txt:1925) and Appendix C (rfc5321.txt:4788) say;
//    has_route tells that one was present.
//  - Non-ASCII octets appear only if the caller said SMTPUTF8 was given
//    (RFC 6531 §3.3, rfc6531.txt:347), and then they are valid UTF-8.
//  - Limits (RFC 5321 §4.5.3.1, rfc5321.txt:3484-3496): local part 64
//    octets and domain 255 as written, whole path 256 including "<" ">".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::text {

constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxPath = 256;

struct PathOptions {
    bool smtputf8 = false;          // MAIL FROM carried SMTPUTF8 (RFC 6531 §3.4)
    bool allow_null = false;        // "<>" allowed: MAIL FROM only (rfc5321.txt:2260)
    bool allow_postmaster = false;  // "<Postmaster>" allowed: RCPT TO only (rfc5321.txt:1985)
};

struct Address {
    std::string local_part;
    std::string domain;
    bool is_quoted = false;
    bool has_route = false;

    // The null reverse-path "<>".
    bool is_null() const { return local_part.empty() && domain.empty(); }
    // "<Postmaster>" without a domain (RFC 5321 §4.1.1.3).
    bool is_bare_postmaster() const { return domain.empty() && !local_part.empty(); }
    bool has_address_literal() const { return !domain.empty() && domain.front() == '['; }

    // Canonical `local@domain` with minimal quoting (rfc5321.txt:2347): ""
    // for the null path, the bare local part for "<Postmaster>".
    std::string to_string() const;
    // "<" + to_string() + ">", e.g. for Return-Path and MAIL FROM.
    std::string to_path() const;

    bool operator==(const Address&) const = default;
};

// A whole argument that must be exactly one path.
Result<Address> parse_path(std::string_view text, const PathOptions& options = {});

// A path at the start of `text`; `rest` is everything after the closing ">"
// (the " SIZE=..." ESMTP parameters). Use this to split a MAIL/RCPT
// argument: a quoted local part may itself contain " " or ">".
struct PathPrefix {
    Address address;
    std::string_view rest;
};
Result<PathPrefix> parse_path_prefix(std::string_view text, const PathOptions& options = {});

// A bare Mailbox `user@domain` (no brackets, no route), e.g. from the CLI.
Result<Address> parse_addr_spec(std::string_view text, bool smtputf8 = false);

// The local part as it must be written in a path: unchanged if it is a
// Dot-string (rfc5321.txt:2320), otherwise a Quoted-string with `"` and `\`
// escaped.
std::string quote_local_part(std::string_view local_part);

// Splits `user+tag` at the first separator: {"user", "tag"}. No separator,
// or one at position 0 (the base would be empty), gives {local_part, nullopt}.
// `user+` gives {"user", ""}: a present but empty detail.
struct Subaddress {
    std::string_view base;
    std::optional<std::string_view> detail;
};
Subaddress split_subaddress(std::string_view local_part, char separator = '+');

}  // namespace mr::text
